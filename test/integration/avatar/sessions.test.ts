/**
 * AvaTar · Session and Service operations against the emulator, and the documented error
 * format for every status (400, 401, 404, 429 with Retry-After, 500, 503). Assertions cover
 * the output and what reached the server (the emulator's request log, headers included).
 */
import type { IDataObject } from 'n8n-workflow';

import { avaTarState } from '../../emulator/providers/avatar';
import type { Emulator } from '../../emulator/server';
import { startEmulator } from '../../emulator/server';
import { NODE, SDP_OFFER, expectApiError, expectInputError, newSession, resetAvaTar, runAvaTar } from './helpers';
import { useEmulator } from '../../helpers/emulatorSetup';

let emulator: Emulator;

useEmulator(startEmulator, (e) => (emulator = e));
beforeEach(() => resetAvaTar(emulator, avaTarState(emulator)));

const rest = (path?: string | RegExp, method?: string) => emulator.requests({ service: 'avaTar', path, method });
const bodyOf = (index = 0, path?: string) => JSON.parse(rest(path)[index].body) as IDataObject;

describe('AvaTar · Session → New Session', () => {
	it('POSTs quality, avatar and voice to /v1/streaming.new and returns the session', async () => {
		const result = await runAvaTar(emulator, { resource: 'session', operation: 'create', quality: 'high', avatarId: 'avatar_2', voiceId: 'EXAVITQu4vr4xnSDxMaL' });
		expect(result.error).toBeUndefined();
		const [json] = result.json(NODE);
		expect(json.session_id).toMatch(/^[0-9a-f-]{36}$/);
		expect(json.ice_servers).toEqual([{ urls: 'stun:stun.l.google.com:19302' }]);
		expect(typeof json.access_token).toBe('string');
		expect(result.items(NODE)[0].pairedItem).toEqual({ item: 0 });
		const [request] = rest();
		expect(request.method).toBe('POST');
		expect(request.path).toBe('/v1/streaming.new');
		expect(request.headers['content-type']).toMatch(/application\/json/);
		expect(request.headers.authorization).toBeUndefined(); // no key: no header at all
		expect(bodyOf()).toEqual({ quality: 'high', avatar_id: 'avatar_2', voice_id: 'EXAVITQu4vr4xnSDxMaL' });
		expect(avaTarState(emulator).sessions.get(json.session_id as string)).toMatchObject({ quality: 'high', avatarId: 'avatar_2' });
	});

	it('sends only the quality when avatar and voice are left empty (server defaults)', async () => {
		const result = await runAvaTar(emulator, { resource: 'session', operation: 'create' });
		expect(result.error).toBeUndefined();
		expect(bodyOf()).toEqual({ quality: 'medium' });
		expect(avaTarState(emulator).sessions.get(result.json(NODE)[0].session_id as string)?.avatarId).toBe('avatar_1');
	});

	it.each([
		['http://HOST/v1', (u: string) => `${u}/v1`],
		['http://HOST/v1/', (u: string) => `${u}/v1/`],
		['http://HOST', (u: string) => u],
		['http://HOST/', (u: string) => `${u}/`],
	])('accepts the Base URL as %s', async (_label, make) => {
		const result = await runAvaTar(emulator, { resource: 'session', operation: 'create' }, { baseUrl: make(emulator.url('avaTar')) });
		expect(result.error).toBeUndefined();
		expect(rest()[0].path).toBe('/v1/streaming.new');
	});

	it('one session per input item', async () => {
		const result = await runAvaTar(emulator, { resource: 'session', operation: 'create', quality: '={{ $json.q }}' }, { items: [{ json: { q: 'low' } }, { json: { q: 'high' } }] });
		expect(result.error).toBeUndefined();
		expect(result.items(NODE).map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(rest().map((r) => (JSON.parse(r.body) as IDataObject).quality)).toEqual(['low', 'high']);
	});

	it('validates quality, avatar and voice IDs before sending', async () => {
		const bad = await runAvaTar(emulator, { resource: 'session', operation: 'create', quality: '={{ "ultra" }}' });
		const error = expectInputError(bad, 'Quality: "ultra" is not a valid value');
		expect(error.description).toBe('Allowed: low, medium, high');
		expectInputError(await runAvaTar(emulator, { resource: 'session', operation: 'create', avatarId: 'my avatar' }), 'Avatar ID: "my avatar" is not a valid ID');
		expectInputError(await runAvaTar(emulator, { resource: 'session', operation: 'create', voiceId: 'a/b' }), 'Voice ID: "a/b" is not a valid ID');
		expect(rest()).toHaveLength(0);
	});

	it('an unknown avatar: the documented 404 with the provider code', async () => {
		const result = await runAvaTar(emulator, { resource: 'session', operation: 'create', avatarId: 'avatar_9' });
		const error = expectApiError(result, '404', 'AvaTar: The avatar "avatar_9" does not exist [AVATAR_NOT_FOUND]');
		expect(error.context.providerCode).toBe('AVATAR_NOT_FOUND');
	});
});

describe('AvaTar · Session → Start Session', () => {
	let sessionId: string;
	beforeEach(async () => {
		sessionId = await newSession(emulator);
		emulator.clearLog();
	});

	it('reads the offer object from the input field "sdp" and returns the answer', async () => {
		const result = await runAvaTar(emulator, { resource: 'session', operation: 'start', sessionId }, { items: [{ json: { sdp: { type: 'offer', sdp: SDP_OFFER } } }] });
		expect(result.error).toBeUndefined();
		const [json] = result.json(NODE);
		expect(json.session_id).toBe(sessionId);
		expect(json.status).toBe('started');
		const answer = json.sdp as IDataObject;
		expect(answer.type).toBe('answer');
		expect(String(answer.sdp)).toMatch(/^v=0\r\no=- \d+ 2 IN IP4 127\.0\.0\.1\r\n/);
		expect(String(answer.sdp)).toContain('m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n');
		expect(String(answer.sdp)).toContain('m=video 9 UDP/TLS/RTP/SAVPF 96\r\n');
		const [request] = rest();
		expect(request.path).toBe('/v1/streaming.start');
		expect(bodyOf()).toEqual({ session_id: sessionId, sdp: { type: 'offer', sdp: SDP_OFFER } });
		expect(avaTarState(emulator).sessions.get(sessionId)?.status).toBe('active');
	});

	it('reads a nested field holding the offer as JSON text', async () => {
		const result = await runAvaTar(
			emulator,
			{ resource: 'session', operation: 'start', sessionId, offerField: 'body.offer' },
			{ items: [{ json: { body: { offer: JSON.stringify({ type: 'offer', sdp: SDP_OFFER }) } } }] },
		);
		expect(result.error).toBeUndefined();
		expect((bodyOf().sdp as IDataObject).sdp).toBe(SDP_OFFER);
	});

	it('takes SDP text from the parameter, turning LF line ends into CRLF', async () => {
		const result = await runAvaTar(emulator, { resource: 'session', operation: 'start', sessionId, offerSource: 'parameter', offer: SDP_OFFER.replace(/\r\n/g, '\n') });
		expect(result.error).toBeUndefined();
		expect(bodyOf().sdp).toEqual({ type: 'offer', sdp: SDP_OFFER });
	});

	it.each([
		['a missing input field', {}, {}, 'Offer Field: the input item has no field "sdp"'],
		['an answer instead of an offer', {}, { sdp: { type: 'answer', sdp: SDP_OFFER } }, 'Offer Field ("sdp"): has type "answer", but an offer is needed'],
		['text that is not SDP', {}, { sdp: 'hello' }, 'Offer Field ("sdp"): is not an SDP offer (it must start with a "v=0" line followed by an "o=" line)'],
		['an empty parameter', { offerSource: 'parameter', offer: '' }, {}, 'SDP Offer: is empty: no SDP offer found'],
		['a parameter with an answer', { offerSource: 'parameter', offer: JSON.stringify({ type: 'answer', sdp: SDP_OFFER }) }, {}, 'SDP Offer: has type "answer", but an offer is needed'],
	])('rejects %s before sending', async (_label, params, json, message) => {
		const result = await runAvaTar(emulator, { resource: 'session', operation: 'start', sessionId, ...params }, { items: [{ json }] });
		expectInputError(result, message);
		expect(rest()).toHaveLength(0);
	});

	it('an unknown session: 404 SESSION_NOT_FOUND with a hint', async () => {
		const result = await runAvaTar(emulator, { resource: 'session', operation: 'start', sessionId: 'gone' }, { items: [{ json: { sdp: SDP_OFFER } }] });
		const error = expectApiError(result, '404', 'AvaTar: The specified session does not exist [SESSION_NOT_FOUND]');
		expect(error.description).toContain('New Session');
		expect((error.errorResponse as IDataObject).details).toEqual({ session_id: 'gone' });
	});

	it('Session ID is required', async () => {
		expectInputError(await runAvaTar(emulator, { resource: 'session', operation: 'start', sessionId: '={{ "" }}' }, { items: [{ json: { sdp: SDP_OFFER } }] }), 'Session ID: is required');
		expect(rest()).toHaveLength(0);
	});
});

describe('AvaTar · Session → Stop Session and List Sessions', () => {
	it('lists sessions with status and duration, stops one, and 404s on a second stop', async () => {
		const first = await newSession(emulator);
		const second = await newSession(emulator);
		await runAvaTar(emulator, { resource: 'session', operation: 'start', sessionId: first }, { items: [{ json: { sdp: SDP_OFFER } }] });
		await new Promise((resolve) => setTimeout(resolve, 120));

		const list = await runAvaTar(emulator, { resource: 'session', operation: 'list' });
		expect(list.error).toBeUndefined();
		const [json] = list.json(NODE);
		expect(json.total).toBe(2);
		const sessions = json.sessions as IDataObject[];
		expect(sessions.map((s) => [s.session_id, s.status])).toEqual([
			[first, 'active'],
			[second, 'created'],
		]);
		expect(sessions[0].created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
		expect(sessions[0].duration).toBeGreaterThanOrEqual(0.1);
		expect(rest('/v1/streaming.sessions')[0].method).toBe('GET');

		const split = await runAvaTar(emulator, { resource: 'session', operation: 'list', splitSessions: true });
		expect(split.json(NODE).map((s) => s.session_id)).toEqual([first, second]);

		emulator.clearLog();
		const stop = await runAvaTar(emulator, { resource: 'session', operation: 'stop', sessionId: first });
		expect(stop.error).toBeUndefined();
		expect(stop.json(NODE)[0]).toMatchObject({ session_id: first, status: 'stopped' });
		expect(stop.json(NODE)[0].duration).toBeGreaterThanOrEqual(0.1);
		expect(rest()[0].path).toBe('/v1/streaming.stop');
		expect(bodyOf()).toEqual({ session_id: first });

		const after = await runAvaTar(emulator, { resource: 'session', operation: 'list', splitSessions: true });
		expect(after.json(NODE).map((s) => s.session_id)).toEqual([second]);

		const again = await runAvaTar(emulator, { resource: 'session', operation: 'stop', sessionId: first });
		expectApiError(again, '404', 'AvaTar: The specified session does not exist [SESSION_NOT_FOUND]');
		await runAvaTar(emulator, { resource: 'session', operation: 'stop', sessionId: second });
	});

	it('an empty list is one item with total 0 (or no items when split)', async () => {
		const result = await runAvaTar(emulator, { resource: 'session', operation: 'list' });
		expect(result.json(NODE)).toEqual([{ sessions: [], total: 0 }]);
		const split = await runAvaTar(emulator, { resource: 'session', operation: 'list', splitSessions: true });
		expect(split.status).toBe('success');
		expect(split.json(NODE)).toEqual([]);
	});

	it('Stop Session validates the Session ID', async () => {
		expectInputError(await runAvaTar(emulator, { resource: 'session', operation: 'stop', sessionId: '={{ "x y" }}' }), 'Session ID: "x y" is not a valid ID');
		expect(rest()).toHaveLength(0);
	});
});

describe('AvaTar · Service → Health and Metrics', () => {
	it('Health: GET /health at the server root (not under /v1)', async () => {
		const result = await runAvaTar(emulator, { resource: 'service', operation: 'health' });
		expect(result.error).toBeUndefined();
		const [json] = result.json(NODE);
		expect(json).toMatchObject({ status: 'healthy', version: '1.0.0', services: { api: 'healthy', websocket: 'healthy', redis: 'healthy', gpu: 'available' } });
		expect(typeof json.uptime).toBe('number');
		expect(rest().map((r) => `${r.method} ${r.path}`)).toEqual(['GET /health']);
	});

	it('Metrics: GET /metrics at the server root, counting sessions', async () => {
		const sessionId = await newSession(emulator);
		await runAvaTar(emulator, { resource: 'session', operation: 'start', sessionId }, { items: [{ json: { sdp: SDP_OFFER } }] });
		emulator.clearLog();
		const result = await runAvaTar(emulator, { resource: 'service', operation: 'metrics' });
		expect(result.error).toBeUndefined();
		const [json] = result.json(NODE);
		expect(json.active_sessions).toBeGreaterThanOrEqual(1);
		expect(json.total_sessions).toBeGreaterThanOrEqual(1);
		expect(Object.keys(json).sort()).toEqual(
			['active_sessions', 'average_latency', 'cpu_usage', 'gpu_usage', 'memory_usage', 'redis_memory', 'total_sessions', 'websocket_connections'].sort(),
		);
		expect(rest().map((r) => `${r.method} ${r.path}`)).toEqual(['GET /metrics']);
		await runAvaTar(emulator, { resource: 'session', operation: 'stop', sessionId });
	});

	it('both keep a deployment path prefix in front of the root paths', async () => {
		// a proxy in front under /avatar: /avatar/v1/... and /avatar/health
		const result = await runAvaTar(emulator, { resource: 'service', operation: 'health' }, { baseUrl: `${emulator.url('avaTar')}/avatar/v1` });
		expectApiError(result, '404');
		expect(rest()[0].path).toBe('/avatar/health');
	});
});

describe('AvaTar · documented errors', () => {
	it('401: the API key goes as Bearer when set; a wrong one gets the documented body', async () => {
		(emulator.keys as { avaTar?: string }).avaTar = 'avatar-secret';
		const ok = await runAvaTar(emulator, { resource: 'session', operation: 'list' }, { apiKey: 'avatar-secret' });
		expect(ok.error).toBeUndefined();
		expect(rest()[0].headers.authorization).toBe('Bearer avatar-secret');

		const result = await runAvaTar(emulator, { resource: 'session', operation: 'list' }, { apiKey: 'wrong-key' });
		const error = expectApiError(result, '401', 'AvaTar: Missing or invalid authentication [UNAUTHORIZED]');
		expect(error.description).toContain('Check the API key');
		expect(JSON.stringify(result.error?.stored)).not.toContain('wrong-key');

		const none = await runAvaTar(emulator, { resource: 'service', operation: 'metrics' });
		expectApiError(none, '401');
		expect(rest().at(-1)?.headers.authorization).toBeUndefined();
	});

	it('400: the provider message and code, as documented', async () => {
		emulator.addFault({
			service: 'avaTar',
			path: '/v1/streaming.new',
			fault: { kind: 'status', status: 400, body: { error: { code: 'INVALID_REQUEST', message: 'quality must be one of low, medium, high', details: { field: 'quality' } } } },
		});
		const result = await runAvaTar(emulator, { resource: 'session', operation: 'create' });
		const error = expectApiError(result, '400', 'AvaTar: quality must be one of low, medium, high [INVALID_REQUEST]');
		expect((error.errorResponse as IDataObject).details).toEqual({ field: 'quality' });
	});

	it('429: waits for Retry-After, then succeeds (session creation limit)', async () => {
		// 4 s: the second item must reach the server inside the first one's window, even on a busy machine
		emulator.settings.avaTarRateLimits = { sessionCreation: 1, windowMs: 4000 };
		const started = Date.now();
		const result = await runAvaTar(emulator, { resource: 'session', operation: 'create', requestSettings: { maxAttempts: 3 } }, { items: [{ json: {} }, { json: {} }] });
		expect(result.error).toBeUndefined();
		expect(result.json(NODE)).toHaveLength(2);
		expect(Date.now() - started).toBeGreaterThanOrEqual(900);
		const statuses = rest('/v1/streaming.new').map((r) => r.status);
		expect(statuses[0]).toBe(200);
		expect(statuses).toContain(429);
		expect(statuses.at(-1)).toBe(200);
		// the wait was the server's Retry-After (at least 1 s), not a blind retry
		const [limited] = rest('/v1/streaming.new').filter((r) => r.status === 429);
		const retried = rest('/v1/streaming.new').at(-1)!;
		expect(retried.at - limited.at).toBeGreaterThanOrEqual(900);
	});

	it('429: a Retry-After longer than "Max Retry-After Wait" fails with the documented error', async () => {
		emulator.settings.avaTarRateLimits = { sessionCreation: 1, speak: 1, chat: 1, windowMs: 60_000 };
		const sessionId = await newSession(emulator);
		const result = await runAvaTar(emulator, { resource: 'session', operation: 'create', requestSettings: { maxAttempts: 3, maxRetryAfterSeconds: 5 } });
		const error = expectApiError(result, '429', /^AvaTar: Rate limit exceeded: 1 requests per minute for session creation \[RATE_LIMIT_EXCEEDED\] \(the server asked to wait \d+ s/);
		expect(error.description).toContain('Max Retry-After Wait');
		expect(rest('/v1/streaming.new').map((r) => r.status)).toEqual([200, 429]);
		void sessionId;
	});

	it('500: the documented body; a POST that may have started work is not repeated', async () => {
		emulator.settings.avaTarOutage = 'internal';
		const result = await runAvaTar(emulator, { resource: 'session', operation: 'create', requestSettings: { maxAttempts: 3 } });
		expectApiError(result, '500', 'AvaTar: Internal server error, check logs [INTERNAL_ERROR]');
		expect(rest('/v1/streaming.new')).toHaveLength(1);
	});

	it('500 on a GET is retried (idempotent) until it works', async () => {
		emulator.addFault({ service: 'avaTar', path: '/v1/streaming.sessions', times: 1, fault: { kind: 'status', status: 500, body: { error: { code: 'INTERNAL_ERROR', message: 'boom', details: {} } } } });
		const result = await runAvaTar(emulator, { resource: 'session', operation: 'list', requestSettings: { maxAttempts: 2 } });
		expect(result.error).toBeUndefined();
		expect(rest('/v1/streaming.sessions').map((r) => r.status)).toEqual([500, 200]);
	});

	it('503: retried after Retry-After, then reported with the documented body', async () => {
		emulator.settings.avaTarOutage = 'unavailable';
		const result = await runAvaTar(emulator, { resource: 'service', operation: 'health', requestSettings: { maxAttempts: 2 } });
		const error = expectApiError(result, '503', 'AvaTar: Service temporarily unavailable [SERVICE_UNAVAILABLE]');
		expect(error.description).toContain('temporarily unavailable');
		expect(rest('/health')).toHaveLength(2);
	});

	it('503 that clears up: the retry succeeds', async () => {
		emulator.settings.avaTarOutage = 'unavailable';
		setTimeout(() => delete emulator.settings.avaTarOutage, 300);
		const result = await runAvaTar(emulator, { resource: 'session', operation: 'create', requestSettings: { maxAttempts: 3 } });
		expect(result.error).toBeUndefined();
		expect(rest('/v1/streaming.new').map((r) => r.status)).toEqual([503, 200]);
	});
});
