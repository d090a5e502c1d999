import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../../shared/router';
import { jobIdField, mtRequest, prevalidated } from '../common';

export const description: INodeProperties[] = [jobIdField];

export const concurrency = () => 5;

/** DELETE /jobs/{id}: stops a pending or processing job. */
export async function execute(this: IExecuteFunctions, op: OperationContext): Promise<OperationResult> {
	const jobId = prevalidated(this, op, (itemIndex, v) => v.pathId('Job ID', this.getNodeParameter('jobId', itemIndex, '')));
	const response = await mtRequest<IDataObject>(this, op, {
		method: 'DELETE',
		url: `/jobs/${encodeURIComponent(jobId)}`,
		hint: (status) =>
			status === 404
				? `Check the Job ID "${jobId}": MultiTalk does not know it.`
				: status === 400
					? 'Only pending or processing jobs can be cancelled.'
					: undefined,
	});
	return { json: response.body };
}
