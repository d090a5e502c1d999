import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { apiRequest } from '../../../shared/http';
import type { OperationContext, OperationResult } from '../../../shared/router';
import { museTalk } from '../../transport';

export const description: INodeProperties[] = [];

/** GET /health (at the server root): is the server up and are its models loaded. */
export async function execute(this: IExecuteFunctions, op: OperationContext): Promise<OperationResult> {
	const response = await apiRequest<IDataObject>(this, museTalk, {
		method: 'GET',
		url: '/health',
		itemIndex: op.itemIndex,
		limits: op.limits,
		signal: op.signal,
	});
	return { json: response.body };
}
