import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { apiRequest } from '../../../shared/http';
import type { OperationContext, OperationResult } from '../../../shared/router';
import { avaTar } from '../../transport';
import { avaTarHint, requestBase } from '../common';

export const description: INodeProperties[] = [
	{
		displayName: 'One Item per Session',
		name: 'splitSessions',
		type: 'boolean',
		default: false,
		description:
			'Whether to output each session as its own item (handy to loop over them, e.g. to stop them all) instead of one item with "sessions" and "total"',
	},
];

/** GET /v1/streaming.sessions: the active sessions. */
export async function execute(this: IExecuteFunctions, op: OperationContext): Promise<OperationResult> {
	const split = this.getNodeParameter('splitSessions', op.itemIndex, false) as boolean;
	const response = await apiRequest<IDataObject>(this, avaTar, {
		method: 'GET',
		url: '/v1/streaming.sessions',
		hint: avaTarHint,
		...requestBase(op),
	});
	if (!split) return { json: response.body };
	const sessions = Array.isArray(response.body.sessions) ? (response.body.sessions as IDataObject[]) : [];
	return sessions.map((session) => ({ json: session }));
}
