import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../../shared/router';
import type { InputValidator } from '../../../shared/validation';
import { avatarTalk } from '../../transport';
import { paymentJson } from './common';

export const description: INodeProperties[] = [
	{
		displayName: 'Status',
		name: 'status',
		type: 'options',
		options: [
			{ name: 'Any', value: 'any' },
			{ name: 'Paid', value: 'paid' },
			{ name: 'Pending', value: 'pending' },
		],
		default: 'any',
		description: 'Only return payments with this status',
	},
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { returnAll: [false] } },
	},
];

/** Runs once for the whole input: the list does not depend on the items. */
export const runOnceForAllItems = true;

/**
 * GET /lightning/payments (needs the API key): every Lightning payment of the account, newest
 * first, one output item each, with the invoice decoded.
 */
export function parse(this: IExecuteFunctions, i: number, v: InputValidator): { status: string; limit: number } {
	const status = v.oneOf('Status', this.getNodeParameter('status', i, 'any'), ['any', 'paid', 'pending']);
	const returnAll = this.getNodeParameter('returnAll', i, false) as boolean;
	const limit = returnAll ? Number.POSITIVE_INFINITY : v.number('Limit', this.getNodeParameter('limit', i, 50), { min: 1, integer: true });
	return { status, limit };
}

export async function execute(this: IExecuteFunctions, op: OperationContext<Array<{ status: string; limit: number }>>): Promise<OperationResult> {
	// One list for the whole run: the first item's filter applies.
	const { status, limit } = op.input[0];
	const response = await op.request<IDataObject[]>(avatarTalk, { method: 'GET', url: '/lightning/payments' });
	const payments = Array.isArray(response.body) ? response.body : [];
	const createdAt = (p: IDataObject) => Date.parse(String(p.created_at ?? '')) || 0;
	return payments
		.filter((p) => status === 'any' || p.status === status)
		.sort((a, b) => createdAt(b) - createdAt(a) || Number(b.id ?? 0) - Number(a.id ?? 0))
		.slice(0, limit)
		.map((p) => ({ json: paymentJson(p) }));
}
