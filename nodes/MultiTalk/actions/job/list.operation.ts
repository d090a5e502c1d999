import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../../shared/router';
import { mtRequest, prevalidated } from '../common';

export const description: INodeProperties[] = [
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 100 },
		default: 50,
		description: 'Max number of results to return',
	},
];

/** GET /jobs: the most recent jobs, newest first, one output item per job. */
export async function execute(this: IExecuteFunctions, op: OperationContext): Promise<OperationResult> {
	const limit = prevalidated(this, op, (itemIndex, v) =>
		v.number('Limit', this.getNodeParameter('limit', itemIndex, 50), { min: 1, max: 100, integer: true }),
	);
	const response = await mtRequest<{ jobs?: IDataObject[]; count?: number }>(this, op, {
		method: 'GET',
		url: '/jobs',
		qs: { limit },
	});
	const jobs = Array.isArray(response.body.jobs) ? response.body.jobs : [];
	return jobs.map((job) => ({ json: job }));
}
