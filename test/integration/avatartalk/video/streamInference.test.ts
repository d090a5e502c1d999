/**
 * AvatarTalk "Stream over WebSocket" (/ws/infer) through n8n-core's engine against the
 * emulator: text and audio input, file / LiveKit / RTMP output, close codes, drops, silence,
 * the size cap, cancel, and validation.
 */
import type { INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { AVATARTALK_NO_CREDITS_KEY, avatarTalkState } from '../../../emulator/providers/avatartalk';
import { fixture } from '../../../emulator/media';
import type { Emulator } from '../../../emulator/server';
import { expectMp4 } from '../../../helpers/mp4';
import { NODE, expectApiErrorWithoutOutput, outputBinary, runAvatarTalk, useAvatarTalkEmulator } from './helpers';

let emulator: Emulator;
useAvatarTalkEmulator((e) => (emulator = e), {
	settings: { avatarTalkLatencyMs: 5, avatarTalkChunkDelayMs: 1 },
	reset: (e) => {
		avatarTalkState(e).inferSessions.length = 0;
	},
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const stream = (extra: Record<string, unknown> = {}) => ({
	resource: 'stream',
	operation: 'streamInference',
	inputType: 'text',
	text: 'Hello! Welcome to AvatarTalk.',
	outputType: 'file',
	avatar: 'european_woman',
	emotion: 'happy',
	language: 'en',
	...extra,
});
const connections = () => emulator.requests({ service: 'avatarTalk', path: '/ws/infer' });
const sessions = () => avatarTalkState(emulator).inferSessions;
const wavItem = (): INodeExecutionData => ({
	json: {},
	binary: {
		speech: { data: fixture('speech-16k-mono.wav').toString('base64'), mimeType: 'audio/wav', fileName: 'speech.wav' },
	},
});

describe('Stream over WebSocket: MP4 file output', () => {
	it('sends the documented query and Bearer header, the text as JSON, and returns the assembled MP4', async () => {
		const result = await runAvatarTalk(emulator, stream());
		expect(result.error).toBeUndefined();
		const [conn] = connections();
		expect(conn.websocket).toBe(true);
		expect(conn.headers.authorization).toBe(`Bearer ${emulator.keys.avatarTalk}`);
		expect(conn.query).toEqual({
			output_type: 'file',
			input_type: 'text',
			avatar: 'european_woman',
			emotion: 'happy',
			language: 'en',
			stream_id: expect.stringMatching(UUID),
		});
		expect(sessions()[0].textMessages).toEqual([{ text: 'Hello! Welcome to AvatarTalk.' }]);

		const [json] = result.json(NODE);
		expect(json).toMatchObject({
			stream_id: conn.query.stream_id,
			output_type: 'file',
			input_type: 'text',
			close_code: 1000,
			file_name: `avatartalk-${conn.query.stream_id}.mp4`,
			file_size_bytes: fixture('sample.mp4').length,
		});
		expect(json.chunks_received).toBeGreaterThan(1);
		expect(json.video_duration_seconds).toBeCloseTo(2, 1);
		expect(typeof json.time_to_first_chunk_ms).toBe('number');
		const { meta, bytes } = await outputBinary(result);
		expect(meta.mimeType).toBe('video/mp4');
		expect(bytes.equals(fixture('sample.mp4'))).toBe(true);
		expectMp4(bytes);
	});

	it('sends expressive emotion, increase_resolution and a given stream ID', async () => {
		const streamId = '123e4567-e89b-12d3-a456-426614174000';
		const result = await runAvatarTalk(
			emulator,
			stream({ emotion: 'expressive', language: 'de', options: { increaseResolution: true, streamId, fileName: 'hallo' } }),
		);
		expect(result.error).toBeUndefined();
		expect(connections()[0].query).toMatchObject({ emotion: 'expressive', language: 'de', increase_resolution: 'true', stream_id: streamId });
		expect((await outputBinary(result)).meta.fileName).toBe('hallo.mp4');
	});

	it('streams audio from an input binary field in chunks, then marks its end', async () => {
		const wav = fixture('speech-16k-mono.wav');
		const result = await runAvatarTalk(
			emulator,
			stream({ inputType: 'audio', inputBinaryPropertyName: 'speech', options: { audioChunkKb: 8 } }),
			{ items: [wavItem()] },
		);
		expect(result.error).toBeUndefined();
		expect(connections()[0].query.input_type).toBe('audio');
		const session = sessions()[0];
		expect(session.audioBytes).toBe(wav.length);
		expect(session.audioFrames).toBe(Math.ceil(wav.length / 8192));
		expect(session.endOfAudio).toBe(true);
		expect(result.json(NODE)[0]).toMatchObject({ input_type: 'audio', audio_bytes_sent: wav.length, audio_chunks_sent: session.audioFrames });
		expectMp4((await outputBinary(result)).bytes);
	});

	it('a missing input binary field is named before connecting', async () => {
		const result = await runAvatarTalk(emulator, stream({ inputType: 'audio', inputBinaryPropertyName: 'voice' }), { items: [wavItem()] });
		expect(result.error?.error).toBeInstanceOf(NodeOperationError);
		expect(result.error?.message).toBe('Input Binary Field: the input item has no binary property "voice"');
		expect(result.error?.description).toBe('Binary properties on this item: speech');
		expect(connections()).toHaveLength(0);
	});
});

describe('Stream over WebSocket: LiveKit and RTMP output', () => {
	it('LiveKit: meeting token and as_agent in the query; status messages returned, no binary', async () => {
		const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhdmF0YXIifQ.c2lnbmF0dXJl';
		const result = await runAvatarTalk(emulator, stream({ outputType: 'livekit', meetingToken: token, asAgent: true }));
		expect(result.error).toBeUndefined();
		expect(connections()[0].query).toMatchObject({ output_type: 'livekit', meeting_token: token, as_agent: 'true' });
		const [json] = result.json(NODE);
		expect((json.messages as Array<{ status: string }>).map((m) => m.status)).toEqual(['connected', 'streaming', 'completed']);
		expect(json.close_code).toBe(1000);
		expect(result.items(NODE)[0].binary).toBeUndefined();
		expect(JSON.stringify(json)).not.toContain(token);
	});

	it('RTMP: rtmp_url in the query, never echoed in the output', async () => {
		const rtmpUrl = 'rtmps://live.example.com:443/app/secret-stream-key';
		const result = await runAvatarTalk(emulator, stream({ outputType: 'rtmp', rtmpUrl }));
		expect(result.error).toBeUndefined();
		expect(connections()[0].query).toMatchObject({ output_type: 'rtmp', rtmp_url: rtmpUrl });
		expect(JSON.stringify(result.json(NODE))).not.toContain('secret-stream-key');
	});

	it('validates the RTMP URL scheme, the stream ID and the meeting token before connecting', async () => {
		const cases: Array<[Record<string, unknown>, RegExp, RegExp?]> = [
			[{ outputType: 'rtmp', rtmpUrl: 'https://live.example.com/app/key' }, /^RTMP URL: "https:\/\/live.example.com\/app\/key" is not a valid URL/, /rtmp or rtmps/],
			[{ options: { streamId: 'stream-1' } }, /^Stream ID: "stream-1" is not a UUID/],
			[{ outputType: 'livekit', meetingToken: '={{ "" }}' }, /^Meeting Token: must not be empty/],
			[{ emotion: '={{ "sad" }}' }, /^Emotion: "sad" is not a valid value/, /expressive/],
			[{ options: { maxVideoSizeMb: 0 } }, /^Max Video Size \(MB\): 0 is out of range/],
		];
		for (const [params, message, description] of cases) {
			const result = await runAvatarTalk(emulator, stream(params));
			expect(result.error?.error).toBeInstanceOf(NodeOperationError);
			expect(result.error?.message).toMatch(message);
			if (description) expect(result.error?.description).toMatch(description);
		}
		expect(connections()).toHaveLength(0);
	});
});

describe('Stream over WebSocket: close codes and failures', () => {
	it('1008 Invalid API key', async () => {
		const result = await runAvatarTalk(emulator, stream(), { apiKey: 'not-a-key' });
		expectApiErrorWithoutOutput(result, 'AvatarTalk: Invalid API key: check the API key in the AvatarTalk credential (close code 1008) [INVALID_API_KEY]');
		expect(JSON.stringify(result.error?.stored)).not.toContain('not-a-key');
	});

	it('1008 Insufficient credits', async () => {
		const result = await runAvatarTalk(emulator, stream(), { apiKey: AVATARTALK_NO_CREDITS_KEY });
		expectApiErrorWithoutOutput(result, 'AvatarTalk: Insufficient credits: the account has no video time left (close code 1008) [INSUFFICIENT_CREDITS]');
	});

	it('1008 Authorization failed', async () => {
		const result = await runAvatarTalk(emulator, stream({ outputType: 'livekit', meetingToken: 'not-a-livekit-token' }));
		expectApiErrorWithoutOutput(result, 'AvatarTalk: Authorization failed (close code 1008) [AUTHORIZATION_FAILED]');
		expect(result.error?.httpCode ?? null).toBeNull(); // a close code is not an HTTP status
		// (n8n's stored error carries the node's own parameters; the message and description must not)
		expect(`${result.error?.message} ${result.error?.description ?? ''}`).not.toContain('not-a-livekit-token');
	});

	it('1011 Processing error after the first chunk: no partial MP4', async () => {
		emulator.settings.avatarTalkWsProcessingError = true;
		const result = await runAvatarTalk(emulator, stream());
		expectApiErrorWithoutOutput(result, 'AvatarTalk: Processing error: the server failed while generating the video (close code 1011) [PROCESSING_ERROR]');
		expect(sessions()[0].sentBytes).toBeGreaterThan(0);
	});

	it('1011 with a reason of its own, mid-stream', async () => {
		emulator.addFault({ service: 'avatarTalk', path: '/ws/infer', fault: { kind: 'wsClose', code: 1011, reason: 'GPU worker crashed', afterMessages: 2 }, times: 1 });
		const result = await runAvatarTalk(emulator, stream());
		expectApiErrorWithoutOutput(result, 'AvatarTalk: Processing error: GPU worker crashed (close code 1011) [PROCESSING_ERROR]');
	});

	it('an abrupt drop mid-stream fails and returns nothing', async () => {
		emulator.addFault({ service: 'avatarTalk', path: '/ws/infer', fault: { kind: 'wsAbrupt', afterMessages: 2 }, times: 1 });
		const result = await runAvatarTalk(emulator, stream());
		expectApiErrorWithoutOutput(result, /dropped in the middle of the session/);
		expect(result.error?.message).toMatch(/^AvatarTalk: /);
	});

	it('a refused upgrade (HTTP 500) says the service refused the connection, with its status and message', async () => {
		emulator.addFault({
			service: 'avatarTalk',
			path: '/ws/infer',
			fault: { kind: 'wsRefuse', status: 500, body: { status: 'error', error_code: 'INFERENCE_FAILED', message: 'Inference processing failed' } },
		});
		const result = await runAvatarTalk(emulator, stream());
		expect(result.error?.error).toBeInstanceOf(NodeApiError);
		expect(result.error?.message).toBe(
			'AvatarTalk: The service refused the connection with HTTP 500: Inference processing failed; no session was opened [INFERENCE_FAILED]',
		);
		expect(result.error?.message).not.toMatch(/dropped/);
		expect(result.error?.httpCode).toBe('500');
		// The handshake, then the probe that learned the status: both to the credential's own
		// origin, with the key as the document asks, and no session opened.
		const attempts = connections();
		expect(attempts.map((r) => r.status)).toEqual([500, 500]);
		expect(attempts.every((r) => r.origin === emulator.urls.avatarTalk)).toBe(true);
		expect(attempts.map((r) => r.headers.authorization)).toEqual([`Bearer ${emulator.keys.avatarTalk}`, `Bearer ${emulator.keys.avatarTalk}`]);
		expect(sessions()).toHaveLength(0);
	});

	it('a refused upgrade with a 401 and no JSON body still names the status', async () => {
		emulator.addFault({ service: 'avatarTalk', path: '/ws/infer', fault: { kind: 'wsRefuse', status: 401 } });
		const result = await runAvatarTalk(emulator, stream());
		expect(result.error?.message).toBe('AvatarTalk: The service refused the connection with HTTP 401; no session was opened');
		expect(result.error?.httpCode).toBe('401');
	});

	it('a normal close before the MP4 is complete is not taken as success', async () => {
		emulator.addFault({ service: 'avatarTalk', path: '/ws/infer', fault: { kind: 'wsClose', code: 1000, reason: 'bye', afterMessages: 2 }, times: 1 });
		const result = await runAvatarTalk(emulator, stream());
		expectApiErrorWithoutOutput(result, /^AvatarTalk: The video stream ended without a complete MP4: the MP4 ends in the middle of a box: it was cut short\. Nothing partial was returned$/);
	});

	it('silence past the idle limit stops the session with a clear error', async () => {
		emulator.settings.avatarTalkWsHang = true;
		const started = Date.now();
		const result = await runAvatarTalk(emulator, stream({ options: { idleTimeoutSeconds: 1 } }));
		expectApiErrorWithoutOutput(result, 'AvatarTalk: No message from the server for 1 s; the session was stopped and nothing partial was returned');
		// the server never answers: only the 1 s idle limit ends it this early (generous for a busy machine)
		expect(Date.now() - started).toBeLessThan(10_000);
	});

	it('the session time limit applies even while data keeps coming', async () => {
		emulator.settings.avatarTalkChunkDelayMs = 400;
		const result = await runAvatarTalk(emulator, stream({ options: { sessionTimeoutSeconds: 1 } }));
		expectApiErrorWithoutOutput(result, 'AvatarTalk: The session ran past its time limit; it was stopped and nothing partial was returned');
	});

	it('a video beyond "Max Video Size (MB)" fails clearly', async () => {
		emulator.settings.avatarTalkWsVideoBytes = 3 * 1024 * 1024;
		emulator.settings.avatarTalkChunkDelayMs = 0;
		const result = await runAvatarTalk(emulator, stream({ options: { maxVideoSizeMb: 1 } }));
		expectApiErrorWithoutOutput(result, /^AvatarTalk: The video grew beyond the 1 MB allowed by "Max Video Size \(MB\)"; the session was stopped and nothing was returned$/);
		expect(result.error?.description).toMatch(/Raise "Max Video Size \(MB\)"/);
	});

	it('a large video within the cap is returned whole', async () => {
		emulator.settings.avatarTalkWsVideoBytes = 3 * 1024 * 1024;
		emulator.settings.avatarTalkChunkDelayMs = 0;
		const result = await runAvatarTalk(emulator, stream({ options: { maxVideoSizeMb: 4 } }));
		expect(result.error).toBeUndefined();
		const { bytes } = await outputBinary(result);
		expect(bytes.length).toBeGreaterThanOrEqual(3 * 1024 * 1024);
		expectMp4(bytes);
	});

	it('cancelling the execution closes the socket at once', async () => {
		emulator.settings.avatarTalkWsHang = true;
		const controller = new AbortController();
		let abortedAt = 0;
		let finished = false;
		// Stop once the socket is open (not after a fixed delay: a loaded machine may not have
		// connected yet, and then no socket would be there to close).
		void (async () => {
			while (!finished && sessions().length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
			abortedAt = Date.now();
			controller.abort();
		})();
		const result = await runAvatarTalk(emulator, stream(), { signal: controller.signal });
		finished = true;
		expect(result.status).toBe('canceled');
		expect(result.settled).toBe(true);
		// The hung socket would otherwise wait for the 30 s idle timeout; measured from the abort
		// with room for a loaded machine (starting the workflow is not what is measured).
		expect(Date.now() - abortedAt).toBeLessThan(10_000);
		// the server sees the close (event-driven: no fixed sleep)
		for (let i = 0; i < 500 && sessions()[0].closeCode === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 10));
		expect(sessions()[0].closeCode).toBeDefined();
	});
});
