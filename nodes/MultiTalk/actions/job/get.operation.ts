import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../../shared/router';
import { multiTalk } from '../../transport';
import { itemsInParallel, withItemsInParallel, jobIdField } from '../common';

export { parse } from './cancel.operation';

export const description: INodeProperties[] = withItemsInParallel([jobIdField], 5, false);

export const concurrency = itemsInParallel(5, false);

/** GET /jobs/{id}: status, progress, result or error of one job. */
export async function execute(this: IExecuteFunctions, op: OperationContext<string>): Promise<OperationResult> {
	const jobId = op.input;
	const response = await op.request<IDataObject>(multiTalk, {
		method: 'GET',
		url: `/jobs/${encodeURIComponent(jobId)}`,
		hint: (status) => (status === 404 ? `Check the Job ID "${jobId}": MultiTalk does not know it.` : undefined),
	});
	return { json: response.body };
}
