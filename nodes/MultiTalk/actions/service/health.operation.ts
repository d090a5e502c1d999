import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { apiRequest } from '../../../shared/http';
import type { OperationContext, OperationResult } from '../../../shared/router';
import { multiTalk } from '../../transport';

export const description: INodeProperties[] = [];

/** GET /health: is the API up, and which version. */
export async function execute(this: IExecuteFunctions, op: OperationContext): Promise<OperationResult> {
	const response = await apiRequest<IDataObject>(this, multiTalk, {
		method: 'GET',
		url: '/health',
		itemIndex: op.itemIndex,
		limits: op.limits,
		signal: op.signal,
	});
	return { json: response.body };
}
