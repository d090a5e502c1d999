/**
 * AvaTar · Conversation: Send Chat Message (server-sent events read to the end, or JSON) and
 * Speak, against the emulator; request bodies and headers checked in its log.
 */
import type { IDataObject } from 'n8n-workflow';

import { avaTarState } from '../../emulator/providers/avatar';
import type { Emulator } from '../../emulator/server';
import { startEmulator } from '../../emulator/server';
import type { Handler } from '../../emulator/types';
import { NODE, expectApiError, expectInputError, newSession, resetAvaTar, runAvaTar } from './helpers';
import { useEmulator } from '../../helpers/emulatorSetup';

let emulator: Emulator;
let sessionId: string;

useEmulator(startEmulator, (e) => (emulator = e));
beforeEach(async () => {
	resetAvaTar(emulator, avaTarState(emulator));
	sessionId = await newSession(emulator);
	emulator.clearLog();
});

const rest = (path?: string | RegExp) => emulator.requests({ service: 'avaTar', path });
const bodyOf = (index = 0) => JSON.parse(rest()[index].body) as IDataObject;
const REPLY = 'Hello! You said: "Hello, how are you today?". I\'m doing great, thanks for asking.';
const WORDS = REPLY.match(/\s*\S+/g) as string[];

/** Swaps the emulator's chat route for one test (stream shapes the stand-in never sends). */
async function withChatHandler(handler: Handler, fn: () => Promise<unknown>): Promise<void> {
	const route = emulator.app('avaTar').routes.find((r) => r.pattern.test('/v1/chat.completions'));
	if (!route) throw new Error('no chat route');
	const original = route.handler;
	route.handler = handler;
	try {
		await fn();
	} finally {
		route.handler = original;
	}
}

const chat = (extra: IDataObject = {}) => ({ resource: 'conversation', operation: 'sendChat', sessionId, message: 'Hello, how are you today?', ...extra });
const speak = (extra: IDataObject = {}) => ({ resource: 'conversation', operation: 'speak', sessionId, text: 'Welcome to our interactive AI avatar system!', ...extra });

describe('AvaTar · Conversation → Send Chat Message', () => {
	it('streams: reads the events to [DONE], returns the full reply and the deltas', async () => {
		const result = await runAvaTar(emulator, chat());
		expect(result.error).toBeUndefined();
		const [json] = result.json(NODE);
		expect(json).toEqual({ session_id: sessionId, reply: REPLY, deltas: WORDS, done: true, finish_reason: 'stop', events: WORDS.length + 2 });
		const [request] = rest();
		expect(request.method).toBe('POST');
		expect(request.path).toBe('/v1/chat.completions');
		expect(request.headers.accept).toBe('text/event-stream');
		expect(bodyOf()).toEqual({ session_id: sessionId, messages: [{ role: 'user', content: 'Hello, how are you today?' }], stream: true });
	});

	it('reads the compact form the document prints (consecutive data lines, no blank lines)', async () => {
		emulator.settings.avaTarChatSse = 'compact';
		const result = await runAvaTar(emulator, chat());
		expect(result.error).toBeUndefined();
		expect(result.json(NODE)[0]).toMatchObject({ reply: REPLY, deltas: WORDS, done: true });
	});

	it('a stream that ends without [DONE]: the whole reply, marked done: false', async () => {
		emulator.settings.avaTarChatSse = 'noDone';
		const result = await runAvaTar(emulator, chat());
		expect(result.error).toBeUndefined();
		expect(result.json(NODE)[0]).toMatchObject({ reply: REPLY, done: false, finish_reason: 'stop' });
	});

	it('sends a whole conversation from the Messages JSON, with the model', async () => {
		const messages = [
			{ role: 'system', content: 'You are brief.' },
			{ role: 'user', content: 'Hi' },
			{ role: 'assistant', content: 'Hello!' },
			{ role: 'user', content: 'What can you do?' },
		];
		const result = await runAvaTar(emulator, chat({ messageInput: 'json', messages: JSON.stringify(messages), options: { model: 'gpt-4o' } }));
		expect(result.error).toBeUndefined();
		expect(result.json(NODE)[0]).toMatchObject({ reply: 'Hello! You said: "What can you do?". I\'m doing great, thanks for asking.', model: 'gpt-4o', done: true });
		expect(bodyOf()).toEqual({ session_id: sessionId, messages, stream: true, model: 'gpt-4o' });
	});

	it('takes the messages from an expression (already a list)', async () => {
		const result = await runAvaTar(emulator, chat({ messageInput: 'json', messages: '={{ $json.history }}' }), {
			items: [{ json: { history: [{ role: 'user', content: 'Hi there' }] } }],
		});
		expect(result.error).toBeUndefined();
		expect(bodyOf().messages).toEqual([{ role: 'user', content: 'Hi there' }]);
	});

	it('without streaming: the JSON completion plus "reply"', async () => {
		const result = await runAvaTar(emulator, chat({ stream: false }));
		expect(result.error).toBeUndefined();
		const [json] = result.json(NODE);
		expect(json.reply).toBe(REPLY);
		expect(json).toMatchObject({ session_id: sessionId, object: 'chat.completion', model: 'gpt-4', choices: [{ index: 0, message: { role: 'assistant', content: REPLY }, finish_reason: 'stop' }] });
		expect(rest()[0].headers.accept).toBe('application/json');
		expect(bodyOf().stream).toBe(false);
	});

	it('a stream that goes silent longer than the timeout fails clearly', async () => {
		// Silent for 30 s: only the 1 s timeout can end this well under 10 s (a generous bound, so a
		// busy machine cannot fail it; 1.5 s against a 1.45 s bound did).
		emulator.settings.avaTarChatDelayMs = 30_000;
		const started = Date.now();
		const result = await runAvaTar(emulator, chat({ requestSettings: { maxAttempts: 1, timeoutSeconds: 1 } }));
		expectApiError(result, 'ws', /^AvaTar: No data for 1 s while reading the chat reply \(0 pieces received\); nothing partial was returned$/);
		expect(Date.now() - started).toBeLessThan(10_000);
	});

	it('stops reading at once when the execution is cancelled', async () => {
		// The reply would take 30 s: ending well under 10 s can only be the cancel (cancelling within
		// 1 s is measured in reliability/cancellation.test.ts; this bound is generous for a busy machine).
		emulator.settings.avaTarChatDelayMs = 30_000;
		const controller = new AbortController();
		setTimeout(() => controller.abort(), 300);
		const started = Date.now();
		const result = await runAvaTar(emulator, chat(), { signal: controller.signal });
		expect(result.status).toBe('canceled');
		expect(Date.now() - started).toBeLessThan(10_000);
	});

	it('a reply longer than "Max Reply Time" fails clearly', async () => {
		emulator.settings.avaTarChatDelayMs = 400;
		const result = await runAvaTar(emulator, chat({ options: { maxReplySeconds: 1 } }));
		expectApiError(result, 'ws', /^AvaTar: The stream ran past its time limit while reading the chat reply \(\d pieces received\)/);
	});

	it.each([
		['an empty message', { message: '={{ "" }}' }, 'Message: must not be empty'],
		['broken JSON', { messageInput: 'json', messages: '[{"role": "user"' }, /^Messages: is not valid JSON/],
		['an unknown role', { messageInput: 'json', messages: '[{"role": "bot", "content": "hi"}]' }, 'Messages: message 1 has the role "bot"'],
		['an empty list', { messageInput: 'json', messages: '[]' }, 'Messages: is an empty list'],
		['a message without content', { messageInput: 'json', messages: '[{"role": "user"}]' }, 'Messages: message 1 has no text in "content"'],
		['no session', { sessionId: '={{ "" }}' }, 'Session ID: is required'],
		['a bad Max Reply Time', { options: { maxReplySeconds: 0 } }, 'Options > Max Reply Time (Seconds): 0 is out of range'],
	])('rejects %s before sending', async (_label, params, message) => {
		const error = expectInputError(await runAvaTar(emulator, chat(params)), message);
		if (String(message).includes('role')) expect(error.description).toBe('Allowed: role: system, user, assistant');
		expect(rest()).toHaveLength(0);
	});

	it('an unknown session: 404 SESSION_NOT_FOUND (streaming or not)', async () => {
		expectApiError(await runAvaTar(emulator, chat({ sessionId: 'nope' })), '404', 'AvaTar: The specified session does not exist [SESSION_NOT_FOUND]');
		expectApiError(await runAvaTar(emulator, chat({ sessionId: 'nope', stream: false })), '404', 'AvaTar: The specified session does not exist [SESSION_NOT_FOUND]');
	});

	it('429 (chat limit): waits for Retry-After and then reads the stream', async () => {
		// The second item must reach the server inside the first one's window: 4 s leaves room for a
		// slow first item on a busy machine (1 s did not), and Retry-After then asks for at most 4 s.
		emulator.settings.avaTarRateLimits = { chat: 1, windowMs: 4000 };
		const result = await runAvaTar(emulator, chat({ requestSettings: { maxAttempts: 3 } }), { items: [{ json: {} }, { json: {} }] });
		expect(result.error).toBeUndefined();
		expect(result.json(NODE).map((j) => j.reply)).toEqual([REPLY, REPLY]);
		expect(rest('/v1/chat.completions').map((r) => r.status)).toEqual([200, 429, 200]);
	});

	it('an error sent inside the stream becomes a NodeApiError', async () => {
		const body = 'data: {"choices":[{"delta":{"content":"Hel"}}]}\n\ndata: {"error":{"code":"MODEL_OVERLOADED","message":"The model is overloaded"}}\n\n';
		await withChatHandler(
			(_req, res) => res.send(200, body, { 'content-type': 'text/event-stream' }),
			async () => expectApiError(await runAvaTar(emulator, chat()), 'ws', 'AvaTar: The model is overloaded [MODEL_OVERLOADED]'),
		);
	});

	it('an event that is not JSON fails clearly', async () => {
		await withChatHandler(
			(_req, res) => res.send(200, 'data: <html>oops</html>\n\n', { 'content-type': 'text/event-stream' }),
			async () => expectApiError(await runAvaTar(emulator, chat()), 'ws', 'AvaTar: The reply stream sent an event that is not JSON: <html>oops</html>'),
		);
	});

	it('a stream cut off in the middle fails instead of returning half a reply', async () => {
		emulator.addFault({ service: 'avaTar', path: '/v1/chat.completions', fault: { kind: 'truncate' } });
		const body = WORDS.map((w) => `data: ${JSON.stringify({ choices: [{ delta: { content: w } }] })}\n\n`).join('') + 'data: [DONE]\n\n';
		await withChatHandler(
			(_req, res) => res.send(200, body, { 'content-type': 'text/event-stream' }),
			async () => expectApiError(await runAvaTar(emulator, chat()), 'ws', /^AvaTar: The chat reply could not be read to the end after \d+ pieces/),
		);
	});

	it('a server that ignores "stream" and answers JSON still gives the reply', async () => {
		await withChatHandler(
			(_req, res) => res.json(200, { choices: [{ index: 0, message: { role: 'assistant', content: 'Plain answer' } }] }),
			async () => {
				const result = await runAvaTar(emulator, chat());
				expect(result.error).toBeUndefined();
				expect(result.json(NODE)[0]).toMatchObject({ reply: 'Plain answer', deltas: ['Plain answer'], done: true, streamed: false });
			},
		);
	});
});

describe('AvaTar · Conversation → Speak', () => {
	it('POSTs text, voice and voice settings to /v1/avatar.speak; returns task and estimate', async () => {
		const result = await runAvaTar(emulator, speak({ voiceId: 'EXAVITQu4vr4xnSDxMaL', voiceSettings: { stability: 0.5, similarity_boost: 0.9 } }));
		expect(result.error).toBeUndefined();
		const [json] = result.json(NODE);
		expect(json.session_id).toBe(sessionId);
		expect(json.task_id).toMatch(/^task_\d+$/);
		expect(json.status).toBe('processing');
		expect(json.duration_estimate).toBe(2.8); // 7 words, 0.4 s each
		expect(rest()[0].path).toBe('/v1/avatar.speak');
		expect(bodyOf()).toEqual({
			session_id: sessionId,
			text: 'Welcome to our interactive AI avatar system!',
			voice_id: 'EXAVITQu4vr4xnSDxMaL',
			voice_settings: { stability: 0.5, similarity_boost: 0.9 },
		});
	});

	it('leaves out voice and settings that are not set', async () => {
		const result = await runAvaTar(emulator, speak({ voiceSettings: { stability: 0 } }));
		expect(result.error).toBeUndefined();
		expect(bodyOf()).toEqual({ session_id: sessionId, text: 'Welcome to our interactive AI avatar system!', voice_settings: { stability: 0 } });
	});

	it.each([
		['stability above 1', { voiceSettings: { stability: '={{ 1.5 }}' } }, 'Voice Settings > Stability: 1.5 is out of range', 'Allowed: a number from 0 to 1'],
		['similarity boost below 0', { voiceSettings: { similarity_boost: '={{ -0.1 }}' } }, 'Voice Settings > Similarity Boost: -0.1 is out of range', 'Allowed: a number from 0 to 1'],
		['a non-number setting', { voiceSettings: { stability: '={{ "high" }}' } }, 'Voice Settings > Stability: "high" is not a number', undefined],
		['empty text', { text: '={{ "  " }}' }, 'Text: must not be empty', undefined],
		['a voice ID with spaces', { voiceId: 'my voice' }, 'Voice ID: "my voice" is not a valid ID', undefined],
	])('rejects %s before sending', async (_label, params, message, description) => {
		const error = expectInputError(await runAvaTar(emulator, speak(params)), message);
		if (description) expect(error.description).toBe(description);
		expect(rest()).toHaveLength(0);
	});

	it('an unknown session: 404 SESSION_NOT_FOUND', async () => {
		expectApiError(await runAvaTar(emulator, speak({ sessionId: 'nope' })), '404', 'AvaTar: The specified session does not exist [SESSION_NOT_FOUND]');
	});

	it('429 (speak limit): waits for Retry-After', async () => {
		emulator.settings.avaTarRateLimits = { speak: 1, windowMs: 4000 }; // room for a slow first item (see the chat case)
		const result = await runAvaTar(emulator, speak({ requestSettings: { maxAttempts: 3 } }), { items: [{ json: {} }, { json: {} }] });
		expect(result.error).toBeUndefined();
		expect(rest('/v1/avatar.speak').map((r) => r.status)).toEqual([200, 429, 200]);
		const [, limited, retried] = rest('/v1/avatar.speak');
		expect(retried.at - limited.at).toBeGreaterThanOrEqual(900);
	});
});
