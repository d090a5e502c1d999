import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../../shared/router';
import type { InputValidator } from '../../../shared/validation';
import { avaTar } from '../../transport';
import { readSessionId, sessionIdField } from '../common';

export const description: INodeProperties[] = [sessionIdField];

export function parse(this: IExecuteFunctions, itemIndex: number, v: InputValidator): string {
	return readSessionId(this, v, itemIndex);
}

/** POST /v1/streaming.stop: ends the session; returns its duration in seconds. */
export async function execute(this: IExecuteFunctions, op: OperationContext<string>): Promise<OperationResult> {
	const sessionId = op.input;
	const response = await op.request<IDataObject>(avaTar, { method: 'POST', url: '/v1/streaming.stop', body: { session_id: sessionId } });
	return { json: { session_id: sessionId, ...response.body } };
}
