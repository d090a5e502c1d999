import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { ApiRequest } from '../../shared/http';
import type { OperationContext } from '../../shared/router';
import type { InputValidator } from '../../shared/validation';

/** The Session ID field, as every session-bound operation shows it. */
export const sessionIdField: INodeProperties = {
	displayName: 'Session ID',
	name: 'sessionId',
	type: 'string',
	required: true,
	default: '',
	placeholder: 'e.g. 550e8400-e29b-41d4-a716-446655440000',
	description: 'The session_id returned by "New Session" (drag it in from that node\'s output)',
};

export function readSessionId(ctx: IExecuteFunctions, v: InputValidator, itemIndex: number): string {
	return v.pathId('Session ID', ctx.getNodeParameter('sessionId', itemIndex, ''));
}

/** What every request of one item carries: item index, limits, cancel signal. */
export function requestBase(op: OperationContext): Pick<ApiRequest, 'itemIndex' | 'limits' | 'signal'> {
	return { itemIndex: op.itemIndex, limits: op.limits, signal: op.signal };
}

/** A plain-language hint for the documented error statuses. */
export function avaTarHint(status: number): string | undefined {
	switch (status) {
		case 401:
			return 'Check the API key in the AvaTar credential (leave it empty only if your deployment has no authentication).';
		case 404:
			return 'The session may have been stopped or never existed: create one with "New Session" and use its session_id.';
		case 429:
			return 'AvaTar limits requests per minute (session creation 10, speak 30, chat 60). The node waits for the server\'s Retry-After within "Max Retry-After Wait" and "Max Attempts" (Request Settings): raise those, or slow the workflow down.';
		case 503:
			return 'The AvaTar service is temporarily unavailable; try again later.';
		default:
			return undefined;
	}
}

/** Reads a value at a dotted path (`offer.sdp`, `items[0].sdp`) from an item's JSON. */
export function valueAtPath(json: IDataObject, path: string): unknown {
	const parts = path
		.replace(/\[(\d+)\]/g, '.$1')
		.split('.')
		.filter((p) => p !== '');
	let current: unknown = json;
	for (const part of parts) {
		if (current === null || typeof current !== 'object') return undefined;
		current = (current as Record<string, unknown>)[part];
	}
	return current;
}
