import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../../shared/router';
import type { InputValidator } from '../../../shared/validation';
import { API, museTalk } from '../../transport';
import { sessionHint, sessionIdField } from '../common';

export const description: INodeProperties[] = [sessionIdField('The session to delete (its avatar data is freed on the server)')];

export function parse(this: IExecuteFunctions, itemIndex: number, v: InputValidator): string {
	return v.pathId('Session ID', this.getNodeParameter('sessionId', itemIndex));
}

/** DELETE /api/v1/session/{id}. */
export async function execute(this: IExecuteFunctions, op: OperationContext<string>): Promise<OperationResult> {
	const sessionId = op.input;
	const response = await op.request<IDataObject>(museTalk, {
		method: 'DELETE',
		url: `${API}/session/${encodeURIComponent(sessionId)}`,
		// A repeat of a DELETE whose first answer was lost finds the session gone: it was deleted.
		acceptStatusesOnRetry: [404],
		hint: sessionHint,
	});
	if (response.statusCode === 404) {
		return { json: { session_id: sessionId, deleted: true, message: 'Session deleted (confirmed on a repeated request)' } };
	}
	return { json: { session_id: sessionId, deleted: true, ...response.body } };
}
