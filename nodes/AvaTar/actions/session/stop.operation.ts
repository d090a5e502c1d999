import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { apiRequest } from '../../../shared/http';
import type { OperationContext, OperationResult } from '../../../shared/router';
import { validatorFor } from '../../../shared/validation';
import { avaTar } from '../../transport';
import { avaTarHint, readSessionId, requestBase, sessionIdField } from '../common';

export const description: INodeProperties[] = [sessionIdField];

/** POST /v1/streaming.stop: ends the session; returns its duration in seconds. */
export async function execute(this: IExecuteFunctions, op: OperationContext): Promise<OperationResult> {
	const v = validatorFor(this.getNode(), op.itemIndex);
	const sessionId = readSessionId(this, v, op.itemIndex);
	const response = await apiRequest<IDataObject>(this, avaTar, {
		method: 'POST',
		url: '/v1/streaming.stop',
		body: { session_id: sessionId },
		hint: avaTarHint,
		...requestBase(op),
	});
	return { json: { session_id: sessionId, ...response.body } };
}
