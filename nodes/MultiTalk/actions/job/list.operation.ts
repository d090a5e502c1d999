import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../../shared/router';
import type { InputValidator } from '../../../shared/validation';
import { multiTalk } from '../../transport';

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

export function parse(this: IExecuteFunctions, itemIndex: number, v: InputValidator): number {
	return v.number('Limit', this.getNodeParameter('limit', itemIndex, 50), { min: 1, max: 100, integer: true });
}

/** GET /jobs: the most recent jobs, newest first, one output item per job. */
export async function execute(this: IExecuteFunctions, op: OperationContext<number>): Promise<OperationResult> {
	const response = await op.request<{ jobs?: IDataObject[]; count?: number }>(multiTalk, {
		method: 'GET',
		url: '/jobs',
		qs: { limit: op.input },
	});
	const jobs = Array.isArray(response.body.jobs) ? response.body.jobs : [];
	return jobs.map((job) => ({ json: job }));
}
