import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../../shared/router';
import type { InputValidator } from '../../../shared/validation';
import { readSessionId, sessionIdField } from '../common';
import { collectOptions, readCollectSettings, runExchange, timeLimitField, waitUntilField } from './exchange';
import { optionsCollection } from '../../../shared/fields';

export const CONTROL_EVENTS = ['interrupt', 'start_listening', 'stop_listening', 'audio_buffer_clear'] as const;

/** Needs Node.js's built-in WebSocket (see the router and shared/compat.ts). */
export const usesWebSocket = true;

export const description: INodeProperties[] = [
	sessionIdField,
	{
		displayName: 'Event',
		name: 'event',
		type: 'options',
		options: [
			{ name: 'Clear Audio Buffer', value: 'audio_buffer_clear', description: 'Drop audio sent but not yet committed' },
			{ name: 'Interrupt', value: 'interrupt', description: 'Stop what the avatar is saying' },
			{ name: 'Start Listening', value: 'start_listening', description: 'The avatar starts listening for user speech' },
			{ name: 'Stop Listening', value: 'stop_listening', description: 'The avatar stops listening' },
		],
		default: 'interrupt',
		description: 'Which control event to send on the session WebSocket',
	},
	waitUntilField('status'),
	timeLimitField,
	optionsCollection(collectOptions),
];

export function parse(this: IExecuteFunctions, itemIndex: number, v: InputValidator) {
	return {
		sessionId: readSessionId(this, v, itemIndex),
		event: v.oneOf('Event', this.getNodeParameter('event', itemIndex, 'interrupt'), CONTROL_EVENTS),
		settings: readCollectSettings(this, v, itemIndex),
	};
}

/** Realtime: sends one control event and collects what the avatar answers. */
export async function execute(this: IExecuteFunctions, op: OperationContext<ReturnType<typeof parse>>): Promise<OperationResult> {
	const { sessionId, event, settings } = op.input;
	return await runExchange(this, op, sessionId, settings, async (ws) => {
		ws.sendJson({ type: event });
		return { event };
	}, false);
}
