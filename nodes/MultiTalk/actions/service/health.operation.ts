import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../../shared/router';
import { multiTalk } from '../../transport';

export const description: INodeProperties[] = [];

/** No fields to read. */
export function parse(): void {}

/** GET /health: is the API up, and which version. */
export async function execute(this: IExecuteFunctions, op: OperationContext<void>): Promise<OperationResult> {
	const response = await op.request<IDataObject>(multiTalk, { method: 'GET', url: '/health' });
	return { json: response.body };
}
