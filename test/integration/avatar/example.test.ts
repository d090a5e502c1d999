/**
 * examples/avatar-session-chat-speak.json through n8n-core's engine against the emulator:
 * the workflow a user imports runs as is (expressions between nodes included).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { IDataObject } from 'n8n-workflow';

import { avaTarState } from '../../emulator/providers/avatar';
import type { Emulator } from '../../emulator/server';
import { startEmulator } from '../../emulator/server';
import { cleanupHarness, runWorkflow } from '../../harness';
import type { WorkflowJson } from '../../harness';
import { resetAvaTar } from './helpers';

let emulator: Emulator;

beforeAll(async () => {
	emulator = await startEmulator();
	resetAvaTar(emulator, avaTarState(emulator));
});
afterAll(async () => {
	await emulator.close();
	await cleanupHarness();
});

const example = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'examples', 'avatar-session-chat-speak.json'), 'utf8')) as WorkflowJson & { id: string; name: string };

describe('example: avatar-session-chat-speak', () => {
	it('follows the conventions (id, name, trigger, notes, credential reference)', () => {
		expect(example.id).toBe('ex-avatar-session-chat-speak');
		expect(example.name).toMatch(/^AvaTar: /);
		expect(example.nodes[0].type).toBe('n8n-nodes-base.manualTrigger');
		expect(example.nodes.some((n) => n.type === 'n8n-nodes-base.stickyNote')).toBe(true);
		for (const node of example.nodes.filter((n) => n.type === 'n8n-nodes-talking-avatars.avaTar')) {
			expect(node.credentials).toEqual({ avaTarApi: { id: 'cred-avatar', name: 'AvaTar account' } });
		}
	});

	it('runs: new session -> chat (streamed) -> speak -> stop', async () => {
		const result = await runWorkflow(example, {
			credentials: { avaTarApi: { baseUrl: emulator.urls.avaTar, wsUrl: emulator.urls.avaTarWs, apiKey: '' } },
		});
		expect(result.error).toBeUndefined();
		expect(result.status).toBe('success');
		const sessionId = result.json('New Session')[0].session_id as string;
		expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
		const chat = result.json('Chat with the Avatar')[0];
		expect(chat).toMatchObject({ session_id: sessionId, reply: 'Hello! You said: "Hello, how are you today?". I\'m doing great, thanks for asking.', done: true });
		expect((chat.deltas as string[]).length).toBeGreaterThan(3);
		expect(result.json('Speak')[0]).toMatchObject({ session_id: sessionId, status: 'processing' });
		expect(result.json('Stop Session')[0]).toMatchObject({ session_id: sessionId, status: 'stopped' });

		const paths = emulator.requests({ service: 'avaTar' }).map((r) => `${r.method} ${r.path} ${r.status}`);
		expect(paths).toEqual([
			'POST /v1/streaming.new 200',
			'POST /v1/chat.completions 200',
			'POST /v1/avatar.speak 200',
			'POST /v1/streaming.stop 200',
		]);
		const chatBody = JSON.parse(emulator.requests({ service: 'avaTar', path: '/v1/chat.completions' })[0].body) as IDataObject;
		expect((chatBody.messages as IDataObject[]).map((m) => m.role)).toEqual(['system', 'user']);
		const speakBody = JSON.parse(emulator.requests({ service: 'avaTar', path: '/v1/avatar.speak' })[0].body) as IDataObject;
		expect(speakBody).toMatchObject({ session_id: sessionId, voice_settings: { stability: 0.6, similarity_boost: 0.8 } });
		expect(speakBody.voice_id).toBeUndefined();
		expect(avaTarState(emulator).sessions.has(sessionId)).toBe(false);
	});
});
