import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../../shared/router';
import { buildGenerateBody } from '../../helpers/submitBody';
import type { InputValidator } from '../../../shared/validation';
import type { WaitSettings } from '../common';
import { maxConcurrentJobs, maxConcurrentJobsField, readWaitSettings, waitFields } from '../common';
import { submitJob } from './submit.operation';
import { readSubmitParameters, submitFields } from './submitFields';
import { finishWaiting } from './waitForJob.operation';

export const description: INodeProperties[] = [...submitFields, ...waitFields, maxConcurrentJobsField];

/**
 * At most "Max Concurrent Jobs" items are in flight at once (submitted and not yet finished),
 * so a batch never asks MultiTalk for more jobs than the plan runs at a time; the next item
 * submits as soon as one finishes.
 */
export const concurrency = maxConcurrentJobs;

/** Submit Job, then wait until the job ends (and optionally download the video). */
export function parse(this: IExecuteFunctions, itemIndex: number, v: InputValidator): { body: IDataObject; wait: WaitSettings } {
	return { body: buildGenerateBody(readSubmitParameters(this, itemIndex), v), wait: readWaitSettings(this, itemIndex, v) };
}

export async function execute(this: IExecuteFunctions, op: OperationContext<{ body: IDataObject; wait: WaitSettings }>): Promise<OperationResult> {
	const { body, wait } = op.input;
	const submitted: IDataObject = await submitJob(op, body);
	return await finishWaiting(this, op, String(submitted.job_id), wait, true);
}
