/**
 * The MuseTalk stand-in itself, spoken to directly: the documented request shapes (the
 * document's own curl examples), error bodies and file serving, and the optional proxy key.
 */
import { fixture } from '../../emulator/media';
import type { Emulator } from '../../emulator/server';
import { startEmulator } from '../../emulator/server';
import { useEmulator } from '../../helpers/emulatorSetup';

let emulator: Emulator;
let root: string;

useEmulator(
	async () => await startEmulator({ settings: { museTalkPrepareMs: 50 } }),
	(e) => {
		emulator = e;
		root = e.url('museTalk');
	},
);

const json = { 'content-type': 'application/json' };
async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = json) {
	const response = await fetch(`${root}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
	const type = response.headers.get('content-type') ?? '';
	return { status: response.status, type, body: type.includes('json') ? ((await response.json()) as Record<string, unknown>) : Buffer.from(await response.arrayBuffer()) };
}

/** Polls a session's status until it is no longer preparing (event-driven: no fixed sleep). */
async function statusOnceReady(id: string, withinMs = 10_000) {
	const deadline = Date.now() + withinMs;
	for (;;) {
		const status = await call('GET', `/api/v1/session/${id}/status`);
		if ((status.body as Record<string, unknown>).status !== 'preparing' || Date.now() > deadline) return status;
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

describe('MuseTalk stand-in', () => {
	it('a new session says it is preparing until its avatar is ready', async () => {
		// a preparation far longer than the test, so "preparing" does not depend on the machine's speed
		emulator.settings.museTalkPrepareMs = 3_600_000;
		try {
			const id = ((await call('POST', '/api/v1/session/create', {})).body as Record<string, string>).session_id;
			expect((await call('GET', `/api/v1/session/${id}/status`)).body).toMatchObject({ status: 'preparing', avatar_prepared: false });
			expect((await call('DELETE', `/api/v1/session/${id}`)).status).toBe(200);
		} finally {
			emulator.settings.museTalkPrepareMs = 50;
		}
	});

	it('follows the document’s usage example: create with {}, poll, generate, download', async () => {
		const created = await call('POST', '/api/v1/session/create', {});
		expect(created.status).toBe(200);
		const id = (created.body as Record<string, string>).session_id;
		expect((await statusOnceReady(id)).body).toMatchObject({ status: 'ready', avatar_prepared: true });
		const generated = await call('POST', '/api/v1/generate/text-to-video', { session_id: id, text: 'Hello! Welcome to MuseTalk.', voice_id: 'JBFqnCBsd6RMkjVDRZzb' });
		const { video_url: videoUrl, audio_url: audioUrl } = generated.body as Record<string, string>;
		const video = await call('GET', videoUrl);
		expect(video.type).toBe('video/mp4');
		expect((video.body as Buffer).equals(fixture('sample.mp4'))).toBe(true);
		const audio = await call('GET', audioUrl);
		expect(audio.type).toBe('audio/mpeg');
		expect((audio.body as Buffer).equals(fixture('sample.mp3'))).toBe(true);
	});

	it('answers errors as {error, detail}', async () => {
		expect(await call('GET', '/api/v1/session/nope/status')).toMatchObject({ status: 404, body: { error: 'Not Found', detail: 'Session nope not found' } });
		expect(await call('GET', '/api/v1/generate/video/../../etc/passwd')).toMatchObject({ status: 404 });
		expect(await call('GET', '/api/v1/generate/audio/audio_1.mp3')).toMatchObject({ status: 404, body: { error: 'Not Found' } });
		expect(await call('POST', '/api/v1/session/create', { avatar_video_path: 42 })).toMatchObject({ status: 400, body: { error: 'Bad Request' } });
		expect(await call('POST', '/api/v1/generate/text-to-video', { text: 'x' })).toMatchObject({ status: 400, body: { detail: 'session_id is required' } });
	});

	it('streams text-to-video-stream without a Content-Length', async () => {
		const created = await call('POST', '/api/v1/session/create', { avatar_video_path: null });
		const id = (created.body as Record<string, string>).session_id;
		expect((await statusOnceReady(id)).body).toMatchObject({ status: 'ready' });
		const response = await fetch(`${root}/api/v1/generate/text-to-video-stream`, { method: 'POST', headers: json, body: JSON.stringify({ session_id: id, text: 'Hi' }) });
		expect(response.headers.get('content-type')).toBe('video/mp4');
		expect(response.headers.get('content-length')).toBeNull();
		expect(response.headers.get('transfer-encoding')).toBe('chunked');
		expect(Buffer.from(await response.arrayBuffer()).equals(fixture('sample-fragmented.mp4'))).toBe(true);
	});

	it('enforces a Bearer key only when the emulator was given one', async () => {
		(emulator.keys as { museTalk?: string }).museTalk = 'k1';
		try {
			expect(await call('GET', '/health')).toMatchObject({ status: 401, body: { error: 'Unauthorized', detail: 'Invalid or missing API key' } });
			expect(await call('GET', '/health', undefined, { authorization: 'Bearer k1' })).toMatchObject({ status: 200 });
		} finally {
			delete (emulator.keys as { museTalk?: string }).museTalk;
		}
		expect(await call('GET', '/health')).toMatchObject({ status: 200, body: { status: 'healthy', models_loaded: true } });
	});
});
