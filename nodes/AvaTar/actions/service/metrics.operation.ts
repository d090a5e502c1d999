import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../../shared/router';
import { avaTar } from '../../transport';

export const description: INodeProperties[] = [];

/** No fields to read. */
export function parse(): void {}

/** GET /metrics (server root): sessions, CPU/GPU/memory use, WebSocket connections, average latency. */
export async function execute(this: IExecuteFunctions, op: OperationContext<void>): Promise<OperationResult> {
	const response = await op.request<IDataObject>(avaTar, { method: 'GET', url: '/metrics' });
	return { json: response.body };
}
