import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../../shared/router';
import { museTalk } from '../../transport';

export const description: INodeProperties[] = [];

/** No fields to read. */
export function parse(): void {}

/** GET /health (at the server root): is the server up and are its models loaded. */
export async function execute(this: IExecuteFunctions, op: OperationContext<void>): Promise<OperationResult> {
	const response = await op.request<IDataObject>(museTalk, { method: 'GET', url: '/health' });
	return { json: response.body };
}
