import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../../shared/router';
import type { InputValidator } from '../../../shared/validation';
import { API, museTalk } from '../../transport';
import { sessionHint, sessionIdField } from '../common';

export const description: INodeProperties[] = [sessionIdField('The ID returned by Session → Create')];

export function parse(this: IExecuteFunctions, itemIndex: number, v: InputValidator): string {
	return v.pathId('Session ID', this.getNodeParameter('sessionId', itemIndex));
}

/** GET /api/v1/session/{id}/status: preparing, ready or error. */
export async function execute(this: IExecuteFunctions, op: OperationContext<string>): Promise<OperationResult> {
	const response = await op.request<IDataObject>(museTalk, {
		method: 'GET',
		url: `${API}/session/${encodeURIComponent(op.input)}/status`,
		hint: sessionHint,
	});
	return { json: response.body };
}
