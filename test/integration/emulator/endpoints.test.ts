/* eslint-disable @typescript-eslint/no-explicit-any -- the test reads arbitrary provider JSON, field by field, as documented */
import WebSocket from 'ws';

import type { Emulator } from '../../emulator/server';
import { startEmulator } from '../../emulator/server';
import { fixture } from '../../emulator/media';
import { payLightningInvoice } from '../../emulator/providers/avatartalkLightning';

jest.setTimeout(60_000);

/**
 * Every endpoint and WebSocket of the five API documents (../shared/provider-apis), called the
 * way the document shows, against the emulator: each must exist (not the emulator's own
 * "no such route") and answer with the documented status and fields.
 */
describe('every documented endpoint exists in the emulator', () => {
	let emu: Emulator;
	const covered: string[] = [];

	beforeAll(async () => {
		emu = await startEmulator({
			settings: { multiTalkJobMs: 50, multiTalkPendingMs: 10, museTalkPrepareMs: 10, museTalkGenerateMs: 10, avatarTalkLatencyMs: 0 },
		});
	});
	afterAll(async () => {
		await emu.close();
		// One line per documented endpoint, so a missing one shows in the test output.
		expect(covered.length).toBeGreaterThanOrEqual(43);
	});

	async function call(
		label: string,
		method: string,
		url: string,
		{ auth, body, form, status = 200 }: { auth?: string; body?: unknown; form?: FormData; status?: number } = {},
	) {
		const headers: Record<string, string> = {};
		if (auth) headers.authorization = `Bearer ${auth}`;
		if (body !== undefined) headers['content-type'] = 'application/json';
		const res = await fetch(url, { method, headers, body: form ?? (body !== undefined ? JSON.stringify(body) : undefined) });
		expect({ label, route: res.headers.get('x-emulator-route') }).toEqual({ label, route: null });
		expect({ label, status: res.status }).toEqual({ label, status });
		covered.push(label);
		const type = res.headers.get('content-type') ?? '';
		const parsed: any = type.includes('json') ? await res.json() : Buffer.from(await res.arrayBuffer());
		return { res, type, body: parsed };
	}

	function wsOpen(label: string, url: string, auth?: string) {
		return new Promise<WebSocket>((resolve, reject) => {
			const ws = new WebSocket(url, { headers: auth ? { authorization: `Bearer ${auth}` } : {} });
			ws.once('open', () => {
				covered.push(label);
				resolve(ws);
			});
			ws.once('error', reject);
		});
	}

	function collect(ws: WebSocket, until: (text: any[], binary: Buffer[]) => boolean, timeoutMs = 10_000) {
		const texts: any[] = [];
		const binaries: Buffer[] = [];
		return new Promise<{ texts: any[]; binaries: Buffer[]; code?: number }>((resolve) => {
			const done = (code?: number) => {
				clearTimeout(timer);
				resolve({ texts, binaries, code });
			};
			const timer = setTimeout(() => done(), timeoutMs);
			ws.on('message', (data, isBinary) => {
				if (isBinary) binaries.push(data as Buffer);
				else texts.push(JSON.parse(data.toString()));
				if (until(texts, binaries)) done();
			});
			ws.on('close', (code) => done(code));
		});
	}

	it('AvatarTalk: inference (regular, streamed, delayed, viewer), WebSockets, LiveKit, Lightning', async () => {
		const base = emu.urls.avatarTalk;
		const key = emu.keys.avatarTalk;
		const params = { text: 'Hello there', avatar: 'european_woman', emotion: 'happy', language: 'en' };
		const regular = await call('AvatarTalk POST /inference', 'POST', `${base}/inference`, { auth: key, body: params });
		expect(regular.body).toMatchObject({ status: 'success', stream: false });
		const streamed = await call('AvatarTalk POST /inference?stream=true', 'POST', `${base}/inference?stream=true`, { auth: key, body: params });
		expect(streamed.type).toBe('video/mp4');
		expect((streamed.body as Buffer).toString('latin1', 4, 8)).toBe('ftyp');
		const delayed = await call('AvatarTalk POST /inference (delayed)', 'POST', `${base}/inference`, { auth: key, body: { ...params, delayed: true } });
		expect(delayed.body).toMatchObject({ status: 'delayed', credits_consumed: 0 });
		await call('AvatarTalk GET /inference/:id/video.html', 'GET', delayed.body.html_url as string, { auth: key });
		const mp4 = await call('AvatarTalk GET mp4_url', 'GET', regular.body.mp4_url as string, { auth: key });
		expect(mp4.type).toBe('video/mp4');

		const infer = await wsOpen('AvatarTalk WS /ws/infer', `${base.replace('http', 'ws')}/ws/infer?output_type=file&input_type=text&avatar=european_woman&emotion=happy&language=en`, key);
		const inferDone = collect(infer, () => false);
		infer.send(JSON.stringify({ text: 'Hello! Welcome to AvatarTalk.' }));
		const inferred = await inferDone;
		expect(Buffer.concat(inferred.binaries).toString('latin1', 4, 8)).toBe('ftyp');
		expect(inferred.code).toBe(1000);

		const cont = await wsOpen('AvatarTalk WS /ws/continuous', `${base.replace('http', 'ws')}/ws/continuous?avatar=mexican_woman&expression=neutral&language=en`, key);
		const contDone = collect(cont, (texts) => texts.some((t) => t.type === 'state_change' && t.data.to === 'terminated'), 15_000);
		const send = (type: string, data: object) => cont.send(JSON.stringify({ type, data }));
		send('session_start', { avatar_name: 'mexican_woman', expression: 'neutral', language: 'en', expressive_mode: false, target_buffer_ms: 2000, min_buffer_ms: 500, max_buffer_ms: 5000 });
		send('text_input', { text: 'Hello, how are you?', expression: 'happy', mode: 'full' });
		send('text_append', { text: 'Additional sentence.' });
		send('text_stream_done', {});
		send('turn_start', { expression: 'neutral' });
		send('buffer_status', { buffered_ms: 1500, playback_position: 10.5 });
		setTimeout(() => send('session_end', {}), 1500);
		const session = await contDone;
		const types = new Set(session.texts.map((t) => t.type));
		for (const t of ['session_ready', 'state_change', 'text_queued', 'text_appended', 'text_stream_completed']) expect(types).toContain(t);
		expect(session.binaries.length).toBeGreaterThan(0);
		cont.close();

		const created = await call('AvatarTalk POST /livekit/create-session', 'POST', `${base}/livekit/create-session`, {
			auth: key,
			body: { room_name: 'demo-room', room_token: 'eyJhbGc.a.b', listener_token: 'eyJhbGc.c.d', livekit_url: 'wss://my-livekit.com', avatar: 'japanese_woman', emotion: 'happy' },
		});
		await call('AvatarTalk DELETE /livekit/delete-session/:task_id', 'DELETE', `${base}/livekit/delete-session/${created.body.task_id}`, { auth: key });
		await call('AvatarTalk DELETE /livekit/delete-session/:task_id (404)', 'DELETE', `${base}/livekit/delete-session/${created.body.task_id}`, { auth: key, status: 404 });

		const textInvoice = await call('AvatarTalk POST /lightning/request-video/text', 'POST', `${base}/lightning/request-video/text`, { body: { text: 'Hello from AvatarTalk!' } });
		expect(textInvoice.body.bolt11_invoice).toMatch(/^lnbc/);
		const form = new FormData();
		form.append('audio', new Blob([fixture('speech-16k-mono.wav')], { type: 'audio/wav' }), 'speech.wav');
		const audioInvoice = await call('AvatarTalk POST /lightning/request-video/audio', 'POST', `${base}/lightning/request-video/audio`, { form });
		expect(audioInvoice.body.duration).toBeGreaterThan(0);
		const invoice = textInvoice.body.bolt11_invoice as string;
		await call('AvatarTalk POST /lightning/generate-video (unpaid)', 'POST', `${base}/lightning/generate-video`, {
			body: { bolt11_invoice: invoice, avatar: 'european_woman', emotion: 'happy', language: 'en' },
			status: 400,
		});
		expect(payLightningInvoice(emu, invoice)).toBe(true);
		const payment = await call('AvatarTalk GET /lightning/payment/:invoice', 'GET', `${base}/lightning/payment/${invoice}`, { auth: key });
		expect(payment.body.status).toBe('paid');
		const payments = await call('AvatarTalk GET /lightning/payments', 'GET', `${base}/lightning/payments`, { auth: key });
		expect(Array.isArray(payments.body)).toBe(true);
		const video = await call('AvatarTalk POST /lightning/generate-video', 'POST', `${base}/lightning/generate-video`, {
			body: { bolt11_invoice: invoice, avatar: 'european_woman', emotion: 'expressive', language: 'en' },
		});
		expect(video.type).toBe('video/mp4');
	});

	it('MultiTalk: generate, job status, download, list, cancel, health, webhook test', async () => {
		const base = emu.urls.multiTalk;
		const key = emu.keys.multiTalk;
		const job = await call('MultiTalk POST /generate', 'POST', `${base}/generate`, {
			auth: key,
			body: { prompt: 'A person speaking', image_s3_url: 's3://my-bucket/images/person.png', audio_s3_urls: 's3://my-bucket/audio/a.wav' },
		});
		expect(job.body.status).toBe('pending');
		let status = '';
		for (let i = 0; i < 100 && status !== 'completed'; i++) {
			status = (await call('MultiTalk GET /jobs/{job_id}', 'GET', `${base}/jobs/${job.body.job_id}`, { auth: key })).body.status as string;
			if (status !== 'completed') await new Promise((r) => setTimeout(r, 30));
		}
		expect(status).toBe('completed');
		const download = await call('MultiTalk GET /jobs/{job_id}/download', 'GET', `${base}/jobs/${job.body.job_id}/download?expiration=600`, { auth: key });
		expect(new URL(download.body.download_url as string).origin).toBe(emu.url('s3'));
		const listed = await call('MultiTalk GET /jobs', 'GET', `${base}/jobs?limit=10`, { auth: key });
		expect(listed.body.count).toBeGreaterThanOrEqual(1);
		const second = await call('MultiTalk POST /generate (two voices)', 'POST', `${base}/generate`, {
			auth: key,
			body: {
				prompt: 'Two people',
				image_s3_url: 's3://my-bucket/two.png',
				audio_s3_urls: ['s3://my-bucket/1.wav', 's3://my-bucket/2.wav'],
				options: { audio_type: 'para', sample_steps: 20, resolution: '720p', audio_cfg: 4, color_correction: 0.7 },
			},
		});
		const cancelled = await call('MultiTalk DELETE /jobs/{job_id}', 'DELETE', `${base}/jobs/${second.body.job_id}`, { auth: key });
		expect(cancelled.body.status).toBe('cancelled');
		await call('MultiTalk GET /health', 'GET', `${base}/health`, { auth: key });
		await call('MultiTalk POST /webhook-test', 'POST', `${base}/webhook-test`, { auth: key, body: { webhook_url: `${emu.url('s3')}/nowhere` } });
	});

	it('MuseTalk: health, sessions, text-to-video (+stream), file serving', async () => {
		const root = emu.url('museTalk');
		const base = emu.urls.museTalk;
		await call('MuseTalk GET /health', 'GET', `${root}/health`);
		const session = await call('MuseTalk POST /session/create', 'POST', `${base}/session/create`, { body: { avatar_video_path: null } });
		let status = '';
		for (let i = 0; i < 100 && status !== 'ready'; i++) {
			status = (await call('MuseTalk GET /session/{id}/status', 'GET', `${base}/session/${session.body.session_id}/status`)).body.status as string;
			if (status !== 'ready') await new Promise((r) => setTimeout(r, 20));
		}
		const generated = await call('MuseTalk POST /generate/text-to-video', 'POST', `${base}/generate/text-to-video`, {
			body: { session_id: session.body.session_id, text: 'Hello! Welcome to MuseTalk.', voice_id: 'JBFqnCBsd6RMkjVDRZzb', model_id: 'eleven_multilingual_v2' },
		});
		const videoFile = await call('MuseTalk GET /generate/video/{filename}', 'GET', `${root}${generated.body.video_url}`);
		expect(videoFile.type).toBe('video/mp4');
		const audioFile = await call('MuseTalk GET /generate/audio/{filename}', 'GET', `${root}${generated.body.audio_url}`);
		expect(audioFile.type).toBe('audio/mpeg');
		const stream = await call('MuseTalk POST /generate/text-to-video-stream', 'POST', `${base}/generate/text-to-video-stream`, {
			body: { session_id: session.body.session_id, text: 'Hello! This is a test.' },
		});
		expect(stream.type).toBe('video/mp4');
		await call('MuseTalk DELETE /session/{id}', 'DELETE', `${base}/session/${session.body.session_id}`);
	});

	it('LiveTalking: session URLs, send text, recording start/stop/download, health', async () => {
		const base = `${emu.urls.liveTalking}/api/v1/avatar`;
		const token = emu.keys.liveTalking;
		const urls = await call('LiveTalking GET /session', 'GET', `${base}/session`, { auth: token });
		expect(urls.body).toHaveProperty('webrtc_url');
		await call('LiveTalking POST /send-text', 'POST', `${base}/send-text`, { auth: token, body: { session_id: 123456789, text: 'Hello world!', interrupt: true } });
		await call('LiveTalking POST /recording (start)', 'POST', `${base}/recording`, { auth: token, body: { session_id: 123456789, action: 'start' } });
		await call('LiveTalking POST /recording (stop)', 'POST', `${base}/recording`, { auth: token, body: { session_id: 123456789, action: 'stop' } });
		const download = await call('LiveTalking POST /recording/download', 'POST', `${base}/recording/download`, { auth: token, body: { session_id: 123456789, title: 'Demo Recording' } });
		expect(new URL(download.body.download_url as string).origin).toBe(emu.url('s3'));
		const health = await call('LiveTalking GET /health', 'GET', `${base}/health`);
		expect(health.body.livetalking_available).toBe(true);
	});

	it('AvaTar: sessions, chat (SSE and JSON), speak, health, metrics, realtime WebSocket', async () => {
		const base = emu.urls.avaTar;
		const root = emu.url('avaTar');
		const created = await call('AvaTar POST /v1/streaming.new', 'POST', `${base}/streaming.new`, { body: { quality: 'medium', avatar_id: 'avatar_1', voice_id: 'EXAVITQu4vr4xnSDxMaL' } });
		const id = created.body.session_id as string;
		const started = await call('AvaTar POST /v1/streaming.start', 'POST', `${base}/streaming.start`, {
			body: { session_id: id, sdp: { type: 'offer', sdp: 'v=0\r\no=- 46117 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' } },
		});
		expect(started.body.sdp.type).toBe('answer');
		await call('AvaTar GET /v1/streaming.sessions', 'GET', `${base}/streaming.sessions`);
		const sse = await call('AvaTar POST /v1/chat.completions (stream)', 'POST', `${base}/chat.completions`, {
			body: { session_id: id, messages: [{ role: 'user', content: 'Hello, how are you today?' }], stream: true },
		});
		expect(sse.type).toContain('text/event-stream');
		expect((sse.body as Buffer).toString()).toContain('data: [DONE]');
		await call('AvaTar POST /v1/chat.completions', 'POST', `${base}/chat.completions`, { body: { session_id: id, messages: [{ role: 'user', content: 'Hi' }], stream: false } });
		await call('AvaTar POST /v1/avatar.speak', 'POST', `${base}/avatar.speak`, {
			body: { session_id: id, text: 'Welcome!', voice_id: 'EXAVITQu4vr4xnSDxMaL', voice_settings: { stability: 0.75, similarity_boost: 0.75 } },
		});
		await call('AvaTar GET /health', 'GET', `${root}/health`);
		await call('AvaTar GET /metrics', 'GET', `${root}/metrics`);

		const ws = await wsOpen('AvaTar WS /ws/{session_id}', `${emu.urls.avaTarWs}/${id}`);
		// Done when the avatar is idle again after answering our audio (the user chat echo comes first).
		const events = collect(ws, (texts) => {
			const heard = texts.findIndex((t) => t.type === 'chat' && t.role === 'user');
			const speaking = heard === -1 ? -1 : texts.findIndex((t, i) => i > heard && t.type === 'status' && t.status === 'speaking');
			return speaking !== -1 && texts.slice(speaking).some((t) => t.type === 'status' && t.status === 'idle');
		});
		for (const type of ['start_listening', 'stop_listening', 'audio_buffer_clear']) ws.send(JSON.stringify({ type }));
		ws.send(JSON.stringify({ type: 'audio_buffer_append', data: { audio: fixture('speech-16k-mono.wav').toString('base64') } }));
		ws.send(JSON.stringify({ type: 'audio_buffer_commit' }));
		const got = await events;
		const kinds = new Set(got.texts.map((t) => t.type));
		for (const k of ['status', 'frame', 'audio', 'chat']) expect(kinds).toContain(k);
		ws.send(JSON.stringify({ type: 'interrupt' }));
		ws.close();
		await call('AvaTar POST /v1/streaming.stop', 'POST', `${base}/streaming.stop`, { body: { session_id: id } });
	});
});
