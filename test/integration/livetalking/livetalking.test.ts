/**
 * LiveTalking node against the emulator's avatar-streaming backend: every operation, validation
 * rule and documented error (401, 404, 422, 503), through n8n-core's engine, with the request
 * log checked (what was sent, which headers reached which origin).
 */
import type { INodeParameters } from 'n8n-workflow';

import { fixture } from '../../emulator/media';
import { LIVETALKING_NO_RECORDING, LIVETALKING_UNAVAILABLE, LIVETALKING_USER_ID } from '../../emulator/providers/livetalking';
import type { Emulator } from '../../emulator/server';
import { startEmulator } from '../../emulator/server';
import { runWorkflow } from '../../harness';
import { useEmulator } from '../../helpers/emulatorSetup';
import type { RunResult } from '../../harness';
import { expectApiError, expectInputError, singleNode } from '../musetalk/helpers';

let emulator: Emulator;
let token: string;

useEmulator(
	startEmulator,
	(e) => {
		emulator = e;
		token = e.keys.liveTalking;
	},
	{ reset: (e) => (e.settings.liveTalkingUp = true) },
);

let nextSession = 1000;
const newSessionId = () => nextSession++;

async function run(parameters: INodeParameters, options: { firebaseToken?: string; baseUrl?: string; maxAttempts?: number } = {}): Promise<RunResult> {
	return await runWorkflow(singleNode('liveTalking', { requestSettings: { maxAttempts: options.maxAttempts ?? 1 }, ...parameters }), {
		credentials: {
			liveTalkingApi: { baseUrl: options.baseUrl ?? emulator.urls.liveTalking, firebaseToken: options.firebaseToken ?? token },
		},
	});
}

const backend = (path?: string | RegExp) => emulator.requests({ service: 'liveTalking', path });
const bodyOf = (index = 0, path?: string) => JSON.parse(backend(path)[index].body) as Record<string, unknown>;

async function record(sessionId: number, action: 'start' | 'stop') {
	const result = await run({ resource: 'recording', operation: action, sessionId: String(sessionId) });
	expect(result.error).toBeUndefined();
	return result;
}

describe('LiveTalking · Session → Get URLs', () => {
	it('returns the WebRTC, human and record URLs, sending the Firebase token', async () => {
		const result = await run({ resource: 'session', operation: 'getUrls' });
		expect(result.error).toBeUndefined();
		expect(result.json('LiveTalking')).toEqual([
			{ webrtc_url: 'http://localhost:8010/offer', human_url: 'http://localhost:8010/human', record_url: 'http://localhost:8010/record' },
		]);
		const [request] = backend();
		expect(request).toMatchObject({ method: 'GET', path: '/api/v1/avatar/session' });
		expect(request.headers.authorization).toBe(`Bearer ${token}`);
	});

	it('accepts a Base URL that already ends in /api/v1/avatar', async () => {
		const result = await run({ resource: 'session', operation: 'getUrls' }, { baseUrl: `${emulator.urls.liveTalking}/api/v1/avatar/` });
		expect(result.error).toBeUndefined();
		expect(backend()[0].path).toBe('/api/v1/avatar/session');
	});

	it('a bad token is the 401 {detail}, with advice about expired Firebase tokens', async () => {
		const result = await run({ resource: 'session', operation: 'getUrls' }, { firebaseToken: 'expired-token' });
		const error = expectApiError(result, '401');
		expect(error.message).toBe('LiveTalking: Invalid or expired Firebase token');
		expect(error.description).toContain('Firebase ID tokens last one hour');
		expect(JSON.stringify(result.error?.stored)).not.toContain('expired-token');
	});
});

describe('LiveTalking · Session → Send Text', () => {
	it('sends {session_id (integer), text, interrupt: true}', async () => {
		const result = await run({ resource: 'session', operation: 'sendText', sessionId: '123456789', text: 'Hello, welcome to our platform!' });
		expect(result.error).toBeUndefined();
		expect(result.json('LiveTalking')).toEqual([{ session_id: 123456789, success: true, message: 'Text sent successfully' }]);
		const [request] = backend();
		expect(request).toMatchObject({ method: 'POST', path: '/api/v1/avatar/send-text', status: 200 });
		expect(request.headers.authorization).toBe(`Bearer ${token}`);
		expect(bodyOf()).toEqual({ session_id: 123456789, text: 'Hello, welcome to our platform!', interrupt: true });
	});

	it('sends interrupt: false, and a Session ID mapped as a number', async () => {
		const result = await run({ resource: 'session', operation: 'sendText', sessionId: '={{ 42 }}', text: 'After the current sentence.', interrupt: false });
		expect(result.error).toBeUndefined();
		expect(bodyOf()).toEqual({ session_id: 42, text: 'After the current sentence.', interrupt: false });
	});

	it('counts characters as the backend does: 5,000 emoji are accepted', async () => {
		const text = '😀'.repeat(5000);
		const result = await run({ resource: 'session', operation: 'sendText', sessionId: '7', text });
		expect(result.error).toBeUndefined();
		expect(bodyOf().text).toBe(text);
	});

	it('"LiveTalking server unavailable" (503) is a clear, actionable error', async () => {
		emulator.settings.liveTalkingUp = false;
		const result = await run({ resource: 'session', operation: 'sendText', sessionId: '7', text: 'Anyone there?' });
		const error = expectApiError(result, '503');
		expect(error.message).toBe(`LiveTalking: ${LIVETALKING_UNAVAILABLE}`);
		expect(error.description).toMatch(/cannot reach its LiveTalking server.*Start LiveTalking.*Service → Health/);
	});

	it('a 503 is retried (the backend did nothing) and succeeds once LiveTalking is back', async () => {
		emulator.addFault({
			service: 'liveTalking',
			path: '/api/v1/avatar/send-text',
			fault: { kind: 'status', status: 503, body: { detail: LIVETALKING_UNAVAILABLE } },
			times: 1,
		});
		const result = await run({ resource: 'session', operation: 'sendText', sessionId: '7', text: 'Second try.' }, { maxAttempts: 2 });
		expect(result.error).toBeUndefined();
		expect(backend('/api/v1/avatar/send-text').map((r) => r.status)).toEqual([503, 200]);
	});

	it('a 422 validation list is shown field by field', async () => {
		emulator.addFault({
			service: 'liveTalking',
			path: '/api/v1/avatar/send-text',
			fault: {
				kind: 'status',
				status: 422,
				body: {
					detail: [
						{ loc: ['body', 'text'], msg: 'String should have at least 1 character', type: 'string_too_short' },
						{ loc: ['body', 'session_id'], msg: 'Input should be a valid integer', type: 'int_type' },
					],
				},
			},
			times: 1,
		});
		const result = await run({ resource: 'session', operation: 'sendText', sessionId: '7', text: 'Hi' });
		const error = expectApiError(result, '422');
		expect(error.message).toBe(
			'LiveTalking: text: String should have at least 1 character; session_id: Input should be a valid integer [string_too_short]',
		);
		expect(error.description).toContain('rejected the request fields');
	});

	it.each([
		['an empty Text', { text: '={{ "" }}' }, 'Text: must not be empty'],
		['a blank Text', { text: '   ' }, 'Text: must not be empty'],
		['a Text of 5,001 characters', { text: 'a'.repeat(5001) }, 'Text: is 5001 characters long, more than the 5000 allowed'],
		['an empty Session ID', { sessionId: '={{ "" }}' }, 'Session ID: is required'],
		['a Session ID that is not a number', { sessionId: 'abc' }, 'Session ID: "abc" is not a whole number'],
		['a fractional Session ID', { sessionId: '1.5' }, 'Session ID: 1.5 is not a whole number'],
		['a negative Session ID', { sessionId: '-3' }, 'Session ID: -3 is out of range'],
		['a Session ID in exponent notation', { sessionId: '1e3' }, 'Session ID: "1e3" is not a whole number'],
		['a Session ID beyond the safe integer range', { sessionId: '9007199254740993' }, 'Session ID: 9007199254740992 is out of range'],
	])('refuses %s before sending anything', async (_label, parameters, message) => {
		const result = await run({ resource: 'session', operation: 'sendText', sessionId: '7', text: 'Hello', ...parameters });
		const error = expectInputError(result, message);
		expect(error.description).toMatch(/^Allowed: /);
		expect(backend()).toHaveLength(0);
	});

	it('accepts exactly 5,000 characters and Session ID 0', async () => {
		const result = await run({ resource: 'session', operation: 'sendText', sessionId: '0', text: 'b'.repeat(5000) });
		expect(result.error).toBeUndefined();
		expect(bodyOf()).toMatchObject({ session_id: 0 });
	});
});

describe('LiveTalking · Recording → Start, Stop, Download', () => {
	it('start -> stop -> download: recording id, presigned URL, S3 key and the MP4, fetched without credentials', async () => {
		const sessionId = newSessionId();
		const start = await record(sessionId, 'start');
		expect(start.json('LiveTalking')).toEqual([{ session_id: sessionId, action: 'start', success: true, message: 'Recording started' }]);
		const stop = await record(sessionId, 'stop');
		expect(stop.json('LiveTalking')).toEqual([{ session_id: sessionId, action: 'stop', success: true, message: 'Recording stopped' }]);
		expect(backend('/api/v1/avatar/recording').map((r) => JSON.parse(r.body))).toEqual([
			{ session_id: sessionId, action: 'start' },
			{ session_id: sessionId, action: 'stop' },
		]);

		const result = await run({ resource: 'recording', operation: 'download', sessionId: String(sessionId), title: 'Demo Recording' });
		expect(result.error).toBeUndefined();
		const [item] = result.items('LiveTalking');
		expect(item.json).toEqual({
			session_id: sessionId,
			title: 'Demo Recording',
			success: true,
			message: 'Recording downloaded and saved',
			recording_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
			download_url: expect.stringContaining(`${emulator.url('s3')}/avatar-recordings/`),
			s3_key: expect.stringMatching(new RegExp(`^avatar-recordings/${LIVETALKING_USER_ID}/[0-9a-f-]{36}\\.mp4$`)),
		});
		expect(item.json.s3_key).toBe(`avatar-recordings/${LIVETALKING_USER_ID}/${item.json.recording_id as string}.mp4`);
		const video = item.binary?.data;
		expect(video).toMatchObject({ mimeType: 'video/mp4', fileName: `${item.json.recording_id as string}.mp4` });
		expect((await result.readBinary(video!)).equals(fixture('sample.mp4'))).toBe(true);

		const [download] = backend('/api/v1/avatar/recording/download');
		expect(JSON.parse(download.body)).toEqual({ session_id: sessionId, title: 'Demo Recording' });
		expect(download.headers.authorization).toBe(`Bearer ${token}`);
		const s3 = emulator.requests({ service: 's3' });
		expect(s3).toHaveLength(1);
		expect(s3[0]).toMatchObject({ method: 'GET', path: `/${item.json.s3_key as string}`, status: 200 });
		expect(s3[0].headers.authorization).toBeUndefined();
		expect(JSON.stringify(s3[0].headers)).not.toContain(token);
	});

	it('without a title sends only the session ID; Download Video off returns the link only', async () => {
		const sessionId = newSessionId();
		await record(sessionId, 'start');
		await record(sessionId, 'stop');
		emulator.clearLog();
		const result = await run({ resource: 'recording', operation: 'download', sessionId: String(sessionId), downloadFile: false });
		expect(result.error).toBeUndefined();
		expect(bodyOf()).toEqual({ session_id: sessionId });
		expect(result.items('LiveTalking')[0].binary).toBeUndefined();
		expect(result.json('LiveTalking')[0].download_url).toEqual(expect.stringContaining(emulator.url('s3')));
		expect(emulator.requests({ service: 's3' })).toHaveLength(0);
	});

	it('puts the recording in the chosen Put Video in Field', async () => {
		const sessionId = newSessionId();
		await record(sessionId, 'start');
		await record(sessionId, 'stop');
		const result = await run({ resource: 'recording', operation: 'download', sessionId: String(sessionId), binaryPropertyName: 'recording' });
		expect(result.error).toBeUndefined();
		const binary = result.items('LiveTalking')[0].binary?.recording;
		expect(binary?.mimeType).toBe('video/mp4');
		expect((await result.readBinary(binary!)).equals(fixture('sample.mp4'))).toBe(true);
	});

	it.each([
		['never recorded', [] as Array<'start' | 'stop'>],
		['still recording (not stopped)', ['start'] as Array<'start' | 'stop'>],
		['stopped without starting', ['stop'] as Array<'start' | 'stop'>],
	])('download when %s is the documented 404, telling to stop recording first', async (_label, steps) => {
		const sessionId = newSessionId();
		for (const step of steps) await record(sessionId, step);
		const result = await run({ resource: 'recording', operation: 'download', sessionId: String(sessionId) });
		const error = expectApiError(result, '404');
		expect(error.message).toBe(`LiveTalking: ${LIVETALKING_NO_RECORDING}`);
		expect(error.description).toContain('Run Recording → Stop with the same Session ID first');
		expect(emulator.requests({ service: 's3' })).toHaveLength(0);
	});

	it('an expired download link is a clear error (S3 answers 403)', async () => {
		const sessionId = newSessionId();
		await record(sessionId, 'start');
		await record(sessionId, 'stop');
		emulator.settings.liveTalkingLinkExpiresSeconds = 0;
		try {
			await new Promise((resolve) => setTimeout(resolve, 5));
			const result = await run({ resource: 'recording', operation: 'download', sessionId: String(sessionId) });
			const error = expectApiError(result, '403');
			expect(error.description).toContain('presigned links expire');
			expect(error.description).toMatch(new RegExp(`saved to S3 \\(s3_key avatar-recordings/${LIVETALKING_USER_ID}/[0-9a-f-]{36}\\.mp4, recording_id [0-9a-f-]{36}\\)`));
			expect(emulator.requests({ service: 's3' })[0].status).toBe(403);
		} finally {
			delete emulator.settings.liveTalkingLinkExpiresSeconds;
		}
	});

	it.each(['start', 'stop', 'download'])('%s: "LiveTalking server unavailable" is the 503 with advice', async (operation) => {
		emulator.settings.liveTalkingUp = false;
		const result = await run({ resource: 'recording', operation, sessionId: '5' });
		const error = expectApiError(result, '503');
		expect(error.message).toBe(`LiveTalking: ${LIVETALKING_UNAVAILABLE}`);
		expect(error.description).toContain('Start LiveTalking');
	});

	it.each(['start', 'stop', 'download'])('%s: a bad token is the 401', async (operation) => {
		const result = await run({ resource: 'recording', operation, sessionId: '5' }, { firebaseToken: 'nope' });
		expect(expectApiError(result, '401').message).toBe('LiveTalking: Invalid or expired Firebase token');
	});

	it.each([
		['start', { sessionId: 'x1' }, 'Session ID: "x1" is not a whole number'],
		['stop', { sessionId: '-1' }, 'Session ID: -1 is out of range'],
		['download', { sessionId: '2.5' }, 'Session ID: 2.5 is not a whole number'],
		['download', { sessionId: '5', title: 't'.repeat(256) }, 'Title: is 256 characters long, more than the 255 allowed'],
		['download', { sessionId: '5', binaryPropertyName: '={{ "" }}' }, 'Put Video in Field: is required'],
		['download', { sessionId: '5', binaryPropertyName: 'my file' }, 'Put Video in Field: "my file" is not a usable binary field name'],
		['start', { sessionId: '={{ "" }}' }, 'Session ID: is required'],
	])('%s refuses %j before sending anything', async (operation, parameters, message) => {
		const result = await run({ resource: 'recording', operation, ...parameters });
		expectInputError(result, message);
		expect(backend()).toHaveLength(0);
	});

	it('accepts a title of exactly 255 characters', async () => {
		const sessionId = newSessionId();
		await record(sessionId, 'start');
		await record(sessionId, 'stop');
		emulator.clearLog();
		const title = 'T'.repeat(255);
		const result = await run({ resource: 'recording', operation: 'download', sessionId: String(sessionId), title, downloadFile: false });
		expect(result.error).toBeUndefined();
		expect(bodyOf()).toEqual({ session_id: sessionId, title });
	});
});

describe('LiveTalking · Service → Health', () => {
	it('is sent without the Firebase token and reports availability', async () => {
		const result = await run({ resource: 'service', operation: 'health' });
		expect(result.error).toBeUndefined();
		expect(result.json('LiveTalking')).toEqual([{ livetalking_available: true, livetalking_url: 'http://localhost:8010' }]);
		const [request] = backend();
		expect(request).toMatchObject({ method: 'GET', path: '/api/v1/avatar/health' });
		expect(request.headers.authorization).toBeUndefined();
	});

	it('works with an invalid token (none is sent) and reports an unavailable LiveTalking server', async () => {
		emulator.settings.liveTalkingUp = false;
		const result = await run({ resource: 'service', operation: 'health' }, { firebaseToken: 'garbage' });
		expect(result.error).toBeUndefined();
		expect(result.json('LiveTalking')).toEqual([{ livetalking_available: false, livetalking_url: 'http://localhost:8010' }]);
		expect(backend()[0].headers.authorization).toBeUndefined();
	});
});
