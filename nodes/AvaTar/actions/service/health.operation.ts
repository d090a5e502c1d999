import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../../shared/router';
import { avaTar } from '../../transport';

export const description: INodeProperties[] = [];

/** No fields to read. */
export function parse(): void {}

/** GET /health (server root, not under /v1): status, version, uptime and the state of each service. */
export async function execute(this: IExecuteFunctions, op: OperationContext<void>): Promise<OperationResult> {
	const response = await op.request<IDataObject>(avaTar, { method: 'GET', url: '/health' });
	return { json: response.body };
}
