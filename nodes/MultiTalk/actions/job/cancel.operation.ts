import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { providerApiError } from '../../../shared/errors';
import type { OperationContext, OperationResult } from '../../../shared/router';
import { multiTalk } from '../../transport';
import type { InputValidator } from '../../../shared/validation';
import { itemsInParallel, withItemsInParallel, jobIdField, readJobId } from '../common';

export const description: INodeProperties[] = withItemsInParallel([jobIdField], 5, false);

export const concurrency = itemsInParallel(5, false);

export function parse(this: IExecuteFunctions, itemIndex: number, v: InputValidator): string {
	return v.pathId('Job ID', readJobId(this, itemIndex));
}

/**
 * DELETE /jobs/{id}: stops a pending or processing job. Cancelling is made idempotent: when the
 * API answers 400 (the job is no longer pending or processing), the job is read, and if it is
 * cancelled the item succeeds. That also covers a first DELETE that went through but whose
 * answer was lost, so the transport's repeat got the 400.
 */
export async function execute(this: IExecuteFunctions, op: OperationContext<string>): Promise<OperationResult> {
	const jobId = op.input;
	const path = `/jobs/${encodeURIComponent(jobId)}`;
	const response = await op.request<IDataObject>(multiTalk, {
		method: 'DELETE',
		url: path,
		acceptStatuses: [400],
		hint: (status) => (status === 404 ? `Check the Job ID "${jobId}": MultiTalk does not know it.` : undefined),
	});
	if (response.statusCode !== 400) return { json: response.body };

	const job = await op.request<IDataObject>(multiTalk, { method: 'GET', url: path });
	if (job.body.status === 'cancelled') {
		return { json: { job_id: jobId, status: 'cancelled', message: 'Job already cancelled' } };
	}
	throw providerApiError(this.getNode(), {
		provider: multiTalk.name,
		statusCode: 400,
		failure: multiTalk.parseError(response.body),
		hint: 'Only pending or processing jobs can be cancelled.',
		itemIndex: op.itemIndex,
	});
}
