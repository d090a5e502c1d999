/**
 * MuseTalk node against the emulator: every operation, validation rule and documented error,
 * through n8n-core's engine. Assertions cover outputs (binary bytes included) and what reached
 * the server (the emulator's request log).
 */
import type { IBinaryData, INodeParameters } from 'n8n-workflow';

import { fixture } from '../../emulator/media';
import { MUSETALK_NOFACE_MESSAGE } from '../../emulator/providers/musetalk';
import type { Emulator } from '../../emulator/server';
import { startEmulator } from '../../emulator/server';
import { runWorkflow } from '../../harness';
import type { RunResult } from '../../harness';
import { expectApiError, expectInputError, singleNode } from './helpers';
import { useEmulator } from '../../helpers/emulatorSetup';

let emulator: Emulator;
const PREPARE_MS = 150;

useEmulator(async () => await startEmulator({ settings: { museTalkPrepareMs: PREPARE_MS } }), (e) => (emulator = e));
beforeEach(() => {
	emulator.settings.museTalkPrepareMs = PREPARE_MS;
	delete emulator.settings.museTalkAbsoluteUrls;
	delete emulator.settings.museTalkCustomVoices;
	delete (emulator.keys as { museTalk?: string }).museTalk;
});

const GEORGE = 'JBFqnCBsd6RMkjVDRZzb';
const ONE_ATTEMPT = { maxAttempts: 1 };

function credentials(extra: { apiKey?: string; baseUrl?: string } = {}) {
	return { museTalkApi: { baseUrl: emulator.urls.museTalk, apiKey: '', ...extra } };
}

async function run(parameters: INodeParameters, options: { apiKey?: string; baseUrl?: string; items?: number; onError?: 'continueRegularOutput' } = {}): Promise<RunResult> {
	return await runWorkflow(singleNode('museTalk', { requestSettings: ONE_ATTEMPT, ...parameters }, { onError: options.onError }), {
		credentials: credentials(options),
		inputItems: options.items ? Array.from({ length: options.items }, (_, n) => ({ json: { n } })) : undefined,
	});
}

/** A session that is ready (created through the node, waiting). */
async function readySession(): Promise<string> {
	const result = await run({ resource: 'session', operation: 'create', pollIntervalSeconds: 0.1 });
	expect(result.error).toBeUndefined();
	const [json] = result.json('MuseTalk');
	expect(json.status).toBe('ready');
	return json.session_id as string;
}

function binaryOf(result: RunResult, property: string): IBinaryData {
	const binary = result.items('MuseTalk')[0].binary?.[property];
	expect(binary).toBeDefined();
	return binary as IBinaryData;
}

const museRequests = (path?: string | RegExp, method?: string) => emulator.requests({ service: 'museTalk', path, method });

describe('MuseTalk · Service → Health', () => {
	it('calls GET /health at the server root and returns its body', async () => {
		const result = await run({ resource: 'service', operation: 'health' });
		expect(result.error).toBeUndefined();
		expect(result.json('MuseTalk')).toEqual([{ status: 'healthy', device: 'cuda', cuda_available: true, models_loaded: true }]);
		const [request] = museRequests();
		expect(request.method).toBe('GET');
		expect(request.path).toBe('/health');
		// No key configured: no Authorization header at all, never an empty Bearer.
		expect(request.headers.authorization).toBeUndefined();
	});

	it('accepts a Base URL without /api/v1 (and with a trailing slash)', async () => {
		const result = await run({ resource: 'service', operation: 'health' }, { baseUrl: `${emulator.url('museTalk')}/` });
		expect(result.error).toBeUndefined();
		expect(museRequests()[0].path).toBe('/health');
	});

	it('sends the optional API key as a Bearer token when one is set', async () => {
		(emulator.keys as { museTalk?: string }).museTalk = 'proxy-key-1';
		const result = await run({ resource: 'service', operation: 'health' }, { apiKey: 'proxy-key-1' });
		expect(result.error).toBeUndefined();
		expect(museRequests()[0].headers.authorization).toBe('Bearer proxy-key-1');
	});

	it('a wrong key is the 401 {error, detail} of the proxy, as a NodeApiError', async () => {
		(emulator.keys as { museTalk?: string }).museTalk = 'proxy-key-1';
		const result = await run({ resource: 'service', operation: 'health' }, { apiKey: 'wrong-key' });
		const error = expectApiError(result, '401');
		expect(error.message).toBe('MuseTalk: Invalid or missing API key [Unauthorized]');
		expect(JSON.stringify(result.error?.stored)).not.toContain('wrong-key');
	});
});

describe('MuseTalk · Session → Create', () => {
	it('without waiting: POST /api/v1/session/create {avatar_video_path: null}, status "preparing"', async () => {
		const result = await run({ resource: 'session', operation: 'create', waitUntilReady: false });
		expect(result.error).toBeUndefined();
		const [json] = result.json('MuseTalk');
		expect(json).toEqual({ session_id: expect.any(String), status: 'preparing', message: 'Session created. Avatar preparation started.' });
		const requests = museRequests();
		expect(requests).toHaveLength(1);
		expect(requests[0]).toMatchObject({ method: 'POST', path: '/api/v1/session/create' });
		expect(JSON.parse(requests[0].body)).toEqual({ avatar_video_path: null });
		expect(result.items('MuseTalk')[0].pairedItem).toEqual({ item: 0 });
	});

	it('waits until "ready", polling the status, and sends the avatar path', async () => {
		// 3 s of preparation: the first check still finds it preparing even when creating was slow
		// on a busy machine (at 150 ms, the first check already found it ready)
		emulator.settings.museTalkPrepareMs = 3000;
		const result = await run({
			resource: 'session',
			operation: 'create',
			avatarVideoPath: '/workspace/avatars/presenter.mp4',
			pollIntervalSeconds: 0.1,
		});
		expect(result.error).toBeUndefined();
		const [json] = result.json('MuseTalk');
		expect(json).toEqual({ session_id: expect.any(String), status: 'ready', message: 'Session is ready', avatar_prepared: true });
		const [create] = museRequests('/api/v1/session/create');
		expect(JSON.parse(create.body)).toEqual({ avatar_video_path: '/workspace/avatars/presenter.mp4' });
		const polls = museRequests(`/api/v1/session/${json.session_id as string}/status`);
		expect(polls.length).toBeGreaterThanOrEqual(2);
		expect(polls.every((p) => p.method === 'GET')).toBe(true);
		// Never polled faster than the interval.
		for (let i = 1; i < polls.length; i++) expect(polls[i].at - polls[i - 1].at).toBeGreaterThanOrEqual(90);
	});

	it('preparation ending in "error" fails the item with the server’s message', async () => {
		const result = await run({
			resource: 'session',
			operation: 'create',
			avatarVideoPath: '/workspace/avatars/noface.mp4',
			pollIntervalSeconds: 0.1,
		});
		const error = expectApiError(result, null);
		expect(error.message).toBe(`MuseTalk: ${MUSETALK_NOFACE_MESSAGE}`);
		expect(error.description).toMatch(/could not prepare its avatar.*delete this session/);
	});

	it('an invalid avatar path is the documented 400, with a hint', async () => {
		const result = await run({ resource: 'session', operation: 'create', avatarVideoPath: '/workspace/avatars/missing.mp4' });
		const error = expectApiError(result, '400');
		expect(error.message).toBe('MuseTalk: Avatar video not found: /workspace/avatars/missing.mp4 [Invalid avatar path]');
		expect(error.description).toContain('on the MuseTalk server');
		// Creating starts GPU work: a 400 is not repeated even with attempts to spare.
		const again = await runWorkflow(
			singleNode('museTalk', { resource: 'session', operation: 'create', avatarVideoPath: 'notes.txt', requestSettings: { maxAttempts: 3 } }),
			{ credentials: credentials() },
		);
		expectApiError(again, '400');
		expect(museRequests('/api/v1/session/create')).toHaveLength(2);
	});

	it('times out at the deadline with a clear error when the session stays "preparing"', async () => {
		emulator.settings.museTalkPrepareMs = 10_000;
		const started = Date.now();
		const result = await run({ resource: 'session', operation: 'create', waitTimeoutSeconds: 1, pollIntervalSeconds: 0.2 });
		const elapsed = Date.now() - started;
		const error = expectInputError(result, /^Timed out after 1 s: session [0-9a-f-]+ is still preparing/);
		expect(error.description).toMatch(/Raise "Timeout \(Seconds\)".*Get Status/);
		// The exact deadline is checked on a fake clock (test/unit/shared/polling.test.ts); here it
		// is enough that the wait ended long before the 10 s preparation (generous for a busy machine).
		expect(elapsed).toBeGreaterThanOrEqual(950);
		expect(elapsed).toBeLessThan(8000);
	});

	it('a server error (500) on create is reported once: avatar preparation is never re-sent', async () => {
		emulator.addFault({
			service: 'museTalk',
			path: '/api/v1/session/create',
			fault: { kind: 'status', status: 500, body: { error: 'Internal Server Error', detail: 'CUDA out of memory' } },
			times: 1,
		});
		const result = await runWorkflow(
			singleNode('museTalk', { resource: 'session', operation: 'create', requestSettings: { maxAttempts: 4 } }),
			{ credentials: credentials() },
		);
		expect(expectApiError(result, '500').message).toBe('MuseTalk: CUDA out of memory [Internal Server Error]');
		expect(museRequests('/api/v1/session/create')).toHaveLength(1);
	});

	it('stops waiting at once when the execution is cancelled', async () => {
		// polls 30 s apart: ending within 10 s can only be the cancel cutting the wait (generous for a
		// busy machine; the 1 s promise is measured in reliability/cancellation.test.ts)
		emulator.settings.museTalkPrepareMs = 120_000;
		const controller = new AbortController();
		// cancel once the first check has been answered (not after a fixed delay: on a busy machine
		// the session may not even have been created by then)
		void (async () => {
			for (let i = 0; i < 2000 && !museRequests(/\/status$/).some((r) => r.status !== undefined); i++) await new Promise((resolve) => setTimeout(resolve, 10));
			controller.abort();
		})();
		const started = Date.now();
		const result = await runWorkflow(
			singleNode('museTalk', { resource: 'session', operation: 'create', waitTimeoutSeconds: 300, pollIntervalSeconds: 30, requestSettings: ONE_ATTEMPT }),
			{ credentials: credentials(), signal: controller.signal },
		);
		expect(result.status).toBe('canceled');
		expect(result.settled).toBe(true);
		expect(Date.now() - started).toBeLessThan(10_000);
		expect(museRequests(/\/status$/)).toHaveLength(1);
	});

	it.each([
		['a path over two lines', { avatarVideoPath: '/a.mp4\n/b.mp4' }, 'Avatar Video Path: is not a valid file path'],
		['a zero timeout', { waitTimeoutSeconds: 0 }, 'Wait Timeout (Seconds): 0 is out of range'],
		['a zero interval', { pollIntervalSeconds: 0 }, 'Check Every (Seconds): 0 is out of range'],
		['an interval over an hour', { pollIntervalSeconds: 3601 }, 'Check Every (Seconds): 3601 is out of range'],
		['a timeout over a day', { waitTimeoutSeconds: 86_401 }, 'Wait Timeout (Seconds): 86401 is out of range'],
		['a path over 4096 characters', { avatarVideoPath: `/${'a'.repeat(4096)}.mp4` }, 'Avatar Video Path: is not a valid file path'],
	])('refuses %s before sending anything', async (_label, parameters, message) => {
		const result = await run({ resource: 'session', operation: 'create', ...parameters });
		expectInputError(result, message);
		expect(museRequests()).toHaveLength(0);
	});
});

describe('MuseTalk · Session → Get Status and Delete', () => {
	it('Get Status returns the documented body', async () => {
		const sessionId = await readySession();
		emulator.clearLog();
		const result = await run({ resource: 'session', operation: 'getStatus', sessionId });
		expect(result.error).toBeUndefined();
		expect(result.json('MuseTalk')).toEqual([{ session_id: sessionId, status: 'ready', message: 'Session is ready', avatar_prepared: true }]);
		expect(museRequests()[0]).toMatchObject({ method: 'GET', path: `/api/v1/session/${sessionId}/status` });
	});

	it('Get Status of an unknown session is the 404 with a hint', async () => {
		const result = await run({ resource: 'session', operation: 'getStatus', sessionId: 'no-such-session' });
		const error = expectApiError(result, '404');
		expect(error.message).toBe('MuseTalk: Session no-such-session not found [Not Found]');
		expect(error.description).toContain('Create a new session');
	});

	it('Delete removes the session; a second delete is a 404', async () => {
		const sessionId = await readySession();
		emulator.clearLog();
		const result = await run({ resource: 'session', operation: 'delete', sessionId });
		expect(result.error).toBeUndefined();
		expect(result.json('MuseTalk')).toEqual([{ session_id: sessionId, deleted: true, message: 'Session deleted successfully' }]);
		expect(museRequests()[0]).toMatchObject({ method: 'DELETE', path: `/api/v1/session/${sessionId}` });

		const status = await run({ resource: 'session', operation: 'getStatus', sessionId });
		expectApiError(status, '404');
		const again = await run({ resource: 'session', operation: 'delete', sessionId });
		expect(expectApiError(again, '404').message).toContain(`Session ${sessionId} not found`);
	});

	it.each([
		['getStatus', '={{ "" }}', 'Session ID: is required'],
		['getStatus', 'a/b', 'Session ID: "a/b" is not a valid ID'],
		['delete', 'has space', 'Session ID: "has space" is not a valid ID'],
	])('%s refuses the Session ID %j before sending anything', async (operation, sessionId, message) => {
		const result = await run({ resource: 'session', operation, sessionId });
		expectInputError(result, message);
		expect(museRequests()).toHaveLength(0);
	});
});

describe('MuseTalk · Video → Generate Video From Text', () => {
	let sessionId: string;
	beforeAll(async () => {
		sessionId = await readySession();
	});

	it('returns the JSON and the MP4 (bytes of the file served) under "data"', async () => {
		emulator.clearLog();
		const result = await run({ resource: 'video', operation: 'generate', sessionId, text: 'Hello! Welcome to MuseTalk.' });
		expect(result.error).toBeUndefined();
		const [json] = result.json('MuseTalk');
		expect(json).toEqual({
			session_id: sessionId,
			video_url: expect.stringMatching(/^\/api\/v1\/generate\/video\/output_\d+\.mp4$/),
			audio_url: expect.stringMatching(/^\/api\/v1\/generate\/audio\/audio_\d+\.mp3$/),
			duration: expect.any(Number),
			video_file: expect.stringMatching(/^output_\d+\.mp4$/),
			audio_file: expect.stringMatching(/^audio_\d+\.mp3$/),
		});
		const video = binaryOf(result, 'data');
		expect(video.mimeType).toBe('video/mp4');
		expect(video.fileName).toBe(json.video_file);
		expect((await result.readBinary(video)).equals(fixture('sample.mp4'))).toBe(true);
		expect(result.items('MuseTalk')[0].binary?.audio).toBeUndefined();

		const [generate, download, ...rest] = museRequests();
		expect(generate).toMatchObject({ method: 'POST', path: '/api/v1/generate/text-to-video' });
		expect(JSON.parse(generate.body)).toEqual({
			session_id: sessionId,
			text: 'Hello! Welcome to MuseTalk.',
			voice_id: GEORGE,
			model_id: 'eleven_multilingual_v2',
		});
		expect(download).toMatchObject({ method: 'GET', path: json.video_url, status: 200 });
		expect(rest).toHaveLength(0);
	});

	it('also downloads the MP3 into a second binary field when asked', async () => {
		emulator.clearLog();
		const result = await run({
			resource: 'video',
			operation: 'generate',
			sessionId,
			text: 'Audio too, please.',
			voice: '21m00Tcm4TlvDq8ikWAM',
			downloadAudio: true,
			videoBinaryProperty: 'video',
			audioBinaryProperty: 'speech',
		});
		expect(result.error).toBeUndefined();
		const video = binaryOf(result, 'video');
		const audio = binaryOf(result, 'speech');
		expect(video.mimeType).toBe('video/mp4');
		expect(audio.mimeType).toBe('audio/mpeg');
		expect(audio.fileName).toMatch(/^audio_\d+\.mp3$/);
		expect((await result.readBinary(video)).equals(fixture('sample.mp4'))).toBe(true);
		expect((await result.readBinary(audio)).equals(fixture('sample.mp3'))).toBe(true);
		expect(JSON.parse(museRequests('/api/v1/generate/text-to-video')[0].body).voice_id).toBe('21m00Tcm4TlvDq8ikWAM');
		expect(museRequests(/^\/api\/v1\/generate\/audio\//)).toHaveLength(1);
	});

	it('with Download Video off returns only the JSON (no file request)', async () => {
		emulator.clearLog();
		const result = await run({ resource: 'video', operation: 'generate', sessionId, text: 'Just the links.', downloadVideo: false });
		expect(result.error).toBeUndefined();
		expect(result.items('MuseTalk')[0].binary).toBeUndefined();
		expect(museRequests()).toHaveLength(1);
	});

	it('"Server Default" sends no voice_id, an empty Model ID no model_id, a custom voice as given', async () => {
		emulator.settings.museTalkCustomVoices = ['MF3mGyEYCl7XYWbV9V6O'];
		emulator.clearLog();
		const defaults = await run({ resource: 'video', operation: 'generate', sessionId, text: 'Defaults.', voice: 'serverDefault', modelId: '', downloadVideo: false });
		expect(defaults.error).toBeUndefined();
		const custom = await run({
			resource: 'video',
			operation: 'generate',
			sessionId,
			text: 'Custom.',
			voice: 'custom',
			customVoiceId: 'MF3mGyEYCl7XYWbV9V6O',
			modelId: 'eleven_flash_v2_5',
			downloadVideo: false,
		});
		expect(custom.error).toBeUndefined();
		const [first, second] = museRequests('/api/v1/generate/text-to-video').map((r) => JSON.parse(r.body));
		expect(first).toEqual({ session_id: sessionId, text: 'Defaults.' });
		expect(second).toEqual({ session_id: sessionId, text: 'Custom.', voice_id: 'MF3mGyEYCl7XYWbV9V6O', model_id: 'eleven_flash_v2_5' });
	});

	it('absolute URLs on another origin are fetched without the credential', async () => {
		(emulator.keys as { museTalk?: string }).museTalk = 'proxy-key-2';
		emulator.settings.museTalkAbsoluteUrls = true;
		emulator.clearLog();
		const result = await run({ resource: 'video', operation: 'generate', sessionId, text: 'From the bucket.', downloadAudio: true }, { apiKey: 'proxy-key-2' });
		expect(result.error).toBeUndefined();
		expect(result.json('MuseTalk')[0].video_url).toMatch(new RegExp(`^${emulator.url('s3')}/musetalk/output_\\d+\\.mp4\\?`));
		expect(museRequests('/api/v1/generate/text-to-video')[0].headers.authorization).toBe('Bearer proxy-key-2');
		const s3 = emulator.requests({ service: 's3' });
		expect(s3).toHaveLength(2);
		for (const request of s3) expect(request.headers.authorization).toBeUndefined();
		expect((await result.readBinary(binaryOf(result, 'data'))).equals(fixture('sample.mp4'))).toBe(true);
		expect((await result.readBinary(binaryOf(result, 'audio'))).equals(fixture('sample.mp3'))).toBe(true);
	});

	it('presigned URLs on the MuseTalk origin itself are fetched without the credential too (S3 would refuse it)', async () => {
		(emulator.keys as { museTalk?: string }).museTalk = 'proxy-key-3';
		emulator.settings.museTalkAbsoluteUrls = true;
		emulator.settings.storageOnApiOrigin = ['museTalk'];
		try {
			emulator.clearLog();
			const result = await run({ resource: 'video', operation: 'generate', sessionId, text: 'From our own host.', downloadAudio: true }, { apiKey: 'proxy-key-3' });
			expect(result.error).toBeUndefined();
			expect(result.json('MuseTalk')[0].video_url).toMatch(new RegExp(`^${emulator.url('museTalk')}/storage/musetalk/output_\\d+\\.mp4\\?X-Amz-`));
			const storage = museRequests(/^\/storage\//);
			expect(storage).toHaveLength(2);
			for (const request of storage) {
				expect(request.headers.authorization).toBeUndefined();
				expect(request.status).toBe(200);
			}
			expect(museRequests('/api/v1/generate/text-to-video')[0].headers.authorization).toBe('Bearer proxy-key-3');
			expect((await result.readBinary(binaryOf(result, 'data'))).equals(fixture('sample.mp4'))).toBe(true);
		} finally {
			delete emulator.settings.storageOnApiOrigin;
		}
	});

	it('"session not ready" (400) is a clear error with a hint', async () => {
		emulator.settings.museTalkPrepareMs = 10_000;
		const created = await run({ resource: 'session', operation: 'create', waitUntilReady: false });
		const preparing = created.json('MuseTalk')[0].session_id as string;
		emulator.clearLog();
		const result = await run({ resource: 'video', operation: 'generate', sessionId: preparing, text: 'Too early.' });
		const error = expectApiError(result, '400');
		expect(error.message).toBe(`MuseTalk: Session ${preparing} is not ready (status: preparing) [Session not ready]`);
		expect(error.description).toContain('Wait Until Ready');
		expect(museRequests()).toHaveLength(1);
	});

	it('an unknown session (404) is a clear error with a hint', async () => {
		const result = await run({ resource: 'video', operation: 'generate', sessionId: 'gone-session', text: 'Hello?' });
		const error = expectApiError(result, '404');
		expect(error.message).toBe('MuseTalk: Session gone-session not found [Not Found]');
		expect(error.description).toContain('Create a new session');
	});

	it('a generation error (500) is reported once: paid work is never re-sent', async () => {
		emulator.clearLog();
		const result = await runWorkflow(
			singleNode('museTalk', {
				resource: 'video',
				operation: 'generate',
				sessionId,
				text: 'Unknown voice.',
				voice: 'custom',
				customVoiceId: 'AAAAAAAAAAAAAAAAAAAA',
				requestSettings: { maxAttempts: 4 },
			}),
			{ credentials: credentials() },
		);
		const error = expectApiError(result, '500');
		expect(error.message).toBe('MuseTalk: ElevenLabs TTS failed: voice_id AAAAAAAAAAAAAAAAAAAA was not found [Generation error]');
		expect(error.description).toContain('Voice and Model ID');
		expect(museRequests('/api/v1/generate/text-to-video')).toHaveLength(1);
	});

	it('a file deleted before the download is a 404 on the file, with a hint', async () => {
		emulator.addFault({
			service: 'museTalk',
			method: 'GET',
			path: /^\/api\/v1\/generate\/video\//,
			fault: { kind: 'status', status: 404, body: { error: 'Not Found', detail: 'Video file output_1.mp4 not found' } },
			times: 1,
		});
		const result = await run({ resource: 'video', operation: 'generate', sessionId, text: 'Vanishing file.' });
		const error = expectApiError(result, '404');
		expect(error.message).toBe('MuseTalk: Video file output_1.mp4 not found [Not Found]');
		expect(error.description).toContain('File Name and File Type');
		// The paid generation succeeded: the error says where its files are.
		expect(error.description).toMatch(/The video was generated \(output_\d+\.mp4 and audio_\d+\.mp3\); fetch it later with Video → Download File\./);
	});

	it('Continue On Fail: a bad item becomes an error item, the others still run (pairedItem kept)', async () => {
		emulator.clearLog();
		const result = await runWorkflow(
			singleNode(
				'museTalk',
				{
					resource: 'video',
					operation: 'generate',
					sessionId: `={{ $json.n === 1 ? 'missing-session' : '${sessionId}' }}`,
					text: 'Item {{ $json.n }}',
					downloadVideo: false,
					requestSettings: ONE_ATTEMPT,
				},
				{ onError: 'continueRegularOutput' },
			),
			{ credentials: credentials(), inputItems: [{ json: { n: 0 } }, { json: { n: 1 } }, { json: { n: 2 } }] },
		);
		expect(result.status).toBe('success');
		const items = result.items('MuseTalk');
		expect(items.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(items[0].json.video_url).toBeDefined();
		expect(items[1].json).toMatchObject({ error: 'MuseTalk: Session missing-session not found [Not Found]', httpCode: '404' });
		expect(items[2].json.video_url).toBeDefined();
	});

	const longText = 'x'.repeat(10_001);
	it.each([
		['an empty Text', { text: '={{ "" }}' }, 'Text: must not be empty'],
		['a blank Text', { text: '   ' }, 'Text: must not be empty'],
		['a Text over 10,000 characters', { text: longText }, 'Text: is 10001 characters long, more than the 10000 allowed'],
		['an empty Session ID', { sessionId: '={{ "" }}' }, 'Session ID: is required'],
		['an empty Custom Voice ID', { voice: 'custom', customVoiceId: '={{ "" }}' }, 'Custom Voice ID: is required'],
		['a malformed Custom Voice ID', { voice: 'custom', customVoiceId: 'george' }, 'Custom Voice ID: "george" is not an ElevenLabs voice ID'],
		['a malformed Model ID', { modelId: 'Eleven Multilingual' }, 'Model ID: "Eleven Multilingual" is not an ElevenLabs model ID'],
		['an unknown Voice', { voice: 'abc' }, 'Voice: "abc" is not a valid value'],
		['the same field for video and audio', { downloadAudio: true, audioBinaryProperty: 'data' }, 'Put Audio in Field: "data" is already the field of Put Video in Field'],
		['an empty Video Output Field', { videoBinaryProperty: ' ' }, 'Put Video in Field: is required'],
		['an Audio Output Field with a space', { downloadAudio: true, audioBinaryProperty: 'my audio' }, 'Put Audio in Field: "my audio" is not a usable binary field name'],
	])('refuses %s before sending anything', async (_label, parameters, message) => {
		emulator.clearLog();
		const result = await run({ resource: 'video', operation: 'generate', sessionId, text: 'Hello', ...parameters });
		expectInputError(result, message);
		expect(museRequests()).toHaveLength(0);
	});

	it('accepts exactly 10,000 characters', async () => {
		emulator.clearLog();
		const result = await run({ resource: 'video', operation: 'generate', sessionId, text: 'y'.repeat(10_000), downloadVideo: false });
		expect(result.error).toBeUndefined();
		expect(JSON.parse(museRequests()[0].body).text).toHaveLength(10_000);
	});
});

describe('MuseTalk · Video → Generate Streaming Video', () => {
	let sessionId: string;
	beforeAll(async () => {
		sessionId = await readySession();
	});

	it('streams the chunked MP4 body straight into binary "data"', async () => {
		emulator.clearLog();
		const result = await run({ resource: 'video', operation: 'generateStream', sessionId, text: 'Streaming hello.', voice: 'EXAVITQu4vr4xnSDxMaL' });
		expect(result.error).toBeUndefined();
		const video = binaryOf(result, 'data');
		expect(video.mimeType).toBe('video/mp4');
		expect(video.fileName).toBe(`musetalk-${sessionId}.mp4`);
		const bytes = await result.readBinary(video);
		expect(bytes.equals(fixture('sample-fragmented.mp4'))).toBe(true);
		expect(result.json('MuseTalk')).toEqual([
			{ session_id: sessionId, file_name: `musetalk-${sessionId}.mp4`, mime_type: 'video/mp4', bytes: bytes.length },
		]);
		const [request] = museRequests();
		expect(request).toMatchObject({ method: 'POST', path: '/api/v1/generate/text-to-video-stream', status: 200 });
		expect(JSON.parse(request.body)).toEqual({
			session_id: sessionId,
			text: 'Streaming hello.',
			voice_id: 'EXAVITQu4vr4xnSDxMaL',
			model_id: 'eleven_multilingual_v2',
		});
	});

	it('a stream cut short fails the item and is not re-requested (paid work)', async () => {
		emulator.clearLog();
		emulator.addFault({ service: 'museTalk', path: '/api/v1/generate/text-to-video-stream', fault: { kind: 'truncate' }, times: 1 });
		const result = await runWorkflow(
			singleNode('museTalk', { resource: 'video', operation: 'generateStream', sessionId, text: 'Cut.', requestSettings: { maxAttempts: 4 } }),
			{ credentials: credentials() },
		);
		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/^MuseTalk: The download of musetalk-.*\.mp4 was cut short/);
		expect(museRequests('/api/v1/generate/text-to-video-stream')).toHaveLength(1);
	});

	it('"session not ready" (400) and "not found" (404) are clear errors', async () => {
		emulator.settings.museTalkPrepareMs = 10_000;
		const created = await run({ resource: 'session', operation: 'create', waitUntilReady: false });
		const preparing = created.json('MuseTalk')[0].session_id as string;
		const notReady = await run({ resource: 'video', operation: 'generateStream', sessionId: preparing, text: 'Early.' });
		expect(expectApiError(notReady, '400').message).toBe(`MuseTalk: Session ${preparing} is not ready (status: preparing) [Session not ready]`);
		expect(notReady.error?.description).toContain('Wait Until Ready');
		const missing = await run({ resource: 'video', operation: 'generateStream', sessionId: 'nope', text: 'Hi.' });
		expect(expectApiError(missing, '404').message).toBe('MuseTalk: Session nope not found [Not Found]');
	});

	it.each([
		['an empty Text', { text: '={{ "" }}' }, 'Text: must not be empty'],
		['an empty Put Video in Field', { binaryPropertyName: ' ' }, 'Put Video in Field: is required'],
		['a malformed Custom Voice ID', { voice: 'custom', customVoiceId: 'ABC' }, 'Custom Voice ID: "ABC" is not an ElevenLabs voice ID'],
	])('refuses %s before sending anything', async (_label, parameters, message) => {
		emulator.clearLog();
		const result = await run({ resource: 'video', operation: 'generateStream', sessionId, text: 'Hi', ...parameters });
		expectInputError(result, message);
		expect(museRequests()).toHaveLength(0);
	});
});

describe('MuseTalk · Video → Download File', () => {
	let videoFile: string;
	let audioUrl: string;
	beforeAll(async () => {
		const sessionId = await readySession();
		const result = await run({ resource: 'video', operation: 'generate', sessionId, text: 'Files to fetch later.', downloadVideo: false });
		videoFile = result.json('MuseTalk')[0].video_file as string;
		audioUrl = result.json('MuseTalk')[0].audio_url as string;
	});

	it('downloads a video by file name as MP4', async () => {
		emulator.clearLog();
		const result = await run({ resource: 'video', operation: 'downloadFile', fileType: 'video', fileName: videoFile });
		expect(result.error).toBeUndefined();
		const video = binaryOf(result, 'data');
		expect(video).toMatchObject({ mimeType: 'video/mp4', fileName: videoFile });
		expect((await result.readBinary(video)).equals(fixture('sample.mp4'))).toBe(true);
		expect(result.json('MuseTalk')).toEqual([{ file_name: videoFile, file_type: 'video', mime_type: 'video/mp4', bytes: fixture('sample.mp4').length }]);
		expect(museRequests()[0]).toMatchObject({ method: 'GET', path: `/api/v1/generate/video/${videoFile}` });
	});

	it('downloads an audio given its whole audio_url as MP3', async () => {
		emulator.clearLog();
		const result = await run({ resource: 'video', operation: 'downloadFile', fileType: 'audio', fileName: audioUrl, binaryPropertyName: 'speech' });
		expect(result.error).toBeUndefined();
		const audio = binaryOf(result, 'speech');
		expect(audio.mimeType).toBe('audio/mpeg');
		expect(audio.fileName).toMatch(/^audio_\d+\.mp3$/);
		expect((await result.readBinary(audio)).equals(fixture('sample.mp3'))).toBe(true);
		expect(museRequests()[0].path).toBe(audioUrl);
	});

	it('an unknown file is the 404 {error, detail}, with a hint', async () => {
		const result = await run({ resource: 'video', operation: 'downloadFile', fileType: 'video', fileName: 'output_0.mp4' });
		const error = expectApiError(result, '404');
		expect(error.message).toBe('MuseTalk: Video file output_0.mp4 not found [Not Found]');
		expect(error.description).toContain('File Name and File Type');
	});

	it.each([
		['an empty File Name', { fileName: '={{ "" }}' }, 'File Name: is required'],
		['a File Name with spaces', { fileName: 'my video.mp4' }, 'File Name: "my video.mp4" is not a file name'],
		['an empty Put Output File in Field', { fileName: 'x.mp4', binaryPropertyName: ' ' }, 'Put Output File in Field: is required'],
		['a File Name of ".."', { fileName: '..' }, 'File Name: ".." is not a file name'],
		['an unknown File Type', { fileName: 'x.mp4', fileType: '={{ "pdf" }}' }, 'File Type: "pdf" is not a valid value'],
	])('refuses %s before sending anything', async (_label, parameters, message) => {
		emulator.clearLog();
		const result = await run({ resource: 'video', operation: 'downloadFile', fileType: 'video', ...parameters });
		expectInputError(result, message);
		expect(museRequests()).toHaveLength(0);
	});
});
