import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { InputValidator } from '../../shared/validation';

/**
 * The Session ID picker, as every session-bound operation shows it: From List (the server's
 * active sessions) or By ID (typed, or an expression such as {{ $json.session_id }}). Workflows
 * saved when this was a text field hold a plain string; n8n hands that through as the value, so
 * they keep working (read with `extractValue: true`).
 */
export const sessionIdField: INodeProperties = {
	displayName: 'Session ID',
	name: 'sessionId',
	type: 'resourceLocator',
	required: true,
	default: { mode: 'list', value: '' },
	description: 'The session: pick an active one, or give the session_id returned by "New Session" (drag it in from that node\'s output)',
	modes: [
		{
			displayName: 'From List',
			name: 'list',
			type: 'list',
			placeholder: 'Select an active session…',
			typeOptions: { searchListMethod: 'searchSessions', searchable: true, searchFilterRequired: false },
		},
		{
			displayName: 'By ID',
			name: 'id',
			type: 'string',
			placeholder: 'e.g. 550e8400-e29b-41d4-a716-446655440000',
		},
	],
};

export function readSessionId(ctx: IExecuteFunctions, v: InputValidator, itemIndex: number): string {
	return v.pathId('Session ID', ctx.getNodeParameter('sessionId', itemIndex, '', { extractValue: true }));
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
