import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../../shared/router';
import { controlRecording, readSessionId, sessionIdField } from '../common';

export const description: INodeProperties[] = [sessionIdField];

/** POST /api/v1/avatar/recording {session_id, action: "stop"}. */
export const parse = readSessionId;

export async function execute(this: IExecuteFunctions, op: OperationContext<number>): Promise<OperationResult> {
	return await controlRecording(op, 'stop');
}
