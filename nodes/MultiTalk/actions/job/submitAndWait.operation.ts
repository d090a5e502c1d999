import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../../shared/router';
import { batchLedgerFor } from '../../helpers/batchLedger';
import { buildGenerateBody } from '../../helpers/submitBody';
import type { InputValidator } from '../../../shared/validation';
import type { WaitSettings } from '../common';
import { DEFAULT_MAX_CONCURRENT_JOBS, itemsInParallel, readWaitSettings, waitFields, withItemsInParallel } from '../common';
import { submitJob } from './submit.operation';
import { readSubmitParameters, submitFields } from './submitFields';
import { finishWaiting } from './waitForJob.operation';

export const description: INodeProperties[] = withItemsInParallel([...submitFields, ...waitFields], DEFAULT_MAX_CONCURRENT_JOBS, true);

/**
 * At most "Items in Parallel" items are in flight at once (submitted and not yet finished),
 * so a batch never asks MultiTalk for more jobs than the plan runs at a time; the next item
 * submits as soon as one finishes.
 */
export const concurrency = itemsInParallel(DEFAULT_MAX_CONCURRENT_JOBS, true);

/** Submit Job, then wait until the job ends (and optionally download the video). */
export function parse(this: IExecuteFunctions, itemIndex: number, v: InputValidator): { body: IDataObject; wait: WaitSettings } {
	return { body: buildGenerateBody(readSubmitParameters(this, itemIndex), v), wait: readWaitSettings(this, itemIndex, v) };
}

export async function execute(this: IExecuteFunctions, op: OperationContext<{ body: IDataObject; wait: WaitSettings }>): Promise<OperationResult> {
	const { body, wait } = op.input;
	// Each item's progress is recorded, so that an error which stops the run can say which jobs
	// it leaves running at MultiTalk and which items were never submitted.
	const batch = batchLedgerFor(this, op);
	try {
		batch.submitting(this, op.itemIndex);
		const submitted: IDataObject = await submitJob(op, body);
		const jobId = String(submitted.job_id);
		batch.submitted(op.itemIndex, jobId);
		const result = await finishWaiting(this, op, jobId, wait, true, (status) => batch.ended(op.itemIndex, jobId, status));
		batch.done(op.itemIndex, jobId);
		return result;
	} catch (error) {
		throw batch.stoppingError(this, error, op.itemIndex);
	}
}
