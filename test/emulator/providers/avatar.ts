import { randomBytes, randomUUID } from 'node:crypto';

import type { WebSocket } from 'ws';

import { fixture } from '../media';
import type { Emulator } from '../server';
import { perEmulator } from '../state';
import type { EmuRequest, EmuResponse, WsConnection } from '../types';

/**
 * AvaTar stand-in (../shared/provider-apis/avatar-system.md): the REST API on its own origin
 * (`<origin>/v1/...`, `/health` and `/metrics` at the root) and the realtime WebSocket on
 * another (`ws://<origin>/ws/<session_id>`), as the document's two base URLs show.
 *
 * Knobs (emulator.settings, read on every request so tests can change them mid-run):
 * - avaTarRateLimits: {sessionCreation, speak, chat, windowMs}: the documented per-minute
 *   limits (10, 30, 60 per 60 s); 429 with Retry-After beyond them.
 * - avaTarOutage: 'unavailable' (503, Retry-After 1) | 'internal' (500) for every endpoint.
 * - avaTarChatDelayMs (5): pause between streamed chat chunks.
 * - avaTarChatSse: 'standard' (blank line after each event) | 'compact' (consecutive `data:`
 *   lines, as the document prints them) | 'noDone' (standard, but no `data: [DONE]`).
 * - avaTarWsDelayMs (5): pause between realtime events of one reply.
 * - avaTarFramesPerReply (6), avaTarAudioPieces (2: the reply WAV split in valid WAV pieces;
 *   1 sends the fixture unchanged).
 * - avaTarWsMessagesPerSecond (100): the documented WebSocket limit.
 * - avaTarWsError: {code, message}: sent as an `error` event instead of answering a commit.
 * - avaTarGreeting (true): on connect, the `status` greeting and the first frame (below);
 *   false: a server that says nothing until it is spoken to.
 * - avaTarGreetingDelayMs (0): pause between the upgrade and the greeting.
 * - avaTarWsFirstMessageLagMs (0): the first client message is read this late (see below).
 * Authentication is optional, as documented: enforced only when emulator.keys.avaTar is set.
 */

interface Session {
	id: string;
	quality: string;
	avatarId: string;
	voiceId?: string;
	status: 'created' | 'active';
	createdAt: number;
	sockets: Set<WebSocket>;
	audio: Buffer[];
	state: 'idle' | 'listening' | 'speaking';
	reply?: { timers: NodeJS.Timeout[] };
}

/** What the realtime socket received, for tests to check what the node sent. */
export interface AvaTarWsLogEntry {
	sessionId: string;
	type: string;
	/** Decoded bytes of an audio_buffer_append. */
	audioBytes?: number;
	raw: string;
}

export interface AvaTarState {
	sessions: Map<string, Session>;
	totalSessions: number;
	wsConnections: number;
	wsLog: AvaTarWsLogEntry[];
	/** Audio of each commit, as the server assembled it. */
	committedAudio: Array<{ sessionId: string; audio: Buffer }>;
	rate: Map<string, number[]>;
	startedAt: number;
	taskCounter: number;
	frameCounter: number;
}

/** The stand-in's state (sessions, realtime log) for assertions. */
export const avaTarState = perEmulator<AvaTarState>(() => ({
	sessions: new Map(),
	totalSessions: 0,
	wsConnections: 0,
	wsLog: [],
	committedAudio: [],
	rate: new Map(),
	startedAt: Date.now(),
	taskCounter: 100000,
	frameCounter: 0,
}));

export const AVATARS = ['avatar_1', 'avatar_2', 'avatar_3'];
const QUALITIES = ['low', 'medium', 'high'];
const ROLES = ['system', 'user', 'assistant'];

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
	return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function errorBody(code: string, message: string, details: Json = {}) {
	return { error: { code, message, details } };
}

function fail(res: EmuResponse, status: number, code: string, message: string, details: Json = {}, headers: Record<string, string> = {}) {
	res.json(status, errorBody(code, message, details), headers);
}

// ---- WAV helpers (independent of the node's own code, so tests compare two implementations)

interface Wav {
	fmt: Buffer;
	data: Buffer;
	byteRate: number;
	audioFormat: number;
}

function readWav(buffer: Buffer): Wav | undefined {
	if (buffer.length < 12 || buffer.toString('latin1', 0, 4) !== 'RIFF' || buffer.toString('latin1', 8, 12) !== 'WAVE') return undefined;
	let fmt: Buffer | undefined;
	for (let at = 12; at + 8 <= buffer.length; ) {
		const id = buffer.toString('latin1', at, at + 4);
		const size = buffer.readUInt32LE(at + 4);
		const body = buffer.subarray(at + 8, Math.min(buffer.length, at + 8 + size));
		if (id === 'fmt ') fmt = body;
		if (id === 'data' && fmt && fmt.length >= 16) {
			return { fmt, data: body, byteRate: fmt.readUInt32LE(8), audioFormat: fmt.readUInt16LE(0) };
		}
		at += 8 + size + (size % 2);
	}
	return undefined;
}

function writeWav(fmt: Buffer, data: Buffer): Buffer {
	const header = Buffer.alloc(20);
	header.write('RIFF', 0, 'latin1');
	header.writeUInt32LE(4 + 8 + fmt.length + 8 + data.length, 4);
	header.write('WAVE', 8, 'latin1');
	header.write('fmt ', 12, 'latin1');
	header.writeUInt32LE(fmt.length, 16);
	const dataHeader = Buffer.alloc(8);
	dataHeader.write('data', 0, 'latin1');
	dataHeader.writeUInt32LE(data.length, 4);
	return Buffer.concat([header, fmt, dataHeader, data]);
}

/** The reply WAV fixture cut into `pieces` valid WAV files (1: the fixture unchanged). */
export function replyAudioPieces(pieces: number): Array<{ wav: Buffer; duration: number }> {
	const source = fixture('reply-24k-mono.wav');
	const wav = readWav(source);
	if (!wav) throw new Error('reply fixture is not a WAV');
	if (pieces <= 1) return [{ wav: source, duration: wav.data.length / wav.byteRate }];
	const blockAlign = wav.fmt.readUInt16LE(12);
	const size = Math.ceil(wav.data.length / pieces / blockAlign) * blockAlign;
	const out: Array<{ wav: Buffer; duration: number }> = [];
	for (let at = 0; at < wav.data.length; at += size) {
		const data = wav.data.subarray(at, at + size);
		out.push({ wav: writeWav(wav.fmt, data), duration: data.length / wav.byteRate });
	}
	return out;
}

// ---- SDP

function answerFor(offer: string): string {
	const media = offer
		.split(/\r?\n/)
		.filter((line) => line.startsWith('m=') || line.startsWith('a=mid:'));
	const lines = ['v=0', `o=- ${Date.now()} 2 IN IP4 127.0.0.1`, 's=AvaTar', 't=0 0', 'a=msid-semantic: WMS avatar'];
	for (const line of media) {
		lines.push(line);
		if (line.startsWith('m=')) lines.push('c=IN IP4 127.0.0.1', 'a=setup:active', 'a=sendonly');
	}
	return `${lines.join('\r\n')}\r\n`;
}

// ---- the service

export function register(emulator: Emulator): void {
	const app = emulator.app('avaTar');
	const wsApp = emulator.app('avaTarWs');
	const state = avaTarState(emulator);
	const setting = <T>(name: string, fallback: T): T => (emulator.settings[name] === undefined ? fallback : (emulator.settings[name] as T));
	const timers = new Set<NodeJS.Timeout>();
	emulator.onClose(() => {
		for (const timer of timers) clearTimeout(timer);
		timers.clear();
	});
	const later = (ms: number, fn: () => void): NodeJS.Timeout => {
		const timer = setTimeout(() => {
			timers.delete(timer);
			fn();
		}, ms);
		timers.add(timer);
		return timer;
	};

	/** Outage, then authentication (only when a key is configured). */
	const gate = (req: EmuRequest, res: EmuResponse, authenticate = true): boolean => {
		const outage = setting<string | undefined>('avaTarOutage', undefined);
		if (outage === 'unavailable') {
			fail(res, 503, 'SERVICE_UNAVAILABLE', 'Service temporarily unavailable', {}, { 'retry-after': '1' });
			return false;
		}
		if (outage === 'internal') {
			fail(res, 500, 'INTERNAL_ERROR', 'Internal server error, check logs');
			return false;
		}
		const key = emulator.keys.avaTar;
		if (authenticate && key && req.bearer !== key) {
			fail(res, 401, 'UNAUTHORIZED', 'Missing or invalid authentication');
			return false;
		}
		return true;
	};

	/** The documented per-minute limits, per endpoint. */
	const rateLimited = (res: EmuResponse, endpoint: 'sessionCreation' | 'speak' | 'chat'): boolean => {
		const limits = { sessionCreation: 10, speak: 30, chat: 60, windowMs: 60_000, ...setting<Json>('avaTarRateLimits', {}) } as Record<string, number>;
		const now = Date.now();
		const window = limits.windowMs;
		const sent = (state.rate.get(endpoint) ?? []).filter((at) => now - at < window);
		state.rate.set(endpoint, sent);
		if (sent.length >= limits[endpoint]) {
			const retryAfter = Math.max(1, Math.ceil((sent[0] + window - now) / 1000));
			const what = { sessionCreation: 'session creation', speak: 'avatar speak', chat: 'chat messages' }[endpoint];
			fail(
				res,
				429,
				'RATE_LIMIT_EXCEEDED',
				`Rate limit exceeded: ${limits[endpoint]} requests per minute for ${what}`,
				{ limit: limits[endpoint], window: '1 minute', retry_after: retryAfter },
				{ 'retry-after': String(retryAfter) },
			);
			return true;
		}
		sent.push(now);
		return false;
	};

	/** The JSON body as an object, or the documented 400. */
	const body = (req: EmuRequest, res: EmuResponse): Json | undefined => {
		if (req.bodyInvalid || (req.rawBody.length && !isObject(req.body))) {
			fail(res, 400, 'INVALID_REQUEST', 'The request body must be a JSON object');
			return undefined;
		}
		return (req.body as Json | undefined) ?? {};
	};

	const findSession = (res: EmuResponse, b: Json): Session | undefined => {
		if (typeof b.session_id !== 'string' || b.session_id === '') {
			fail(res, 400, 'INVALID_REQUEST', 'session_id is required', { field: 'session_id' });
			return undefined;
		}
		const session = state.sessions.get(b.session_id);
		if (!session) {
			fail(res, 404, 'SESSION_NOT_FOUND', 'The specified session does not exist', { session_id: b.session_id });
			return undefined;
		}
		return session;
	};

	const broadcast = (session: Session, event: Json) => {
		const text = JSON.stringify(event);
		for (const socket of session.sockets) if (socket.readyState === socket.OPEN) socket.send(text);
	};

	const cancelReply = (session: Session) => {
		if (!session.reply) return false;
		for (const timer of session.reply.timers) {
			clearTimeout(timer);
			timers.delete(timer);
		}
		session.reply = undefined;
		return true;
	};

	/** The avatar answers: speaking, frames and audio interleaved, the agent's words, idle. */
	const playReply = (session: Session, agentText: string) => {
		cancelReply(session);
		const delay = setting('avaTarWsDelayMs', 5);
		const frames = setting('avaTarFramesPerReply', 6);
		const audio = replyAudioPieces(setting('avaTarAudioPieces', 2));
		const jpeg = fixture('frame.jpg').toString('base64');
		const events: Array<() => Json> = [
			() => {
				session.state = 'speaking';
				return { type: 'status', status: 'speaking', message: 'Avatar is speaking...' };
			},
		];
		const total = Math.max(frames, audio.length);
		for (let i = 0; i < total; i++) {
			if (i < frames) {
				events.push(() => ({ type: 'frame', data: jpeg, frame_id: ++state.frameCounter, timestamp: Date.now() / 1000 }));
			}
			const piece = audio[i];
			if (piece) events.push(() => ({ type: 'audio', data: piece.wav.toString('base64'), duration: piece.duration, sample_rate: 24000 }));
		}
		events.push(() => ({ type: 'chat', role: 'agent', content: agentText }));
		events.push(() => {
			session.state = 'idle';
			session.reply = undefined;
			return { type: 'status', status: 'idle', message: 'Avatar is idle' };
		});
		const reply = { timers: [] as NodeJS.Timeout[] };
		session.reply = reply;
		events.forEach((event, index) => reply.timers.push(later(delay * (index + 1), () => broadcast(session, event()))));
	};

	const replyTo = (text: string) => `Hello! You said: "${text}". I'm doing great, thanks for asking.`;

	// ---- REST ---------------------------------------------------------------------------

	app.route('POST', '/v1/streaming.new', (req, res) => {
		if (!gate(req, res)) return;
		const b = body(req, res);
		if (!b) return;
		if (b.quality !== undefined && !QUALITIES.includes(String(b.quality))) {
			return fail(res, 400, 'INVALID_REQUEST', `Invalid quality "${String(b.quality)}": use low, medium or high`, { field: 'quality', allowed: QUALITIES });
		}
		if (b.avatar_id !== undefined && typeof b.avatar_id !== 'string') {
			return fail(res, 400, 'INVALID_REQUEST', 'avatar_id must be a string', { field: 'avatar_id' });
		}
		if (b.voice_id !== undefined && (typeof b.voice_id !== 'string' || b.voice_id === '')) {
			return fail(res, 400, 'INVALID_REQUEST', 'voice_id must be a non-empty string', { field: 'voice_id' });
		}
		const avatarId = (b.avatar_id as string | undefined) ?? 'avatar_1';
		if (!AVATARS.includes(avatarId)) {
			return fail(res, 404, 'AVATAR_NOT_FOUND', `The avatar "${avatarId}" does not exist`, { avatar_id: avatarId });
		}
		if (rateLimited(res, 'sessionCreation')) return;
		const session: Session = {
			id: randomUUID(),
			quality: (b.quality as string | undefined) ?? 'medium',
			avatarId,
			voiceId: b.voice_id as string | undefined,
			status: 'created',
			createdAt: Date.now(),
			sockets: new Set(),
			audio: [],
			state: 'idle',
		};
		state.sessions.set(session.id, session);
		state.totalSessions++;
		const token = `eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify({ sid: session.id })).toString('base64url')}.${randomBytes(16).toString('base64url')}`;
		res.json(200, { session_id: session.id, ice_servers: [{ urls: 'stun:stun.l.google.com:19302' }], access_token: token });
	});

	app.route('POST', '/v1/streaming.start', (req, res) => {
		if (!gate(req, res)) return;
		const b = body(req, res);
		if (!b) return;
		const session = findSession(res, b);
		if (!session) return;
		const sdp = b.sdp;
		if (!isObject(sdp) || sdp.type !== 'offer' || typeof sdp.sdp !== 'string' || !sdp.sdp.startsWith('v=0')) {
			return fail(res, 400, 'INVALID_SDP', 'sdp must be an SDP offer: {"type": "offer", "sdp": "v=0..."}', { field: 'sdp' });
		}
		session.status = 'active';
		res.json(200, { status: 'started', sdp: { type: 'answer', sdp: answerFor(sdp.sdp) } });
	});

	app.route('POST', '/v1/streaming.stop', (req, res) => {
		if (!gate(req, res)) return;
		const b = body(req, res);
		if (!b) return;
		const session = findSession(res, b);
		if (!session) return;
		cancelReply(session);
		state.sessions.delete(session.id);
		for (const socket of session.sockets) socket.close(1000, 'Session stopped');
		res.json(200, { status: 'stopped', duration: Math.round((Date.now() - session.createdAt) / 100) / 10 });
	});

	app.route('GET', '/v1/streaming.sessions', (req, res) => {
		if (!gate(req, res)) return;
		const sessions = [...state.sessions.values()].map((s) => ({
			session_id: s.id,
			status: s.status,
			created_at: new Date(s.createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
			duration: Math.round((Date.now() - s.createdAt) / 100) / 10,
		}));
		res.json(200, { sessions, total: sessions.length });
	});

	app.route('POST', '/v1/chat.completions', async (req, res) => {
		if (!gate(req, res)) return;
		const b = body(req, res);
		if (!b) return;
		const session = findSession(res, b);
		if (!session) return;
		const messages = b.messages;
		if (!Array.isArray(messages) || messages.length === 0) {
			return fail(res, 400, 'INVALID_REQUEST', 'messages must be a non-empty list', { field: 'messages' });
		}
		for (const [i, m] of messages.entries()) {
			if (!isObject(m) || !ROLES.includes(String(m.role)) || typeof m.content !== 'string') {
				return fail(res, 400, 'INVALID_REQUEST', `messages[${i}] needs a role (system, user or assistant) and a text content`, { field: `messages[${i}]` });
			}
		}
		if (b.stream !== undefined && typeof b.stream !== 'boolean') {
			return fail(res, 400, 'INVALID_REQUEST', 'stream must be true or false', { field: 'stream' });
		}
		if (b.model !== undefined && (typeof b.model !== 'string' || b.model === '')) {
			return fail(res, 400, 'INVALID_REQUEST', 'model must be a non-empty string', { field: 'model' });
		}
		if (rateLimited(res, 'chat')) return;
		const lastUser = [...messages].reverse().find((m) => (m as Json).role === 'user') as Json | undefined;
		const reply = replyTo(String(lastUser?.content ?? ''));
		const model = (b.model as string | undefined) ?? 'gpt-4';
		const id = `chatcmpl-${randomBytes(6).toString('hex')}`;
		playReply(session, reply);
		if (!b.stream) {
			return res.json(200, {
				id,
				object: 'chat.completion',
				created: Math.floor(Date.now() / 1000),
				model,
				choices: [{ index: 0, message: { role: 'assistant', content: reply }, finish_reason: 'stop' }],
			});
		}
		const style = setting<string>('avaTarChatSse', 'standard');
		const gap = style === 'compact' ? '\n' : '\n\n';
		const delay = setting('avaTarChatDelayMs', 5);
		const pieces = reply.match(/\s*\S+/g) ?? [];
		const raw = res.raw;
		raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
		raw.write(`: AvaTar stream ${id}${gap}`);
		for (const content of pieces) {
			if (raw.destroyed) return;
			await new Promise((resolve) => later(delay, () => resolve(undefined)));
			raw.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', model, choices: [{ index: 0, delta: { content } }] })}${gap}`);
		}
		raw.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}${gap}`);
		if (style !== 'noDone') raw.write(`data: [DONE]${style === 'compact' ? '\n\n' : gap}`);
		raw.end();
	});

	app.route('POST', '/v1/avatar.speak', (req, res) => {
		if (!gate(req, res)) return;
		const b = body(req, res);
		if (!b) return;
		const session = findSession(res, b);
		if (!session) return;
		if (typeof b.text !== 'string' || b.text.trim() === '') {
			return fail(res, 400, 'INVALID_REQUEST', 'text is required', { field: 'text' });
		}
		if (b.voice_id !== undefined && (typeof b.voice_id !== 'string' || b.voice_id === '')) {
			return fail(res, 400, 'INVALID_REQUEST', 'voice_id must be a non-empty string', { field: 'voice_id' });
		}
		if (b.voice_settings !== undefined) {
			const vs = b.voice_settings;
			if (!isObject(vs)) return fail(res, 400, 'INVALID_REQUEST', 'voice_settings must be an object', { field: 'voice_settings' });
			for (const key of ['stability', 'similarity_boost']) {
				const value = vs[key];
				if (value !== undefined && (typeof value !== 'number' || value < 0 || value > 1)) {
					return fail(res, 400, 'INVALID_REQUEST', `voice_settings.${key} must be a number from 0 to 1`, { field: `voice_settings.${key}` });
				}
			}
		}
		if (rateLimited(res, 'speak')) return;
		playReply(session, b.text);
		const words = b.text.trim().split(/\s+/).length;
		res.json(200, { task_id: `task_${++state.taskCounter}`, status: 'processing', duration_estimate: Math.max(0.5, Math.round(words * 4) / 10) });
	});

	app.route('GET', '/health', (req, res) => {
		if (!gate(req, res, false)) return;
		res.json(200, {
			status: 'healthy',
			version: '1.0.0',
			uptime: Math.floor((Date.now() - state.startedAt) / 1000),
			services: { api: 'healthy', websocket: 'healthy', redis: 'healthy', gpu: 'available' },
		});
	});

	app.route('GET', '/metrics', (req, res) => {
		if (!gate(req, res)) return;
		res.json(200, {
			active_sessions: [...state.sessions.values()].filter((s) => s.status === 'active').length,
			total_sessions: state.totalSessions,
			cpu_usage: 45.2,
			memory_usage: 62.8,
			gpu_usage: 38.5,
			websocket_connections: state.wsConnections,
			redis_memory: '245MB',
			average_latency: 125,
		});
	});

	app.control('GET', '/avatar/ws-log', (_req, res) => res.json(200, state.wsLog));

	// ---- realtime WebSocket --------------------------------------------------------------

	wsApp.ws('/ws/:sessionId', (conn: WsConnection) => {
		const { socket } = conn;
		const sessionId = conn.params.sessionId;
		const send = (event: Json) => {
			if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(event));
		};
		const key = emulator.keys.avaTar;
		if (key && conn.bearer !== key) {
			send({ type: 'error', code: 'UNAUTHORIZED', message: 'Missing or invalid authentication' });
			socket.close(1008, 'Unauthorized');
			return;
		}
		const found = state.sessions.get(sessionId);
		if (!found) {
			send({ type: 'error', code: 'SESSION_NOT_FOUND', message: 'The specified session does not exist' });
			socket.close(1008, 'Session not found');
			return;
		}
		const session: Session = found;
		session.sockets.add(socket);
		state.wsConnections++;
		socket.on('close', () => {
			session.sockets.delete(socket);
			state.wsConnections--;
		});
		// The greeting. The document's "Connection" section shows the client logging
		// 'Connected to avatar stream' when the socket opens; it lists no event of its own for
		// that. Reading taken (as the strict stand-in of issue #12 does): the server announces the
		// connection with its documented `status` event carrying that message and the avatar's
		// current state ("idle" for a fresh session), then sends the avatar's current picture as
		// one `frame`, so a viewer (the SDK example paints every frame) shows the avatar at once.
		// One frame, not a stream: the document does not say frames flow while the avatar is idle.
		// Both go out before the server reads anything the client sends (messages that arrive
		// during avaTarGreetingDelayMs wait, as in a server that greets before its read loop).
		let held: Array<[Buffer, boolean]> | undefined;
		const release = () => {
			const waiting = held ?? [];
			held = undefined;
			for (const [data, isBinary] of waiting) handle(data, isBinary);
		};
		if (setting('avaTarGreeting', true)) {
			const greet = () => {
				send({ type: 'status', status: session.state, message: 'Connected to avatar stream' });
				send({ type: 'frame', data: fixture('frame.jpg').toString('base64'), frame_id: ++state.frameCounter, timestamp: Date.now() / 1000 });
				release();
			};
			const delay = setting('avaTarGreetingDelayMs', 0);
			if (delay > 0) {
				held = [];
				later(delay, greet);
			} else greet();
		}
		const received: number[] = [];

		// avaTarWsFirstMessageLagMs: the first message reaches the server late (network jitter, a
		// busy server) and the ones behind it queue up, so the server counts them closer together
		// than they were sent.
		let first = true;
		socket.on('message', (data: Buffer, isBinary: boolean) => {
			const lag = first ? setting('avaTarWsFirstMessageLagMs', 0) : 0;
			first = false;
			if (held) held.push([data, isBinary]);
			else if (lag > 0) {
				held = [[data, isBinary]];
				later(lag, release);
			} else handle(data, isBinary);
		});

		function handle(data: Buffer, isBinary: boolean): void {
			const raw = isBinary ? '' : data.toString('utf8');
			const now = Date.now();
			while (received.length && now - received[0] >= 1000) received.shift();
			if (received.length >= setting('avaTarWsMessagesPerSecond', 100)) {
				state.wsLog.push({ sessionId, type: 'rate_limited', raw: raw.slice(0, 200) });
				return send({ type: 'error', code: 'RATE_LIMIT_EXCEEDED', message: 'Rate limit exceeded: 100 messages per second' });
			}
			received.push(now);
			let event: Json;
			try {
				event = JSON.parse(raw) as Json;
				if (!isObject(event)) throw new Error('not an object');
			} catch {
				state.wsLog.push({ sessionId, type: 'invalid', raw: raw.slice(0, 200) });
				return send({ type: 'error', code: 'INVALID_MESSAGE', message: 'Messages must be JSON objects with a "type"' });
			}
			const type = String(event.type);
			const entry: AvaTarWsLogEntry = { sessionId, type, raw: raw.length > 200 ? `${raw.slice(0, 200)}...` : raw };
			state.wsLog.push(entry);
			switch (type) {
				case 'audio_buffer_append': {
					const audio = isObject(event.data) ? event.data.audio : undefined;
					if (typeof audio !== 'string' || audio === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(audio)) {
						return send({ type: 'error', code: 'INVALID_AUDIO', message: 'data.audio must be base64-encoded audio' });
					}
					const bytes = Buffer.from(audio, 'base64');
					entry.audioBytes = bytes.length;
					session.audio.push(bytes);
					return;
				}
				case 'audio_buffer_commit': {
					const audio = Buffer.concat(session.audio);
					session.audio = [];
					const injected = setting<Json | undefined>('avaTarWsError', undefined);
					if (injected) return send({ type: 'error', ...injected });
					if (!audio.length) {
						return send({ type: 'error', code: 'AUDIO_PROCESSING_ERROR', message: 'Failed to process audio input: the audio buffer is empty' });
					}
					const wav = audio.toString('latin1', 0, 4) === 'RIFF' ? readWav(audio) : undefined;
					// MP3 (ID3 tag or frame sync), JPEG, PNG: not audio the avatar can listen to
					const looksLikeOther =
						audio.toString('latin1', 0, 3) === 'ID3' ||
						(audio[0] === 0xff && (audio[1] & 0xe0) === 0xe0) ||
						(audio[0] === 0xff && audio[1] === 0xd8) ||
						audio.toString('latin1', 1, 4) === 'PNG';
					if ((audio.toString('latin1', 0, 4) === 'RIFF' && (!wav || wav.audioFormat !== 1)) || (!wav && looksLikeOther)) {
						return send({ type: 'error', code: 'AUDIO_PROCESSING_ERROR', message: 'Failed to process audio input' });
					}
					state.committedAudio.push({ sessionId, audio });
					const seconds = wav ? wav.data.length / wav.byteRate : audio.length / 32000;
					send({ type: 'chat', role: 'user', content: `(${seconds.toFixed(1)} s of speech) Hello, how are you today?` });
					playReply(session, replyTo('Hello, how are you today?'));
					return;
				}
				case 'audio_buffer_clear':
					session.audio = [];
					return send({ type: 'status', status: session.state, message: 'Audio buffer cleared' });
				case 'start_listening':
					session.state = 'listening';
					return send({ type: 'status', status: 'listening', message: 'Avatar is now listening...' });
				case 'stop_listening':
					session.state = 'idle';
					return send({ type: 'status', status: 'idle', message: 'Avatar stopped listening' });
				case 'interrupt': {
					const interrupted = cancelReply(session);
					session.state = 'idle';
					return broadcast(session, { type: 'status', status: 'idle', message: interrupted ? 'Speech interrupted' : 'Nothing to interrupt' });
				}
				default:
					return send({ type: 'error', code: 'UNKNOWN_EVENT', message: `Unknown event type "${type}"` });
			}
		}
	});
}
