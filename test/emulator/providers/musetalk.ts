import { randomUUID } from 'node:crypto';

import { chunked, fixture, fragmentedChunks } from '../media';
import type { Emulator } from '../server';
import type { EmuRequest, EmuResponse } from '../types';

/**
 * MuseTalk server stand-in (../shared/provider-apis/musetalk.md), followed literally:
 * - `GET /health` at the server root; everything else under `/api/v1`.
 * - Sessions go `preparing` -> `ready` after `settings.museTalkPrepareMs` (default 150 ms).
 * - Errors are `{error, detail}` with the documented statuses (400 invalid avatar path or
 *   session not ready, 404 unknown session or file, 500 generation error).
 * - `video_url` / `audio_url` are relative paths to files this server then serves.
 * - The document has no authentication; when `emulator.keys.museTalk` is set, every route
 *   expects `Authorization: Bearer <key>` (a proxy in front of the server, as the credential
 *   describes) and answers 401 otherwise.
 *
 * Knobs (emulator.settings):
 * - `museTalkPrepareMs`: avatar preparation time (default 150).
 * - `museTalkGenerateMs`: text-to-video latency (default 20).
 * - `museTalkStreamChunkDelayMs`: pause between streamed fMP4 fragments (default 5).
 * - `museTalkAbsoluteUrls`: when true, text-to-video returns absolute presigned URLs on the
 *   S3 origin instead of relative paths (a server behind a CDN), to prove that such links are
 *   fetched without credentials.
 * - `museTalkCustomVoices`: extra ElevenLabs voice ids the server's account knows.
 *
 * Avatar paths (`avatar_video_path`), so tests can reach every documented outcome:
 * - null / absent: the default avatar.
 * - not ending in a video extension, or containing "missing": 400 Invalid avatar path.
 * - containing "noface": preparation ends with status `error`.
 */
export const MUSETALK_VOICES = [
	'JBFqnCBsd6RMkjVDRZzb',
	'21m00Tcm4TlvDq8ikWAM',
	'AZnzlk1XvdvUeBnXmlld',
	'EXAVITQu4vr4xnSDxMaL',
	'ErXwobaYiN019PkySvjV',
];
export const MUSETALK_NOFACE_MESSAGE = 'Avatar preparation failed: no face detected in the avatar video';

type SessionStatus = 'preparing' | 'ready' | 'error';
interface Session {
	id: string;
	status: SessionStatus;
	message: string;
	avatarPath: string | null;
	timer?: NodeJS.Timeout;
}

const VIDEO_EXTENSIONS = /\.(mp4|mov|avi|mkv|webm)$/i;

export function register(emulator: Emulator): void {
	const app = emulator.app('museTalk');
	const sessions = new Map<string, Session>();
	const videos = new Map<string, Buffer>();
	const audios = new Map<string, Buffer>();
	let counter = 10000;

	const setting = <T>(name: string, fallback: T): T => (emulator.settings[name] as T | undefined) ?? fallback;

	emulator.onClose(() => {
		for (const session of sessions.values()) if (session.timer) clearTimeout(session.timer);
		sessions.clear();
	});

	const error = (res: EmuResponse, status: number, type: string, detail: string) =>
		res.json(status, { error: type, detail });

	/** The optional proxy key: only enforced when the emulator was given one. */
	const authorized = (req: EmuRequest, res: EmuResponse): boolean => {
		const key = emulator.keys.museTalk;
		if (!key || req.bearer === key) return true;
		error(res, 401, 'Unauthorized', 'Invalid or missing API key');
		return false;
	};

	const jsonBody = (req: EmuRequest, res: EmuResponse): Record<string, unknown> | undefined => {
		if (req.bodyInvalid) {
			error(res, 400, 'Bad Request', 'Request body is not valid JSON');
			return undefined;
		}
		const body = req.body ?? {};
		if (typeof body !== 'object' || Array.isArray(body) || body === null) {
			error(res, 400, 'Bad Request', 'Request body must be a JSON object');
			return undefined;
		}
		return body as Record<string, unknown>;
	};

	const statusBody = (s: Session) => ({
		session_id: s.id,
		status: s.status,
		message: s.message,
		avatar_prepared: s.status === 'ready',
	});

	app.route('GET', '/health', (req, res) => {
		if (!authorized(req, res)) return;
		res.json(200, { status: 'healthy', device: 'cuda', cuda_available: true, models_loaded: true });
	});

	app.route('POST', '/api/v1/session/create', (req, res) => {
		if (!authorized(req, res)) return;
		const body = jsonBody(req, res);
		if (!body) return;
		const path = body.avatar_video_path ?? null;
		if (path !== null && typeof path !== 'string') {
			return error(res, 400, 'Bad Request', 'avatar_video_path must be a string or null');
		}
		if (path !== null && (!VIDEO_EXTENSIONS.test(path) || /missing/i.test(path))) {
			return error(res, 400, 'Invalid avatar path', `Avatar video not found: ${path}`);
		}
		const session: Session = {
			id: randomUUID(),
			status: 'preparing',
			message: 'Avatar preparation in progress',
			avatarPath: path,
		};
		sessions.set(session.id, session);
		session.timer = setTimeout(() => {
			session.timer = undefined;
			if (path && /noface/i.test(path)) {
				session.status = 'error';
				session.message = MUSETALK_NOFACE_MESSAGE;
			} else {
				session.status = 'ready';
				session.message = 'Session is ready';
			}
		}, setting('museTalkPrepareMs', 150));
		res.json(200, { session_id: session.id, status: 'preparing', message: 'Session created. Avatar preparation started.' });
	});

	app.route('GET', '/api/v1/session/:id/status', (req, res) => {
		if (!authorized(req, res)) return;
		const session = sessions.get(req.params.id);
		if (!session) return error(res, 404, 'Not Found', `Session ${req.params.id} not found`);
		res.json(200, statusBody(session));
	});

	app.route('DELETE', '/api/v1/session/:id', (req, res) => {
		if (!authorized(req, res)) return;
		const session = sessions.get(req.params.id);
		if (!session) return error(res, 404, 'Not Found', `Session ${req.params.id} not found`);
		if (session.timer) clearTimeout(session.timer);
		sessions.delete(session.id);
		res.json(200, { message: 'Session deleted successfully' });
	});

	/** Shared checks of both generation endpoints; the session when the request may proceed. */
	const generationRequest = (req: EmuRequest, res: EmuResponse): { session: Session; text: string } | undefined => {
		const body = jsonBody(req, res);
		if (!body) return undefined;
		const { session_id: sessionId, text, voice_id: voiceId, model_id: modelId } = body;
		if (typeof sessionId !== 'string' || sessionId === '') {
			error(res, 400, 'Bad Request', 'session_id is required');
			return undefined;
		}
		if (typeof text !== 'string' || text.trim() === '') {
			error(res, 400, 'Bad Request', 'text is required and must not be empty');
			return undefined;
		}
		if (voiceId !== undefined && voiceId !== null && typeof voiceId !== 'string') {
			error(res, 400, 'Bad Request', 'voice_id must be a string');
			return undefined;
		}
		if (modelId !== undefined && modelId !== null && typeof modelId !== 'string') {
			error(res, 400, 'Bad Request', 'model_id must be a string');
			return undefined;
		}
		const session = sessions.get(sessionId);
		if (!session) {
			error(res, 404, 'Not Found', `Session ${sessionId} not found`);
			return undefined;
		}
		if (session.status !== 'ready') {
			error(res, 400, 'Session not ready', `Session ${sessionId} is not ready (status: ${session.status})`);
			return undefined;
		}
		const known = [...MUSETALK_VOICES, ...setting<string[]>('museTalkCustomVoices', [])];
		if (typeof voiceId === 'string' && !known.includes(voiceId)) {
			// What the server reports when ElevenLabs rejects the voice: a generation error.
			error(res, 500, 'Generation error', `ElevenLabs TTS failed: voice_id ${voiceId} was not found`);
			return undefined;
		}
		return { session, text };
	};

	app.route('POST', '/api/v1/generate/text-to-video', async (req, res) => {
		if (!authorized(req, res)) return;
		const ok = generationRequest(req, res);
		if (!ok) return;
		await new Promise((resolve) => setTimeout(resolve, setting('museTalkGenerateMs', 20)));
		const n = ++counter;
		const videoName = `output_${n}.mp4`;
		const audioName = `audio_${n}.mp3`;
		videos.set(videoName, fixture('sample.mp4'));
		audios.set(audioName, fixture('sample.mp3'));
		// About 150 words a minute of speech.
		const words = ok.text.trim().split(/\s+/).length;
		const duration = Math.max(1, Math.round((words / 2.5) * 10) / 10);
		let videoUrl = `/api/v1/generate/video/${videoName}`;
		let audioUrl = `/api/v1/generate/audio/${audioName}`;
		if (setting('museTalkAbsoluteUrls', false)) {
			emulator.store.put(`musetalk/${videoName}`, fixture('sample.mp4'), 'video/mp4');
			emulator.store.put(`musetalk/${audioName}`, fixture('sample.mp3'), 'audio/mpeg');
			videoUrl = emulator.store.presign(`musetalk/${videoName}`, 3600, 'museTalk');
			audioUrl = emulator.store.presign(`musetalk/${audioName}`, 3600, 'museTalk');
		}
		res.json(200, { video_url: videoUrl, audio_url: audioUrl, duration });
	});

	app.route('POST', '/api/v1/generate/text-to-video-stream', async (req, res) => {
		if (!authorized(req, res)) return;
		if (!generationRequest(req, res)) return;
		const pause = setting('museTalkStreamChunkDelayMs', 5);
		// Fragmented MP4 as it is produced: chunked transfer, no Content-Length.
		await res.stream(200, { 'content-type': 'video/mp4' }, (async function* () {
			for (const chunk of fragmentedChunks()) {
				if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
				yield* chunked(chunk, 8 * 1024);
			}
		})());
	});

	const serve = (files: Map<string, Buffer>, contentType: string, kind: string) =>
		async (req: EmuRequest, res: EmuResponse) => {
			if (!authorized(req, res)) return;
			const data = files.get(req.params.filename);
			if (!data) return error(res, 404, 'Not Found', `${kind} file ${req.params.filename} not found`);
			await res.stream(200, { 'content-type': contentType, 'content-length': String(data.length) }, (async function* () {
				yield* chunked(data);
			})());
		};
	app.route('GET', '/api/v1/generate/video/:filename', serve(videos, 'video/mp4', 'Video'));
	app.route('GET', '/api/v1/generate/audio/:filename', serve(audios, 'audio/mpeg', 'Audio'));
}
