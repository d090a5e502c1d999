import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../../shared/router';
import { liveTalking } from '../../transport';

export const description: INodeProperties[] = [];

/** No fields to read. */
export function parse(): void {}

/**
 * GET /api/v1/avatar/health: can the backend reach its LiveTalking server. Documented as
 * public, so it goes out without the Firebase token.
 */
export async function execute(this: IExecuteFunctions, op: OperationContext<void>): Promise<OperationResult> {
	const response = await op.request<IDataObject>(liveTalking, { method: 'GET', url: '/health', authenticate: false });
	return { json: response.body };
}
