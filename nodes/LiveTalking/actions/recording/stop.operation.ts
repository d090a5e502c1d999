import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../../shared/router';
import { controlRecording, sessionIdField } from '../common';

export const description: INodeProperties[] = [sessionIdField];

/** POST /api/v1/avatar/recording {session_id, action: "stop"}. */
export async function execute(this: IExecuteFunctions, op: OperationContext): Promise<OperationResult> {
	return await controlRecording(this, op, 'stop');
}
