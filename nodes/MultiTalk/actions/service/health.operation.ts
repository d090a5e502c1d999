import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../../shared/router';
import { mtRequest } from '../common';

export const description: INodeProperties[] = [];

/** GET /health: is the API up, and which version. */
export async function execute(this: IExecuteFunctions, op: OperationContext): Promise<OperationResult> {
	const response = await mtRequest<IDataObject>(this, op, { method: 'GET', url: '/health' });
	return { json: response.body };
}
