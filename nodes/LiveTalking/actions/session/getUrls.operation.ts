import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../../shared/router';
import { liveTalking } from '../../transport';

export const description: INodeProperties[] = [];

/** No fields to read. */
export function parse(): void {}

/** GET /api/v1/avatar/session: the LiveTalking URLs a WebRTC client connects to. */
export async function execute(this: IExecuteFunctions, op: OperationContext<void>): Promise<OperationResult> {
	const response = await op.request<IDataObject>(liveTalking, { method: 'GET', url: '/session' });
	return { json: response.body };
}
