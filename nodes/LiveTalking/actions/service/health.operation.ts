import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { apiRequest } from '../../../shared/http';
import type { OperationContext, OperationResult } from '../../../shared/router';
import { liveTalking } from '../../transport';

export const description: INodeProperties[] = [];

/**
 * GET /api/v1/avatar/health: can the backend reach its LiveTalking server. Documented as
 * public, so it goes out without the Firebase token.
 */
export async function execute(this: IExecuteFunctions, op: OperationContext): Promise<OperationResult> {
	const response = await apiRequest<IDataObject>(this, liveTalking, {
		method: 'GET',
		url: '/health',
		authenticate: false,
		itemIndex: op.itemIndex,
		limits: op.limits,
		signal: op.signal,
	});
	return { json: response.body };
}
