import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { apiRequest } from '../../../shared/http';
import type { OperationContext, OperationResult } from '../../../shared/router';
import { validatorFor } from '../../../shared/validation';
import { API, museTalk } from '../../transport';
import { sessionHint, sessionIdField } from '../common';

export const description: INodeProperties[] = [sessionIdField('The session to delete (its avatar data is freed on the server)')];

/** DELETE /api/v1/session/{id}. */
export async function execute(this: IExecuteFunctions, op: OperationContext): Promise<OperationResult> {
	const v = validatorFor(this.getNode(), op.itemIndex);
	const sessionId = v.pathId('Session ID', this.getNodeParameter('sessionId', op.itemIndex));
	const response = await apiRequest<IDataObject>(this, museTalk, {
		method: 'DELETE',
		url: `${API}/session/${encodeURIComponent(sessionId)}`,
		// A repeat of a DELETE whose first answer was lost finds the session gone: it was deleted.
		acceptStatusesOnRetry: [404],
		itemIndex: op.itemIndex,
		limits: op.limits,
		signal: op.signal,
		hint: sessionHint,
	});
	if (response.statusCode === 404) {
		return { json: { session_id: sessionId, deleted: true, message: 'Session deleted (confirmed on a repeated request)' } };
	}
	return { json: { session_id: sessionId, deleted: true, ...response.body } };
}
