/**
 * On a Node.js without a global WebSocket (Node 20, which n8n 1.x and early 2.x run on), every
 * WebSocket operation fails at once, before any request, with the message README
 * "Compatibility" quotes; nothing crashes. Simulated here by removing the global for the test.
 */
import { NodeOperationError } from 'n8n-workflow';

import type { Emulator } from '../../emulator/server';
import { startEmulator } from '../../emulator/server';
import { NODE as AVATAR, runAvaTar } from '../avatar/helpers';
import { NODE as AVATARTALK, items, runAvatarTalk } from '../avatartalk/video/helpers';
import { useEmulator } from '../../helpers/emulatorSetup';

let emulator: Emulator;
const realWebSocket = globalThis.WebSocket;
useEmulator(async () => await startEmulator({ settings: { avatarTalkLatencyMs: 5, avatarTalkChunkDelayMs: 1 } }), (e) => (emulator = e));
beforeEach(() => {
	delete (globalThis as { WebSocket?: unknown }).WebSocket;
});
afterEach(() => {
	globalThis.WebSocket = realWebSocket;
});

const message = (operation: string) =>
	`${operation} needs Node.js 22 or newer: this n8n runs on a Node.js without a built-in WebSocket`;

const cases: Array<[string, () => Promise<import('../../harness').RunResult>, string]> = [
	[
		'AvatarTalk Stream over WebSocket',
		() =>
			runAvatarTalk(
				emulator,
				{ resource: 'stream', operation: 'streamInference', inputType: 'text', text: 'Hi', outputType: 'file', avatar: 'european_woman', emotion: 'happy', language: 'en' },
				{ items: items(2) },
			),
		'Stream over WebSocket',
	],
	[
		'AvatarTalk Continuous Session',
		() =>
			runAvatarTalk(
				emulator,
				{ resource: 'stream', operation: 'continuousSession', inputMode: 'append', text: 'Hi', avatar: 'mexican_woman', expression: 'happy', language: 'en' },
				{ items: items(2) },
			),
		'Continuous Session',
	],
	['AvaTar Send Control Event', () => runAvaTar(emulator, { resource: 'realtime', operation: 'sendEvent', sessionId: 'abc', event: 'interrupt' }), 'Send Control Event'],
];

describe('WebSocket operations on a Node.js without WebSocket', () => {
	it.each(cases)('%s fails at once with the requirement named, before any request', async (_title, run, operation) => {
		const result = await run();
		expect(result.error?.error).toBeInstanceOf(NodeOperationError);
		expect(result.error?.message).toBe(message(operation));
		expect(result.error?.description).toBe('Run n8n on Node.js 22 or newer. Every operation that does not use a WebSocket works on this Node.js too.');
		expect(emulator.requests()).toEqual([]);
	});

	it('under Continue On Fail every item gets the error, paired with it', async () => {
		const result = await runAvatarTalk(
			emulator,
			{ resource: 'stream', operation: 'streamInference', inputType: 'text', text: 'Hi', outputType: 'file', avatar: 'european_woman', emotion: 'happy', language: 'en' },
			{ items: items(3), onError: 'continueRegularOutput' },
		);
		expect(result.error).toBeUndefined();
		expect(result.items(AVATARTALK)).toEqual(
			[0, 1, 2].map((item) => ({ json: expect.objectContaining({ error: message('Stream over WebSocket') }), pairedItem: { item } })),
		);
		expect(emulator.requests()).toEqual([]);
	});

	it('operations without a WebSocket still work there (AvaTar New Session)', async () => {
		const result = await runAvaTar(emulator, { resource: 'session', operation: 'create' });
		expect(result.error).toBeUndefined();
		expect(result.json(AVATAR)[0].session_id).toEqual(expect.any(String));
	});
});
