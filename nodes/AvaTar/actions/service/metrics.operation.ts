import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { apiRequest } from '../../../shared/http';
import type { OperationContext, OperationResult } from '../../../shared/router';
import { avaTar } from '../../transport';
import { avaTarHint, requestBase } from '../common';

export const description: INodeProperties[] = [];

/** GET /metrics (server root): sessions, CPU/GPU/memory use, WebSocket connections, average latency. */
export async function execute(this: IExecuteFunctions, op: OperationContext): Promise<OperationResult> {
	const response = await apiRequest<IDataObject>(this, avaTar, {
		method: 'GET',
		url: '/metrics',
		hint: avaTarHint,
		...requestBase(op),
	});
	return { json: response.body };
}
