/**
 * The AvaTar stand-in itself, spoken to directly: it follows the document's paths, bodies,
 * error format ({error: {code, message, details}}) and validation, so the node's tests mean
 * something.
 */
import { WebSocket } from 'ws';

import { fixture } from '../../emulator/media';
import { avaTarState } from '../../emulator/providers/avatar';
import type { Emulator } from '../../emulator/server';
import { startEmulator } from '../../emulator/server';
import { useEmulator } from '../../helpers/emulatorSetup';
import { resetAvaTar } from './helpers';

let emulator: Emulator;

useEmulator(startEmulator, (e) => (emulator = e), { reset: (e) => resetAvaTar(e, avaTarState(e)) });

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
	const response = await fetch(`${emulator.url('avaTar')}${path}`, {
		method,
		headers: { 'content-type': 'application/json', ...headers },
		body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
	});
	return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

async function session(): Promise<string> {
	const created = await call('POST', '/v1/streaming.new', { quality: 'low' });
	expect(created.status).toBe(200);
	return created.body.session_id as string;
}

describe('AvaTar stand-in: REST validation and error format', () => {
	it.each([
		['/v1/streaming.new', { quality: 'ultra' }, 400, 'INVALID_REQUEST'],
		['/v1/streaming.new', { avatar_id: 7 }, 400, 'INVALID_REQUEST'],
		['/v1/streaming.new', '{"quality": ', 400, 'INVALID_REQUEST'],
		['/v1/streaming.new', { avatar_id: 'avatar_42' }, 404, 'AVATAR_NOT_FOUND'],
		['/v1/streaming.start', {}, 400, 'INVALID_REQUEST'],
		['/v1/streaming.start', { session_id: 'missing', sdp: { type: 'offer', sdp: 'v=0\r\n' } }, 404, 'SESSION_NOT_FOUND'],
		['/v1/streaming.stop', { session_id: 'missing' }, 404, 'SESSION_NOT_FOUND'],
		['/v1/chat.completions', { session_id: 'missing', messages: [] }, 404, 'SESSION_NOT_FOUND'],
		['/v1/avatar.speak', { session_id: 'missing', text: 'x' }, 404, 'SESSION_NOT_FOUND'],
	])('%s %j -> %i %s', async (path, body, status, code) => {
		const response = await call('POST', path, body);
		expect(response.status).toBe(status);
		const error = response.body.error as Record<string, unknown>;
		expect(error.code).toBe(code);
		expect(typeof error.message).toBe('string');
		expect(typeof error.details).toBe('object');
	});

	it('validates the SDP offer, chat messages and voice settings of an existing session', async () => {
		const id = await session();
		for (const sdp of [undefined, { type: 'answer', sdp: 'v=0\r\n' }, { type: 'offer', sdp: 'hello' }]) {
			const response = await call('POST', '/v1/streaming.start', { session_id: id, sdp });
			expect(response.status).toBe(400);
			expect((response.body.error as Record<string, unknown>).code).toBe('INVALID_SDP');
		}
		for (const messages of [[], [{ role: 'bot', content: 'x' }], [{ role: 'user' }], 'hi']) {
			expect((await call('POST', '/v1/chat.completions', { session_id: id, messages })).status).toBe(400);
		}
		expect((await call('POST', '/v1/chat.completions', { session_id: id, messages: [{ role: 'user', content: 'x' }], stream: 'yes' })).status).toBe(400);
		for (const voice_settings of [{ stability: 2 }, { similarity_boost: -1 }, { stability: 'high' }, 'loud']) {
			expect((await call('POST', '/v1/avatar.speak', { session_id: id, text: 'hi', voice_settings })).status).toBe(400);
		}
		expect((await call('POST', '/v1/avatar.speak', { session_id: id, text: '   ' })).status).toBe(400);
		const ok = await call('POST', '/v1/avatar.speak', { session_id: id, text: 'one two', voice_settings: { stability: 1, similarity_boost: 0 } });
		expect(ok.status).toBe(200);
		expect(ok.body).toEqual({ task_id: expect.stringMatching(/^task_\d+$/), status: 'processing', duration_estimate: 0.8 });
	});

	it('401 only when a key is configured; /health stays open', async () => {
		expect((await call('GET', '/v1/streaming.sessions')).status).toBe(200);
		(emulator.keys as { avaTar?: string }).avaTar = 'k';
		const denied = await call('GET', '/v1/streaming.sessions');
		expect(denied.status).toBe(401);
		expect(denied.body).toEqual({ error: { code: 'UNAUTHORIZED', message: 'Missing or invalid authentication', details: {} } });
		expect((await call('GET', '/v1/streaming.sessions', undefined, { authorization: 'Bearer k' })).status).toBe(200);
		expect((await call('GET', '/health')).status).toBe(200);
	});

	it('429 with Retry-After at the configured per-endpoint limit; other endpoints unaffected', async () => {
		emulator.settings.avaTarRateLimits = { sessionCreation: 2, windowMs: 60_000 };
		await session();
		await session();
		const limited = await call('POST', '/v1/streaming.new', {});
		expect(limited.status).toBe(429);
		expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(50);
		expect(limited.body.error).toMatchObject({ code: 'RATE_LIMIT_EXCEEDED', details: { limit: 2 } });
		expect((await call('GET', '/v1/streaming.sessions')).status).toBe(200);
	});

	it('the documented limits by default: 10 session creations a minute', async () => {
		delete emulator.settings.avaTarRateLimits;
		const statuses: number[] = [];
		for (let i = 0; i < 11; i++) statuses.push((await call('POST', '/v1/streaming.new', {})).status);
		expect(statuses.filter((s) => s === 200)).toHaveLength(10);
		expect(statuses[10]).toBe(429);
	});

	it('500 and 503 outages in the documented format', async () => {
		emulator.settings.avaTarOutage = 'internal';
		expect(await call('GET', '/metrics')).toMatchObject({ status: 500, body: { error: { code: 'INTERNAL_ERROR' } } });
		emulator.settings.avaTarOutage = 'unavailable';
		const unavailable = await call('GET', '/v1/streaming.sessions');
		expect(unavailable).toMatchObject({ status: 503, body: { error: { code: 'SERVICE_UNAVAILABLE' } } });
		expect(unavailable.headers.get('retry-after')).toBe('1');
	});
});

describe('AvaTar stand-in: realtime socket', () => {
	function connect(path: string): Promise<{ ws: WebSocket; events: Array<Record<string, unknown>>; closed: Promise<number> }> {
		const ws = new WebSocket(`${emulator.app('avaTarWs').wsUrl}${path}`);
		const events: Array<Record<string, unknown>> = [];
		ws.on('message', (data) => events.push(JSON.parse(String(data)) as Record<string, unknown>));
		const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
		return new Promise((resolve, reject) => {
			ws.on('open', () => resolve({ ws, events, closed }));
			ws.on('error', reject);
		});
	}

	it('an unknown session gets an error event and a 1008 close', async () => {
		const { events, closed } = await connect('/ws/nope');
		expect(await closed).toBe(1008);
		expect(events).toEqual([{ type: 'error', code: 'SESSION_NOT_FOUND', message: 'The specified session does not exist' }]);
	});

	/** Waits until `count` events came in (the machine may be loaded: no tight bound). */
	async function arrived(events: unknown[], count: number): Promise<void> {
		for (let i = 0; i < 200 && events.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 50));
		await new Promise((resolve) => setTimeout(resolve, 50)); // and nothing more follows
	}

	it('greets each connection before reading anything: status (the avatar state, "Connected to avatar stream"), then one frame', async () => {
		const id = await session();
		const { ws, events } = await connect(`/ws/${id}`);
		ws.send(JSON.stringify({ type: 'start_listening' }));
		await arrived(events, 3);
		expect(events[0]).toEqual({ type: 'status', status: 'idle', message: 'Connected to avatar stream' });
		expect(events[1]).toMatchObject({ type: 'frame', frame_id: expect.any(Number), timestamp: expect.any(Number) });
		expect(Buffer.from(String(events[1].data), 'base64').equals(fixture('frame.jpg'))).toBe(true);
		expect(events.slice(2)).toEqual([{ type: 'status', status: 'listening', message: 'Avatar is now listening...' }]);
		ws.close();

		// a later connection is greeted with the state the avatar is in; a held greeting holds the reading too
		emulator.settings.avaTarGreetingDelayMs = 200;
		const again = await connect(`/ws/${id}`);
		again.ws.send(JSON.stringify({ type: 'stop_listening' }));
		await arrived(again.events, 3);
		expect(again.events.map((e) => [e.type, e.status])).toEqual([
			['status', 'listening'],
			['frame', undefined],
			['status', 'idle'],
		]);
		again.ws.close();

		// a server that does not greet
		emulator.settings.avaTarGreeting = false;
		const silent = await connect(`/ws/${id}`);
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect(silent.events).toEqual([]);
		silent.ws.close();
	});

	it('bad messages get error events; the socket stays open', async () => {
		const id = await session();
		const { ws, events } = await connect(`/ws/${id}`);
		ws.send('not json');
		ws.send(JSON.stringify({ type: 'dance' }));
		ws.send(JSON.stringify({ type: 'audio_buffer_append', data: { audio: '***' } }));
		ws.send(JSON.stringify({ type: 'audio_buffer_commit' }));
		await new Promise((resolve) => setTimeout(resolve, 100));
		// after the greeting (status + frame)
		expect(events.slice(2).map((e) => e.code)).toEqual(['INVALID_MESSAGE', 'UNKNOWN_EVENT', 'INVALID_AUDIO', 'AUDIO_PROCESSING_ERROR']);
		expect(ws.readyState).toBe(WebSocket.OPEN);
		ws.close();
	});

	it('stopping the session closes its sockets', async () => {
		const id = await session();
		const { closed } = await connect(`/ws/${id}`);
		await call('POST', '/v1/streaming.stop', { session_id: id });
		expect(await closed).toBe(1000);
	});
});
