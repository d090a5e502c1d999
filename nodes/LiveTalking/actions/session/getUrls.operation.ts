import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { apiRequest } from '../../../shared/http';
import type { OperationContext, OperationResult } from '../../../shared/router';
import { liveTalking } from '../../transport';
import { liveTalkingHint } from '../common';

export const description: INodeProperties[] = [];

/** GET /api/v1/avatar/session: the LiveTalking URLs a WebRTC client connects to. */
export async function execute(this: IExecuteFunctions, op: OperationContext): Promise<OperationResult> {
	const response = await apiRequest<IDataObject>(this, liveTalking, {
		method: 'GET',
		url: '/session',
		itemIndex: op.itemIndex,
		limits: op.limits,
		signal: op.signal,
		hint: liveTalkingHint,
	});
	return { json: response.body };
}
