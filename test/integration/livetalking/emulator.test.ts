/**
 * The avatar-streaming stand-in itself, spoken to directly: the FastAPI-style 422 lists a real
 * backend returns for requests the node never sends (it validates first), the auth rules, the
 * recording state machine and the "server unavailable" switch of the control API.
 */
import { LIVETALKING_NO_RECORDING, LIVETALKING_UNAVAILABLE } from '../../emulator/providers/livetalking';
import type { Emulator } from '../../emulator/server';
import { startEmulator } from '../../emulator/server';
import { useEmulator } from '../../helpers/emulatorSetup';

let emulator: Emulator;
let base: string;
let auth: Record<string, string>;

useEmulator(
	startEmulator,
	(e) => {
		emulator = e;
		base = `${e.urls.liveTalking}/api/v1/avatar`;
		auth = { authorization: `Bearer ${e.keys.liveTalking}`, 'content-type': 'application/json' };
	},
	{ reset: (e) => (e.settings.liveTalkingUp = true) },
);

async function post(path: string, body: unknown, headers = auth) {
	const response = await fetch(`${base}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
	return { status: response.status, body: (await response.json()) as { detail: unknown } & Record<string, unknown> };
}

describe('LiveTalking stand-in · validation (422, pydantic v2 shapes)', () => {
	it.each([
		[{ session_id: 1, text: '' }, [{ type: 'string_too_short', loc: ['body', 'text'], msg: 'String should have at least 1 character' }]],
		[{ session_id: 1, text: 'a'.repeat(5001) }, [{ type: 'string_too_long', loc: ['body', 'text'], msg: 'String should have at most 5000 characters' }]],
		[{ session_id: 'abc', text: 'hi' }, [{ type: 'int_parsing', loc: ['body', 'session_id'], msg: 'Input should be a valid integer, unable to parse string as an integer' }]],
		[{ session_id: 1.5, text: 'hi' }, [{ type: 'int_from_float', loc: ['body', 'session_id'] }]],
		[{ session_id: 1, text: 'hi', interrupt: 'maybe' }, [{ type: 'bool_parsing', loc: ['body', 'interrupt'] }]],
		[{}, [{ type: 'missing', loc: ['body', 'session_id'], msg: 'Field required' }, { type: 'missing', loc: ['body', 'text'], msg: 'Field required' }]],
	])('send-text %j -> 422', async (body, detail) => {
		const response = await post('/send-text', body);
		expect(response.status).toBe(422);
		expect(response.body.detail).toEqual(detail.map((d) => expect.objectContaining(d)));
	});

	it('lax mode like pydantic: "42" is an integer, "false" a boolean; 5000 emoji fit', async () => {
		expect((await post('/send-text', { session_id: '42', text: 'hi', interrupt: 'false' })).status).toBe(200);
		expect((await post('/send-text', { session_id: 1, text: '😀'.repeat(5000) })).status).toBe(200);
	});

	it('recording: action must be start or stop; title at most 255 characters; broken JSON', async () => {
		const action = await post('/recording', { session_id: 1, action: 'pause' });
		expect(action.status).toBe(422);
		expect(action.body.detail).toEqual([expect.objectContaining({ type: 'literal_error', loc: ['body', 'action'], msg: "Input should be 'start' or 'stop'" })]);
		const title = await post('/recording/download', { session_id: 1, title: 'x'.repeat(256) });
		expect(title.body.detail).toEqual([expect.objectContaining({ type: 'string_too_long', loc: ['body', 'title'], msg: 'String should have at most 255 characters' })]);
		const broken = await post('/send-text', '{"session_id": 1,');
		expect(broken.status).toBe(422);
		expect(broken.body.detail).toEqual([expect.objectContaining({ type: 'json_invalid', msg: 'JSON decode error' })]);
	});
});

describe('LiveTalking stand-in · auth, state and availability', () => {
	it('401 {detail} without or with a wrong token; health needs none', async () => {
		const missing = await post('/send-text', { session_id: 1, text: 'hi' }, { 'content-type': 'application/json' });
		expect(missing).toEqual({ status: 401, body: { detail: 'Not authenticated' } });
		const wrong = await post('/send-text', { session_id: 1, text: 'hi' }, { authorization: 'Bearer nope', 'content-type': 'application/json' });
		expect(wrong).toEqual({ status: 401, body: { detail: 'Invalid or expired Firebase token' } });
		const health = await fetch(`${base}/health`);
		expect(health.status).toBe(200);
	});

	it('download needs a stopped recording; each download is a new S3 object', async () => {
		expect(await post('/recording/download', { session_id: 77 })).toEqual({ status: 404, body: { detail: LIVETALKING_NO_RECORDING } });
		await post('/recording', { session_id: 77, action: 'start' });
		expect((await post('/recording/download', { session_id: 77 })).status).toBe(404);
		await post('/recording', { session_id: 77, action: 'stop' });
		const first = await post('/recording/download', { session_id: 77, title: 'A' });
		const second = await post('/recording/download', { session_id: 77 });
		expect(first.status).toBe(200);
		expect(second.body.recording_id).not.toBe(first.body.recording_id);
		const file = await fetch(first.body.download_url as string);
		expect(file.status).toBe(200);
		expect(file.headers.get('content-type')).toBe('video/mp4');
	});

	it('the control route switches LiveTalking off and on (503 with the documented body)', async () => {
		const control = (up: boolean) =>
			fetch(`${emulator.urls.liveTalking}/__emulator/livetalking/server`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ up }) });
		expect((await control(false)).status).toBe(200);
		expect(await post('/send-text', { session_id: 1, text: 'hi' })).toEqual({ status: 503, body: { detail: LIVETALKING_UNAVAILABLE } });
		expect(await (await fetch(`${base}/health`)).json()).toEqual({ livetalking_available: false, livetalking_url: 'http://localhost:8010' });
		// Validation still comes first, as in FastAPI.
		expect((await post('/send-text', { session_id: 1, text: '' })).status).toBe(422);
		await control(true);
		expect((await post('/send-text', { session_id: 1, text: 'hi' })).status).toBe(200);
	});
});
