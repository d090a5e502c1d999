import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { apiRequest } from '../../../shared/http';
import type { OperationContext, OperationResult } from '../../../shared/router';
import { validatorFor } from '../../../shared/validation';
import { API, museTalk } from '../../transport';
import { sessionHint, sessionIdField } from '../common';

export const description: INodeProperties[] = [sessionIdField('The ID returned by Session → Create')];

/** GET /api/v1/session/{id}/status: preparing, ready or error. */
export async function execute(this: IExecuteFunctions, op: OperationContext): Promise<OperationResult> {
	const v = validatorFor(this.getNode(), op.itemIndex);
	const sessionId = v.pathId('Session ID', this.getNodeParameter('sessionId', op.itemIndex));
	const response = await apiRequest<IDataObject>(this, museTalk, {
		method: 'GET',
		url: `${API}/session/${encodeURIComponent(sessionId)}/status`,
		itemIndex: op.itemIndex,
		limits: op.limits,
		signal: op.signal,
		hint: sessionHint,
	});
	return { json: response.body };
}
