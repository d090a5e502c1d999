import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { RequestLimits } from './http';
import { DEFAULT_LIMITS } from './http';

/** The "Request Settings" collection every action node shows (same names everywhere). */
export const requestSettingsProperty: INodeProperties = {
	displayName: 'Request Settings',
	name: 'requestSettings',
	type: 'collection',
	placeholder: 'Add Setting',
	default: {},
	options: [
		{
			displayName: 'Max Attempts',
			name: 'maxAttempts',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 10 },
			default: 4,
			description:
				'How many times a request may be sent in all. Requests that could start paid work are repeated only when the server refused them (429, 503).',
		},
		{
			displayName: 'Max Retry-After Wait (Seconds)',
			name: 'maxRetryAfterSeconds',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 120,
			description:
				'When the service says "retry after N seconds" (rate limits), wait up to this long; a longer request fails the item instead',
		},
		{
			displayName: 'Request Timeout (Seconds)',
			name: 'timeoutSeconds',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 60,
			description: 'How long one request may wait for an answer (for downloads: the longest pause between data)',
		},
	],
};

export function readRequestLimits(ctx: IExecuteFunctions, itemIndex: number): RequestLimits {
	const settings = ctx.getNodeParameter('requestSettings', itemIndex, {}) as {
		maxAttempts?: number;
		maxRetryAfterSeconds?: number;
		timeoutSeconds?: number;
	};
	return {
		maxAttempts: Math.max(1, Math.floor(settings.maxAttempts ?? DEFAULT_LIMITS.maxAttempts)),
		maxRetryAfterMs: Math.max(0, (settings.maxRetryAfterSeconds ?? DEFAULT_LIMITS.maxRetryAfterMs / 1000) * 1000),
		timeoutMs: Math.max(1000, (settings.timeoutSeconds ?? DEFAULT_LIMITS.timeoutMs / 1000) * 1000),
	};
}
