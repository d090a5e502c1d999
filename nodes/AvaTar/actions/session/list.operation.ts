import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../../shared/router';
import { avaTar } from '../../transport';

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

/** Whether to split the list into one item per session. */
export function parse(this: IExecuteFunctions, itemIndex: number): { split: boolean } {
	return { split: this.getNodeParameter('splitSessions', itemIndex, false) as boolean };
}

/** GET /v1/streaming.sessions: the active sessions. */
export async function execute(this: IExecuteFunctions, op: OperationContext<{ split: boolean }>): Promise<OperationResult> {
	const { split } = op.input;
	const response = await op.request<IDataObject>(avaTar, { method: 'GET', url: '/v1/streaming.sessions' });
	if (!split) return { json: response.body };
	const sessions = Array.isArray(response.body.sessions) ? (response.body.sessions as IDataObject[]) : [];
	return sessions.map((session) => ({ json: session }));
}
