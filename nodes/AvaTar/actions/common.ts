import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

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
