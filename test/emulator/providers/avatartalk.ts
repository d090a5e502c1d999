/**
 * AvatarTalk stand-in (../shared/provider-apis/avatartalk.md): POST /inference in its three
 * modes, the video trigger URLs, WebSocket /ws/infer and /ws/continuous. (Lightning and
 * LiveKit endpoints live in ./avatartalkLightning.ts.)
 *
 * Knobs, all in `emulator.settings` (read on every request, so tests may change them):
 * - avatarTalkLatencyMs (10): time an inference "takes" before its answer / first byte.
 * - avatarTalkChunkDelayMs (2): pause between streamed chunks (HTTP stream, WS file output):
 *   16 kB / 8 kB chunks of the fixture, 1 MB chunks of a large video.
 * - avatarTalkVideoBytes: serve MP4s of this size over HTTP (a real MP4 padded with a `free`
 *   box, streamed without memory) instead of the 44 kB fixture.
 * - avatarTalkWsVideoBytes: the same for /ws/infer file output.
 * - avatarTalkVideoOrigin ('self'): 's3' puts finished videos behind presigned links on the
 *   object store's origin, so `mp4_url` points at another origin.
 * - avatarTalkFailInference (false): true, or a count, answers 500 INFERENCE_FAILED.
 * - avatarTalkCredits (unlimited): seconds of video time on the main key.
 * - avatarTalkNoCreditsKey: a second valid key with no video time (default below).
 * - avatarTalkWsHang (false): /ws/infer sends half its output, then nothing, never closing.
 * - avatarTalkWsProcessingError (false): /ws/infer closes 1011 after its first chunk.
 * - avatarTalkFragmentIntervalMs (5): /ws/continuous pause between fMP4 fragments.
 * - avatarTalkSilenceFragments (2): silence fragments streamed while idle, before waiting.
 * - avatarTalkCharsPerFragment (40): speech length per fragment (0.4 s of video).
 * - avatarTalkContinuousAvatars (['mexican_woman']): avatars /ws/continuous offers.
 * - avatarTalkContinuousLanguages (['en']): languages /ws/continuous offers.
 * - avatarTalkBillingErrorAfterFragments: send billing_error after this many fragments.
 * - avatarTalkContinuousError: send an `error` message with this text after session_ready.
 * - avatarTalkBufferWarning (false): send a buffer_warning after session_ready.
 *
 * Control routes: GET /__emulator/avatartalk/state, POST /__emulator/avatartalk/settings.
 */
import { randomBytes, randomUUID } from 'node:crypto';

import type { RawData, WebSocket } from 'ws';

import { Mp4Scanner } from '../../../nodes/AvatarTalk/mp4';
import { chunked, fixture, fragmentedChunks, largeMp4, largeMp4Size, topLevelBoxes } from '../media';
import type { Emulator } from '../server';
import { delay, num, perEmulator } from '../state';
import type { EmuRequest, EmuResponse, WsConnection } from '../types';

export const AVATARTALK_NO_CREDITS_KEY = 'emulator-avatartalk-no-credits-key';

export const AVATARS = [
	'japanese_man',
	'old_european_woman',
	'european_woman',
	'european_man',
	'african_man',
	'african_woman',
	'japanese_woman',
	'iranian_man',
	'mexican_man',
	'mexican_woman',
	'colombian_woman',
	'old_japanese_man',
	'arab_man',
	'arab_woman',
];
export const EMOTIONS = ['happy', 'neutral', 'serious'];
export const LANGUAGES = ['en', 'es', 'fr', 'de', 'it', 'pt', 'pl', 'tr', 'ru', 'nl', 'cs', 'ar', 'zh', 'ja', 'hu', 'ko', 'hi'];
export const CONTINUOUS_STATES = [
	'initial',
	'silence',
	'silence_to_pregen',
	'pregen_video',
	'pregen_to_dynamic',
	'dynamic_speech',
	'dynamic_to_silence',
	'terminated',
] as const;
export type ContinuousState = (typeof CONTINUOUS_STATES)[number];

/** AvatarTalk's error bodies (Lightning's endpoints answer with the same ones). */
export const ERRORS = {
	invalidParameters: (details: Record<string, string>) => ({
		status: 'error',
		error_code: 'INVALID_PARAMETERS',
		message: 'Request parameters are invalid',
		details,
	}),
	invalidKey: { status: 'error', error_code: 'INVALID_API_KEY', message: 'Invalid or missing API key' },
	noCredits: { status: 'error', error_code: 'INSUFFICIENT_CREDITS', message: 'Insufficient video time to process request' },
	failed: { status: 'error', error_code: 'INFERENCE_FAILED', message: 'Inference processing failed' },
};

export interface InferenceRecord {
	id: string;
	apiKey: string;
	text: string;
	avatar: string;
	emotion: string;
	language: string;
	status: 'success' | 'delayed';
	stream: boolean;
	created_at: string;
	/** Video generated (immediately, or on the first trigger-URL access for delayed ones). */
	generated: boolean;
	credits_consumed: number;
	/** Where the video is, once generated: on this origin, or a presigned object-store key. */
	storeKey?: string;
}

export interface InferSessionRecord {
	streamId: string;
	query: Record<string, string>;
	textMessages: unknown[];
	audioFrames: number;
	audioBytes: number;
	endOfAudio: boolean;
	sentBytes: number;
	closeCode?: number;
	closeReason?: string;
}

export interface ContinuousSessionRecord {
	sessionId: string;
	query: Record<string, string>;
	/** Every client message, parsed, in order. */
	received: Array<{ type: string; data: unknown; at: number }>;
	/** Every JSON message sent, in order. */
	sent: Array<{ type: string; data: unknown }>;
	states: ContinuousState[];
	fragmentsSent: number;
	bytesSent: number;
	spokenCharacters: number;
	/** Utterances spoken to the end (each followed by ready_to_listen). */
	utterancesSpoken: number;
	/** 1 when session_end arrived while speech was under way or still queued. */
	utterancesCut: number;
	closeCode?: number;
}

export interface AvatarTalkState {
	inferences: Map<string, InferenceRecord>;
	/** Seconds of video time consumed, per API key. */
	consumed: Record<string, number>;
	inferSessions: InferSessionRecord[];
	continuousSessions: ContinuousSessionRecord[];
}

/** The stand-in's state (inferences, credits consumed, WebSocket sessions) for assertions. */
export const avatarTalkState = perEmulator<AvatarTalkState>(() => ({ inferences: new Map(), consumed: {}, inferSessions: [], continuousSessions: [] }));

/** Seconds of video one generated inference yields: the fixture's 2 s. */
const VIDEO_SECONDS = 2;

export function register(emulator: Emulator): void {
	const app = emulator.app('avatarTalk');
	const state = avatarTalkState(emulator);
	const setting = (name: string) => emulator.settings[name];
	const noCreditsKey = () => String(setting('avatarTalkNoCreditsKey') ?? AVATARTALK_NO_CREDITS_KEY);

	/** 'ok' with the key, or why not. */
	const authorize = (bearer: string | undefined): 'ok' | 'invalid' | 'noCredits' => {
		if (bearer && bearer === emulator.keys.avatarTalk) return 'ok';
		if (bearer && bearer === noCreditsKey()) return 'noCredits';
		return 'invalid';
	};
	const balance = (key: string): number => {
		if (key === noCreditsKey()) return 0;
		const credits = num(setting('avatarTalkCredits'), Number.POSITIVE_INFINITY);
		return credits - (state.consumed[key] ?? 0);
	};
	const consume = (key: string, seconds: number) => {
		state.consumed[key] = (state.consumed[key] ?? 0) + seconds;
	};
	const takeFailure = (): boolean => {
		const fail = setting('avatarTalkFailInference');
		if (fail === true) return true;
		if (typeof fail === 'number' && fail > 0) {
			emulator.settings.avatarTalkFailInference = fail - 1;
			return true;
		}
		return false;
	};
	const videoBytes = (name: string) => {
		const size = num(setting(name), 0);
		return size > 0 ? size : undefined;
	};
	/** The MP4 body as a stream, and its exact length. */
	const videoSource = (sizeSetting: string, chunkSize: number): { size: number; chunks: AsyncIterable<Buffer> } => {
		const big = videoBytes(sizeSetting);
		// Large videos go out in 1 MB chunks, so a 500 MB benchmark is not slowed by the per-chunk pause.
		if (big) return { size: largeMp4Size(big), chunks: largeMp4(big, Math.max(chunkSize, 1024 * 1024)) };
		const data = fixture('sample.mp4');
		return {
			size: data.length,
			chunks: (async function* () {
				yield* chunked(data, chunkSize);
			})(),
		};
	};
	const paced = async function* (source: AsyncIterable<Buffer>, pauseMs: number) {
		let first = true;
		for await (const chunk of source) {
			if (!first && pauseMs > 0) await delay(pauseMs);
			first = false;
			yield chunk;
		}
	};

	const inferenceJson = (r: InferenceRecord) => {
		const generated = r.generated;
		const urls =
			r.storeKey && generated
				? { mp4: emulator.store.presign(r.storeKey, 3600, 'avatarTalk') }
				: { mp4: `${app.baseUrl}/inference/${r.id}/video.mp4` };
		return {
			id: r.id,
			status: r.status,
			stream: r.stream,
			text: r.text,
			created_at: r.created_at,
			language: r.language,
			credits_consumed: r.credits_consumed,
			avatar: r.avatar,
			emotion: r.emotion,
			file_size_bytes: generated ? (videoBytes('avatarTalkVideoBytes') ? largeMp4Size(videoBytes('avatarTalkVideoBytes') as number) : fixture('sample.mp4').length) : null,
			inference_duration_ms: generated ? num(setting('avatarTalkLatencyMs'), 10) : null,
			video_duration_seconds: generated ? VIDEO_SECONDS : null,
			html_url: `${app.baseUrl}/inference/${r.id}/video.html`,
			mp4_url: urls.mp4,
		};
	};

	/** Validates POST /inference as the API would; returns the details map of problems. */
	const validate = (req: EmuRequest) => {
		const details: Record<string, string> = {};
		const body = req.body as Record<string, unknown> | undefined;
		if (req.bodyInvalid || !body || typeof body !== 'object' || Array.isArray(body)) {
			details.body = 'must be a JSON object';
			return { details };
		}
		if (typeof body.text !== 'string' || body.text.trim() === '') details.text = 'is required and must be a non-empty string';
		if (typeof body.avatar !== 'string' || !AVATARS.includes(body.avatar)) details.avatar = `must be one of: ${AVATARS.join(', ')}`;
		if (typeof body.emotion !== 'string' || !EMOTIONS.includes(body.emotion)) details.emotion = `must be one of: ${EMOTIONS.join(', ')}`;
		if (body.language !== undefined && (typeof body.language !== 'string' || !LANGUAGES.includes(body.language))) {
			details.language = `must be one of: ${LANGUAGES.join(', ')}`;
		}
		const stream = req.query.get('stream');
		if (stream !== null && stream !== 'true' && stream !== 'false') details.stream = 'must be "true" or omitted';
		const delayedRaw = body.delayed;
		const delayed = delayedRaw === true || delayedRaw === 'true';
		if (delayedRaw !== undefined && !delayed && delayedRaw !== false && delayedRaw !== 'false') {
			details.delayed = 'must be true or "true", or omitted';
		}
		if (stream === 'true' && delayed) details.delayed = 'cannot be combined with stream=true';
		return { details, body, stream: stream === 'true', delayed };
	};

	app.route('POST', '/inference', async (req, res) => {
		const auth = authorize(req.bearer);
		if (auth === 'invalid') return res.json(401, ERRORS.invalidKey);
		const { details, body, stream, delayed } = validate(req);
		if (Object.keys(details).length || !body) return res.json(400, ERRORS.invalidParameters(details));
		const key = req.bearer as string;
		if (!delayed && balance(key) < VIDEO_SECONDS) return res.json(403, ERRORS.noCredits);

		const record: InferenceRecord = {
			id: randomUUID(),
			apiKey: key,
			text: body.text as string,
			avatar: body.avatar as string,
			emotion: body.emotion as string,
			language: (body.language as string | undefined) ?? 'en',
			status: delayed ? 'delayed' : 'success',
			stream,
			created_at: new Date().toISOString(),
			generated: !delayed,
			credits_consumed: 0,
		};
		if (delayed) {
			state.inferences.set(record.id, record);
			return res.json(200, inferenceJson(record));
		}

		await delay(num(setting('avatarTalkLatencyMs'), 10));
		if (takeFailure()) return res.json(500, ERRORS.failed);
		record.credits_consumed = VIDEO_SECONDS;
		consume(key, VIDEO_SECONDS);
		state.inferences.set(record.id, record);

		if (stream) {
			const source = videoSource('avatarTalkVideoBytes', 16 * 1024);
			return await res.stream(
				200,
				{
					'content-type': 'video/mp4',
					'content-disposition': 'attachment; filename="video.mp4"',
					'cache-control': 'no-cache',
				},
				paced(source.chunks, num(setting('avatarTalkChunkDelayMs'), 2)),
			);
		}
		if (setting('avatarTalkVideoOrigin') === 's3' && !videoBytes('avatarTalkVideoBytes')) {
			record.storeKey = `avatartalk/${record.id}/video.mp4`;
			emulator.store.put(record.storeKey, fixture('sample.mp4'), 'video/mp4');
		}
		res.json(200, inferenceJson(record));
	});

	/** The trigger URLs: generate a delayed inference on first access, then serve it. */
	const trigger = async (req: EmuRequest, res: EmuResponse): Promise<InferenceRecord | undefined> => {
		if (req.bearer !== undefined && authorize(req.bearer) === 'invalid') {
			res.json(401, ERRORS.invalidKey);
			return undefined;
		}
		const record = state.inferences.get(req.params.id);
		if (!record || record.stream) {
			res.json(404, { detail: 'Inference not found' });
			return undefined;
		}
		if (!record.generated) {
			if (balance(record.apiKey) < VIDEO_SECONDS) {
				res.json(403, ERRORS.noCredits);
				return undefined;
			}
			await delay(num(setting('avatarTalkLatencyMs'), 10));
			if (takeFailure()) {
				res.json(500, ERRORS.failed);
				return undefined;
			}
			record.generated = true;
			record.credits_consumed = VIDEO_SECONDS;
			consume(record.apiKey, VIDEO_SECONDS);
		}
		return record;
	};

	app.route('GET', '/inference/:id/video.mp4', async (req, res) => {
		const record = await trigger(req, res);
		if (!record) return;
		const source = videoSource('avatarTalkVideoBytes', 16 * 1024);
		await res.stream(
			200,
			{ 'content-type': 'video/mp4', 'content-length': String(source.size), 'cache-control': 'no-cache' },
			source.chunks,
		);
	});

	app.route('GET', '/inference/:id/video.html', async (req, res) => {
		const record = await trigger(req, res);
		if (!record) return;
		res.send(
			200,
			`<!DOCTYPE html><html><head><title>AvatarTalk video</title></head><body><video controls autoplay src="/inference/${record.id}/video.mp4"></video></body></html>`,
			{ 'content-type': 'text/html; charset=utf-8' },
		);
	});

	app.control('GET', '/avatartalk/state', (_req, res) => {
		res.json(200, {
			inferences: [...state.inferences.values()],
			consumed: state.consumed,
			inferSessions: state.inferSessions,
			continuousSessions: state.continuousSessions,
		});
	});
	app.control('POST', '/avatartalk/settings', (req, res) => {
		Object.assign(emulator.settings, req.body as Record<string, unknown>);
		res.json(200, { settings: emulator.settings });
	});

	// ---- WebSocket helpers -----------------------------------------------------------------
	const timers = new Set<NodeJS.Timeout>();
	const later = (ms: number, fn: () => void) => {
		const timer = setTimeout(() => {
			timers.delete(timer);
			fn();
		}, Math.max(0, ms));
		timers.add(timer);
		return timer;
	};
	emulator.onClose(() => {
		for (const timer of timers) clearTimeout(timer);
		timers.clear();
	});
	/** The fault the emulator applied to this connection (looked up by its handshake key). */
	const faultOf = (conn: WsConnection): string | undefined => {
		const key = conn.headers['sec-websocket-key'];
		return emulator
			.requests({ service: 'avatarTalk', path: conn.path })
			.find((r) => r.websocket && r.headers['sec-websocket-key'] === key)?.fault;
	};
	const isOpen = (ws: WebSocket) => ws.readyState === ws.OPEN;

	// ---- WebSocket /ws/infer -----------------------------------------------------------------
	app.ws('/ws/infer', (conn) => {
		const ws = conn.socket;
		const q = conn.query;
		const record: InferSessionRecord = {
			streamId: q.get('stream_id') || randomUUID(),
			query: Object.fromEntries(q),
			textMessages: [],
			audioFrames: 0,
			audioBytes: 0,
			endOfAudio: false,
			sentBytes: 0,
		};
		state.inferSessions.push(record);
		ws.on('close', (code, reason) => {
			record.closeCode = code;
			record.closeReason = reason.toString();
		});
		const close = (code: number, reason: string) => {
			if (isOpen(ws)) ws.close(code, reason);
		};

		const auth = authorize(conn.bearer);
		if (auth === 'invalid') return close(1008, 'Invalid API key');
		if (auth === 'noCredits') return close(1008, 'Insufficient credits');

		const problems: string[] = [];
		const oneOf = (name: string, allowed: string[], required: boolean) => {
			const value = q.get(name);
			if (value === null || value === '') {
				if (required) problems.push(`${name} is required`);
			} else if (!allowed.includes(value)) problems.push(`${name} must be one of ${allowed.join('|')}`);
		};
		oneOf('output_type', ['livekit', 'file', 'rtmp'], true);
		oneOf('input_type', ['audio', 'text'], true);
		oneOf('avatar', AVATARS, true);
		oneOf('emotion', [...EMOTIONS, 'expressive'], false);
		oneOf('language', LANGUAGES, false);
		oneOf('as_agent', ['true', 'false'], false);
		oneOf('increase_resolution', ['true', 'false'], false);
		const streamId = q.get('stream_id');
		if (streamId && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(streamId)) {
			problems.push('stream_id must be a UUID');
		}
		const output = q.get('output_type');
		if (output === 'rtmp' && !/^rtmps?:\/\/[^/\s]+/i.test(q.get('rtmp_url') ?? '')) problems.push('rtmp_url must be an rtmp(s) URL');
		if (output === 'livekit' && !q.get('meeting_token')) problems.push('meeting_token is required for livekit');
		// Close reasons are limited to 123 bytes.
		if (problems.length) return close(1008, `Invalid parameters: ${problems[0]}`.slice(0, 120));
		if (output === 'livekit' && !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(q.get('meeting_token') ?? '')) {
			return close(1008, 'Authorization failed');
		}
		if (balance(conn.bearer as string) <= 0) return close(1008, 'Insufficient credits');

		const inputType = q.get('input_type');
		let started = false;
		const fault = faultOf(conn);
		const start = () => {
			if (started) return;
			started = true;
			void produce().catch(() => close(1011, 'Processing error'));
		};

		const produce = async () => {
			await delay(num(setting('avatarTalkLatencyMs'), 10));
			consume(conn.bearer as string, VIDEO_SECONDS);
			if (output === 'file') {
				const source = videoSource('avatarTalkWsVideoBytes', 8 * 1024);
				const hang = setting('avatarTalkWsHang') === true;
				const failAfterFirst = setting('avatarTalkWsProcessingError') === true;
				const pause = num(setting('avatarTalkChunkDelayMs'), 2);
				let sent = 0;
				for await (const chunk of paced(source.chunks, pause)) {
					if (!isOpen(ws)) return;
					if (hang && sent >= source.size / 2) return; // silence: never another byte, never a close
					ws.send(chunk);
					sent += chunk.length;
					record.sentBytes = sent;
					if (failAfterFirst) return close(1011, 'Processing error');
				}
			} else {
				const target = output === 'livekit' ? { room_joined: true, as_agent: q.get('as_agent') === 'true' } : { rtmp: 'publishing' };
				const messages = [
					{ type: 'status', status: 'connected', stream_id: record.streamId, output_type: output },
					{ type: 'status', status: 'streaming', stream_id: record.streamId, ...target },
					{ type: 'status', status: 'completed', stream_id: record.streamId, duration_seconds: VIDEO_SECONDS },
				];
				for (const message of messages) {
					if (!isOpen(ws)) return;
					ws.send(JSON.stringify(message));
					await delay(num(setting('avatarTalkChunkDelayMs'), 2));
				}
			}
			if (fault === 'wsSilence' || setting('avatarTalkWsHang') === true) return;
			later(5, () => close(1000, 'Stream complete'));
		};

		ws.on('message', (data: RawData, isBinary: boolean) => {
			const buffer = Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data as ArrayBuffer)]);
			if (inputType === 'text') {
				if (isBinary) return close(1008, 'Invalid message: send JSON {"text": "..."} for input_type=text');
				let parsed: { text?: unknown } | undefined;
				try {
					parsed = JSON.parse(buffer.toString('utf8')) as { text?: unknown };
				} catch {
					parsed = undefined;
				}
				if (!parsed || typeof parsed.text !== 'string' || parsed.text.trim() === '') {
					return close(1008, 'Invalid message: expected {"text": "..."}');
				}
				record.textMessages.push(parsed);
				return start();
			}
			// input_type=audio: binary chunks; an empty binary frame marks the end of the audio.
			if (!isBinary) return close(1008, 'Invalid message: send binary audio for input_type=audio');
			if (buffer.length === 0) {
				record.endOfAudio = true;
				if (record.audioBytes === 0) return close(1008, 'Invalid message: no audio received');
				return start();
			}
			record.audioFrames++;
			record.audioBytes += buffer.length;
		});
	});

	// ---- WebSocket /ws/continuous ------------------------------------------------------------
	const media = continuousMedia();

	app.ws('/ws/continuous', (conn) => {
		const ws = conn.socket;
		const q = conn.query;
		const record: ContinuousSessionRecord = {
			sessionId: randomBytes(6).toString('hex'),
			query: Object.fromEntries(q),
			received: [],
			sent: [],
			states: ['initial'],
			fragmentsSent: 0,
			bytesSent: 0,
			spokenCharacters: 0,
			utterancesSpoken: 0,
			utterancesCut: 0,
		};
		state.continuousSessions.push(record);
		const close = (code: number, reason: string) => {
			if (isOpen(ws)) ws.close(code, reason);
		};
		let ended = false;
		ws.on('close', (code) => {
			record.closeCode = code;
			ended = true;
		});

		const auth = authorize(conn.bearer);
		if (auth === 'invalid') return close(1008, 'Invalid API key');
		// The document: avatar "currently only available for mexican_woman. Other avatars can be
		// requested", language "currently only en supported". Read literally: the query is checked
		// on connect against what this account has enabled (the settings stand for an account
		// that was granted more), and anything else is refused with close 1008 "Invalid
		// parameters" (what the real service answers, seen in acceptance testing), before any
		// session exists.
		const enabledAvatars = (setting('avatarTalkContinuousAvatars') as string[] | undefined) ?? ['mexican_woman'];
		const enabledLanguages = (setting('avatarTalkContinuousLanguages') as string[] | undefined) ?? ['en'];
		const queryAvatar = q.get('avatar');
		if (!queryAvatar) return close(1008, 'Invalid parameters: avatar is required');
		if (!enabledAvatars.includes(queryAvatar)) {
			return close(1008, `Invalid parameters: avatar ${queryAvatar} is not available for continuous streaming`);
		}
		const qExpression = q.get('expression');
		if (qExpression && !EMOTIONS.includes(qExpression)) return close(1008, 'Invalid parameters: expression must be happy|neutral|serious');
		const qLanguage = q.get('language');
		if (qLanguage && !enabledLanguages.includes(qLanguage)) {
			return close(1008, `Invalid parameters: language ${qLanguage} is not supported for continuous streaming`);
		}

		const sendJson = (type: string, data: unknown) => {
			if (!isOpen(ws)) return;
			record.sent.push({ type, data });
			ws.send(JSON.stringify({ type, data }));
		};
		const sendError = (message: string) => sendJson('error', { message, session_id: record.sessionId });

		let current: ContinuousState = 'initial';
		const change = (to: ContinuousState) => {
			sendJson('state_change', { from: current, to, timestamp: Date.now() / 1000 });
			current = to;
			record.states.push(to);
		};

		let session: {
			targetBufferMs: number;
			minBufferMs: number;
			maxBufferMs: number;
		} | undefined;
		const speechQueue: number[] = []; // characters per queued text_input
		let appendPending = 0;
		let appendOpen = false;
		let speechLeft = 0;
		// What is being spoken: each text_input is an utterance of its own (spoken, then back to
		// silence and ready_to_listen, then the next); appended text extends the current one.
		let speaking: 'queued' | 'appended' | undefined;
		let pregenLeft = 0;
		let silenceSent = 0;
		let turnRequested = false;
		let fragmentIndex = 0;
		let ticking = false;
		const perFragment = () => Math.max(1, num(setting('avatarTalkCharsPerFragment'), 40));
		const fragmentsFor = (chars: number) => Math.max(1, Math.ceil(chars / perFragment()));

		const sendFragment = (): boolean => {
			if (!isOpen(ws)) return false;
			const data = media.fragment(fragmentIndex++);
			ws.send(data);
			record.fragmentsSent++;
			record.bytesSent += data.length;
			const billingAfter = num(setting('avatarTalkBillingErrorAfterFragments'), 0);
			if (billingAfter > 0 && record.fragmentsSent >= billingAfter) {
				sendJson('billing_error', { session_id: record.sessionId, message: 'Insufficient credits', error_code: 'insufficient_credits' });
				stop();
				later(5, () => close(1008, 'Insufficient credits'));
				return false;
			}
			return true;
		};
		const speechPending = () => speechQueue.length > 0 || appendPending > 0;
		const startNextSpeech = () => {
			if (speechQueue.length) {
				const chars = speechQueue.shift() as number;
				speechLeft += fragmentsFor(chars);
				record.spokenCharacters += chars;
				speaking = 'queued';
			} else if (appendPending > 0) {
				speechLeft += fragmentsFor(appendPending);
				record.spokenCharacters += appendPending;
				appendPending = 0;
				speaking = 'appended';
			}
		};

		let stopped = false;
		const stop = () => {
			stopped = true;
		};
		const schedule = () => {
			if (ticking || stopped || ended) return;
			ticking = true;
			later(num(setting('avatarTalkFragmentIntervalMs'), 5), () => {
				ticking = false;
				tick();
			});
		};
		/** One step of the state machine: at most one fragment per tick. */
		const tick = () => {
			if (stopped || ended || !isOpen(ws)) return;
			let busy = true;
			switch (current) {
				case 'silence':
					// An end-of-turn request plays the pregenerated segment first, whatever is queued.
					if (turnRequested) {
						turnRequested = false;
						change('silence_to_pregen');
						sendFragment();
					} else if (speechPending() || appendOpen) {
						if (!speechPending()) {
							busy = false; // a text stream is open but nothing to say yet
							break;
						}
						change('dynamic_speech');
						startNextSpeech();
					} else if (silenceSent < num(setting('avatarTalkSilenceFragments'), 2)) {
						silenceSent++;
						sendFragment();
					} else busy = false;
					break;
				case 'silence_to_pregen':
					change('pregen_video');
					pregenLeft = 2;
					sendFragment();
					break;
				case 'pregen_video':
					if (pregenLeft > 0) {
						pregenLeft--;
						sendFragment();
					} else if (speechPending()) {
						change('pregen_to_dynamic');
						sendFragment();
					} else {
						change('silence');
						silenceSent = 0;
					}
					break;
				case 'pregen_to_dynamic':
					change('dynamic_speech');
					startNextSpeech();
					break;
				case 'dynamic_speech':
					if (speechLeft > 0) {
						speechLeft--;
						sendFragment();
					} else if (speaking === 'appended' && appendPending > 0) startNextSpeech();
					else if (speaking === 'appended' && appendOpen) busy = false; // wait for more text
					else {
						// The utterance is over: back to silence; a queued text starts from there.
						change('dynamic_to_silence');
						sendFragment();
					}
					break;
				case 'dynamic_to_silence':
					change('silence');
					silenceSent = 0;
					speaking = undefined;
					record.utterancesSpoken++;
					sendJson('ready_to_listen', { timestamp: Date.now() / 1000 });
					break;
				default:
					busy = false;
			}
			if (busy) schedule();
		};
		const wake = () => schedule();

		ws.on('message', (data: RawData, isBinary: boolean) => {
			if (ended || stopped) return;
			if (isBinary) return sendError('Binary frames are not accepted on this endpoint');
			const raw = (Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer)).toString('utf8');
			let message: { type?: unknown; data?: unknown } | undefined;
			try {
				message = JSON.parse(raw) as { type?: unknown; data?: unknown };
			} catch {
				message = undefined;
			}
			if (!message || typeof message.type !== 'string') {
				return sendError('Invalid message: expected {"type": "<message_type>", "data": {...}}');
			}
			const type = message.type;
			const payload = (message.data ?? {}) as Record<string, unknown>;
			record.received.push({ type, data: message.data, at: Date.now() });

			if (!session) {
				if (type !== 'session_start') {
					sendError('session_start must be sent first');
					return close(1008, 'session_start must be sent first');
				}
				const problems: string[] = [];
				const avatar = payload.avatar_name;
				const available = (setting('avatarTalkContinuousAvatars') as string[] | undefined) ?? ['mexican_woman'];
				const languages = (setting('avatarTalkContinuousLanguages') as string[] | undefined) ?? ['en'];
				if (typeof avatar !== 'string' || !avatar) problems.push('avatar_name is required');
				else if (!available.includes(avatar)) {
					problems.push(`Avatar ${avatar} is not available for continuous streaming (available: ${available.join(', ')})`);
				}
				if (typeof payload.expression !== 'string' || !EMOTIONS.includes(payload.expression)) {
					problems.push('expression is required: happy, neutral or serious');
				}
				if (payload.language !== undefined && (typeof payload.language !== 'string' || !languages.includes(payload.language))) {
					problems.push(`Language ${String(payload.language)} is not supported (supported: ${languages.join(', ')})`);
				}
				if (payload.expressive_mode !== undefined && typeof payload.expressive_mode !== 'boolean') {
					problems.push('expressive_mode must be a boolean');
				}
				const buffers = {
					target: payload.target_buffer_ms ?? 2000,
					min: payload.min_buffer_ms ?? 500,
					max: payload.max_buffer_ms ?? 5000,
				};
				for (const [name, value] of Object.entries(buffers)) {
					if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) problems.push(`${name}_buffer_ms must be a whole number >= 0`);
				}
				if (!problems.length && !((buffers.min as number) <= (buffers.target as number) && (buffers.target as number) <= (buffers.max as number))) {
					problems.push('buffer settings must satisfy min_buffer_ms <= target_buffer_ms <= max_buffer_ms');
				}
				if (problems.length) {
					sendError(`Invalid session_start: ${problems.join('; ')}`);
					return close(1008, 'Invalid session_start');
				}
				if (auth === 'noCredits' || balance(conn.bearer as string) <= 0) {
					sendJson('billing_error', { session_id: record.sessionId, message: 'Insufficient credits', error_code: 'insufficient_credits' });
					stop();
					return later(5, () => close(1008, 'Insufficient credits'));
				}
				session = { targetBufferMs: buffers.target as number, minBufferMs: buffers.min as number, maxBufferMs: buffers.max as number };
				sendJson('session_ready', { session_id: record.sessionId, initial_buffer_ms: session.targetBufferMs });
				change('silence');
				ws.send(media.init);
				record.bytesSent += media.init.length;
				const errorText = setting('avatarTalkContinuousError');
				if (typeof errorText === 'string' && errorText) sendError(errorText);
				if (setting('avatarTalkBufferWarning') === true) sendJson('buffer_warning', { level: 'critical', buffer_ms: 200 });
				return wake();
			}

			switch (type) {
				case 'session_start':
					return sendError('Session already started');
				case 'text_input': {
					if (typeof payload.text !== 'string' || payload.text.trim() === '') return sendError('text_input: text is required');
					if (payload.expression !== undefined && !EMOTIONS.includes(String(payload.expression))) {
						return sendError('text_input: expression must be happy, neutral or serious');
					}
					if (payload.mode !== undefined && payload.mode !== 'full' && payload.mode !== 'dynamic_only') {
						return sendError('text_input: mode must be "full" or "dynamic_only"');
					}
					speechQueue.push(payload.text.length);
					sendJson('text_queued', { session_id: record.sessionId, text_length: payload.text.length });
					return wake();
				}
				case 'text_append': {
					if (typeof payload.text !== 'string') return sendError('text_append: text is required');
					appendOpen = true;
					appendPending += payload.text.length;
					sendJson('text_appended', { session_id: record.sessionId, text_length: payload.text.length });
					return wake();
				}
				case 'text_stream_done':
					if (!appendOpen) return sendError('No text stream in progress');
					appendOpen = false;
					sendJson('text_stream_completed', { session_id: record.sessionId });
					return wake();
				case 'turn_start':
					if (payload.expression !== undefined && !EMOTIONS.includes(String(payload.expression))) {
						return sendError('turn_start: expression must be happy, neutral or serious');
					}
					turnRequested = true;
					return wake();
				case 'buffer_status': {
					const buffered = payload.buffered_ms;
					if (typeof buffered !== 'number' || typeof payload.playback_position !== 'number') {
						return sendError('buffer_status: buffered_ms and playback_position must be numbers');
					}
					if (buffered < session.minBufferMs) sendJson('buffer_warning', { level: 'critical', buffer_ms: buffered });
					return;
				}
				case 'session_end':
					stop();
					// Speech still under way (or queued) is cut off: recorded so tests can tell.
					if (speaking !== undefined || speechPending()) record.utterancesCut++;
					change('terminated');
					return later(2, () => close(1000, 'Session ended'));
				default:
					return sendError(`Unknown message type: ${type}`);
			}
		});
	});
}

/**
 * The fragmented fixture as a live stream: its init segment, then its moof+mdat fragments
 * repeated for as long as needed, each copy renumbered (mfhd sequence) and moved along the
 * timeline (tfdt), so the concatenation is one valid, ever-growing fMP4.
 */
export function continuousMedia() {
	const chunks = fragmentedChunks();
	const init = chunks[0];
	const templates = chunks.slice(1).map((chunk) => {
		// Keep moof+mdat only (the fixture ends with an mfra index, which a live stream has not).
		const boxes = topLevelBoxes(chunk).filter((b) => b.type === 'moof' || b.type === 'mdat');
		const data = Buffer.concat(boxes.map((b) => chunk.subarray(b.start, b.end)));
		const moof = topLevelBoxes(data).find((b) => b.type === 'moof');
		const patches: Array<{ offset: number; version: number; trackId: number; base: bigint }> = [];
		let seqOffset = -1;
		if (moof) {
			for (const box of innerBoxes(data, moof.start + 8, moof.end)) {
				if (box.type === 'mfhd') seqOffset = box.start + 12;
				if (box.type !== 'traf') continue;
				let trackId = 0;
				for (const inner of innerBoxes(data, box.start + 8, box.end)) {
					if (inner.type === 'tfhd') trackId = data.readUInt32BE(inner.start + 12);
					if (inner.type === 'tfdt') {
						const version = data.readUInt8(inner.start + 8);
						const base = version === 1 ? data.readBigUInt64BE(inner.start + 12) : BigInt(data.readUInt32BE(inner.start + 12));
						patches.push({ offset: inner.start + 12, version, trackId, base });
					}
				}
			}
		}
		return { data, seqOffset, patches };
	});
	// How far each track's timeline advances per pass over the fixture.
	const scanner = new Mp4Scanner();
	scanner.push(init);
	for (const t of templates) scanner.push(t.data);
	const firstBase = new Map<number, bigint>();
	for (const t of templates) for (const p of t.patches) if (!firstBase.has(p.trackId)) firstBase.set(p.trackId, p.base);
	const loop = new Map<number, bigint>();
	for (const [trackId, times] of scanner.trackTimes()) loop.set(trackId, BigInt(times.end) - (firstBase.get(trackId) ?? 0n));

	return {
		init,
		fragment(index: number): Buffer {
			const template = templates[index % templates.length];
			const pass = BigInt(Math.floor(index / templates.length));
			const copy = Buffer.from(template.data);
			if (template.seqOffset >= 0) copy.writeUInt32BE(index + 1, template.seqOffset);
			for (const p of template.patches) {
				const value = p.base + pass * (loop.get(p.trackId) ?? 0n);
				if (p.version === 1) copy.writeBigUInt64BE(value, p.offset);
				else copy.writeUInt32BE(Number(value & 0xffffffffn), p.offset);
			}
			return copy;
		},
	};
}

function* innerBoxes(data: Buffer, start: number, end: number): Generator<{ type: string; start: number; end: number }> {
	let offset = start;
	while (offset + 8 <= end) {
		const size = data.readUInt32BE(offset);
		if (size < 8 || offset + size > end) return;
		yield { type: data.toString('latin1', offset + 4, offset + 8), start: offset, end: offset + size };
		offset += size;
	}
}
