/**
 * The MultiTalk stand-in itself, over plain HTTP: auth, validation, the plan's concurrency, rate
 * limits, presigned links, webhook retries/timeouts/duplicates and the control API. The node's
 * tests rely on these behaviours, so they are pinned here.
 */
import { maxOverlap, multiTalkState, validateGenerate } from '../../emulator/providers/multitalk';
import type { Emulator } from '../../emulator/server';
import { startMultiTalkEmulator, startReceiver, waitFor } from './helpers';

jest.setTimeout(30_000);

let emulator: Emulator;
let api: string;
const body = { prompt: 'hi', image_s3_url: 's3://my-bucket/p.png', audio_s3_urls: 's3://my-bucket/a.wav' };

beforeAll(async () => {
	emulator = await startMultiTalkEmulator();
	api = emulator.urls.multiTalk;
});
afterAll(async () => {
	await emulator.close();
});
beforeEach(() => {
	multiTalkState(emulator).reset();
	emulator.clearLog();
	for (const key of Object.keys(emulator.settings)) if (!['multiTalkPendingMs', 'multiTalkJobMs', 'multiTalkWebhookBackoffMs'].includes(key)) delete emulator.settings[key];
	emulator.settings.multiTalkWebhookBackoffMs = 20;
});

async function call(method: string, path: string, payload?: unknown, key = emulator.keys.multiTalk) {
	const response = await fetch(`${api}${path}`, {
		method,
		headers: { authorization: `Bearer ${key}`, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
		body: payload === undefined ? undefined : typeof payload === 'string' ? payload : JSON.stringify(payload),
	});
	return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

it('every endpoint wants the Bearer key: the documented 401 body', async () => {
	for (const [method, path] of [['GET', '/health'], ['GET', '/jobs'], ['GET', '/jobs/x'], ['DELETE', '/jobs/x'], ['GET', '/jobs/x/download'], ['POST', '/generate'], ['POST', '/webhook-test']]) {
		const answer = await call(method, path, undefined, 'nope');
		expect(answer.status).toBe(401);
		expect(answer.body).toEqual({ error: 'Unauthorized', detail: 'Invalid or missing API key', request_id: expect.stringMatching(/^req_/) });
	}
});

it('validates /generate as documented', () => {
	expect(validateGenerate(body)).toBeUndefined();
	expect(validateGenerate({ ...body, audio_s3_urls: [body.audio_s3_urls, 's3://my-bucket/b.wav'], options: { resolution: '720p', sample_steps: 50, audio_type: 'para', audio_cfg: 3, color_correction: 1 } })).toBeUndefined();
	expect(validateGenerate({ ...body, prompt: '' })).toMatch(/^prompt/);
	expect(validateGenerate({ ...body, image_s3_url: 'http://x/p.png' })).toMatch(/^image_s3_url/);
	expect(validateGenerate({ ...body, audio_s3_urls: [] })).toMatch(/^audio_s3_urls/);
	expect(validateGenerate({ ...body, options: { sample_steps: 60 } })).toMatch(/sample_steps/);
	expect(validateGenerate({ ...body, options: { audio_cfg: 6 } })).toMatch(/audio_cfg/);
	expect(validateGenerate({ ...body, options: { color_correction: 2 } })).toMatch(/color_correction/);
	expect(validateGenerate({ ...body, options: { resolution: '1080p' } })).toMatch(/resolution/);
	expect(validateGenerate({ ...body, webhook_url: 'ftp://x' })).toMatch(/webhook_url/);
});

it('answers bad input with 400 and the documented error body', async () => {
	const answer = await call('POST', '/generate', { ...body, options: { sample_steps: 60 } });
	expect(answer.status).toBe(400);
	expect(answer.body).toMatchObject({ error: 'Bad Request', detail: 'options.sample_steps: must be an integer from 10 to 50' });
	expect((await call('POST', '/generate', '{"prompt": ')).body.detail).toBe('Request body is not valid JSON');
	expect((await call('GET', '/jobs?limit=101')).status).toBe(400);
	expect((await call('GET', '/jobs/x/download?expiration=86401')).status).toBe(400);
});

it('runs at most the plan’s concurrent jobs; the rest stay pending until a slot frees', async () => {
	emulator.settings.multiTalkConcurrentJobs = 3;
	// The first three never finish on their own (#stuck), so the counts below do not depend on how
	// fast the machine is; cancelling them frees their slots, and the rest finish as usual.
	const stuck: string[] = [];
	const ids: string[] = [];
	for (let i = 0; i < 3; i++) stuck.push(String((await call('POST', '/generate', { ...body, prompt: 'x #stuck' })).body.job_id));
	for (let i = 0; i < 4; i++) ids.push(String((await call('POST', '/generate', body)).body.job_id));
	await waitFor(() => multiTalkState(emulator).processingNow === 3 && ids.every((id) => multiTalkState(emulator).jobs.get(id)!.queued));
	const listed = (await call('GET', '/jobs?limit=100')).body.jobs as Array<{ job_id: string; status: string }>;
	expect(listed.filter((j) => j.status === 'processing').map((j) => j.job_id).sort()).toEqual([...stuck].sort());
	expect(listed.filter((j) => j.status === 'pending').map((j) => j.job_id).sort()).toEqual([...ids].sort());
	for (const id of stuck) expect((await call('DELETE', `/jobs/${id}`)).status).toBe(200);
	await waitFor(() => ids.every((id) => multiTalkState(emulator).jobs.get(id)!.status === 'completed'));
	const state = multiTalkState(emulator);
	expect(state.maxProcessing).toBe(3);
	expect(maxOverlap([...state.jobs.values()], 'startedAt')).toBe(3);
	const stats = await (await fetch(`${emulator.url('multiTalk')}/__emulator/multitalk/stats`)).json();
	expect(stats).toMatchObject({ jobs: 7, processingNow: 0, maxProcessing: 3 });
	// the fourth normal job started only when one of the first three normal ones completed
	const started = ids.map((id) => state.jobs.get(id)!.timeline);
	const last = started.reduce((a, b) => ((a.startedAt ?? 0) > (b.startedAt ?? 0) ? a : b));
	expect(started.some((t) => t !== last && (t.finishedAt ?? Infinity) <= (last.startedAt ?? 0))).toBe(true);
});

it('rate limit: 429 with Retry-After and the documented body once over the limit', async () => {
	emulator.settings.multiTalkRateLimit = 3;
	emulator.settings.multiTalkRateWindowMs = 2000;
	const statuses: Array<Awaited<ReturnType<typeof call>>> = [];
	for (let i = 0; i < 5; i++) statuses.push(await call('GET', '/health'));
	expect(statuses.map((s) => s.status)).toEqual([200, 200, 200, 429, 429]);
	expect(statuses[3].headers.get('retry-after')).toMatch(/^[12]$/);
	expect(statuses[3].body).toMatchObject({ error: 'Too Many Requests', detail: 'Rate limit exceeded: 3 requests per 2 seconds' });
	await new Promise((r) => setTimeout(r, Number(statuses[3].headers.get('retry-after')) * 1000 + 50));
	expect((await call('GET', '/health')).status).toBe(200);
});

it('presigned links expire', async () => {
	const id = String((await call('POST', '/generate', body)).body.job_id);
	await waitFor(() => multiTalkState(emulator).jobs.get(id)?.status === 'completed');
	const link = await call('GET', `/jobs/${id}/download?expiration=1`);
	expect((await fetch(String(link.body.download_url))).status).toBe(200);
	await new Promise((r) => setTimeout(r, 1100));
	expect((await fetch(String(link.body.download_url))).status).toBe(403);
});

describe('webhooks', () => {
	it('retries 3 times with exponential backoff when the receiver fails', async () => {
		const receiver = await startReceiver(() => 500);
		try {
			await call('POST', '/generate', { ...body, webhook_url: `${receiver.url}/hook` });
			await waitFor(() => receiver.calls.length === 4);
			await multiTalkState(emulator).idle();
			const gaps = receiver.calls.slice(1).map((c, i) => c.at - receiver.calls[i].at);
			expect(gaps[0]).toBeGreaterThanOrEqual(18);
			expect(gaps[1]).toBeGreaterThanOrEqual(38);
			expect(gaps[2]).toBeGreaterThanOrEqual(78);
			expect(receiver.calls.every((c) => c.method === 'POST' && c.headers['content-type'] === 'application/json')).toBe(true);
			const sent = JSON.parse(receiver.calls[0].body);
			expect(Object.keys(sent).sort()).toEqual(['error', 'job_id', 'result', 'status', 'timestamp']);
			expect(sent).toMatchObject({ status: 'completed', error: null, result: { success: true } });
			expect(multiTalkState(emulator).webhookAttempts.map((a) => [a.attempt, a.httpStatus, a.ok])).toEqual([
				[1, 500, false],
				[2, 500, false],
				[3, 500, false],
				[4, 500, false],
			]);
		} finally {
			await receiver.close();
		}
	});

	it('gives up on an attempt after the timeout', async () => {
		emulator.settings.multiTalkWebhookTimeoutMs = 150;
		emulator.settings.multiTalkWebhookRetries = 1;
		const hanging = (await import('node:http')).createServer(() => undefined);
		hanging.listen(0, '127.0.0.1');
		await new Promise((r) => hanging.once('listening', r));
		const url = `http://127.0.0.1:${(hanging.address() as { port: number }).port}/hook`;
		try {
			await call('POST', '/generate', { ...body, webhook_url: url });
			await waitFor(() => multiTalkState(emulator).webhookAttempts.length === 2);
			const attempts = multiTalkState(emulator).webhookAttempts;
			expect(attempts.every((a) => !a.ok && /timed out after 150 ms/.test(a.error ?? ''))).toBe(true);
		} finally {
			hanging.closeAllConnections();
			hanging.close();
		}
	});

	it('delivers each event several times when asked, at once or one after the other', async () => {
		const receiver = await startReceiver();
		try {
			emulator.settings.multiTalkWebhookDuplicates = 3;
			emulator.settings.multiTalkWebhookConcurrentDuplicates = true;
			await call('POST', '/generate', { ...body, webhook_url: receiver.url });
			await waitFor(() => receiver.calls.length === 3);
			// the stand-in records an attempt once its answer is read, after the receiver saw it
			await multiTalkState(emulator).idle();
			expect(receiver.calls).toHaveLength(3);
			expect(new Set(receiver.calls.map((c) => c.body)).size).toBe(1);
			expect(multiTalkState(emulator).webhookAttempts.map((a) => a.delivery).sort()).toEqual([1, 2, 3]);
		} finally {
			await receiver.close();
		}
	});

	it('a cancelled job sends its webhook too', async () => {
		const receiver = await startReceiver();
		try {
			const id = String((await call('POST', '/generate', { ...body, prompt: 'x #stuck', webhook_url: receiver.url })).body.job_id);
			expect((await call('DELETE', `/jobs/${id}`)).body).toEqual({ job_id: id, status: 'cancelled', message: 'Job cancelled' });
			await waitFor(() => receiver.calls.length === 1);
			expect(JSON.parse(receiver.calls[0].body)).toMatchObject({ job_id: id, status: 'cancelled', result: null });
		} finally {
			await receiver.close();
		}
	});
});

it('settings can be changed over the control API', async () => {
	const answer = await fetch(`${emulator.url('multiTalk')}/__emulator/multitalk/settings`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ multiTalkJobMs: 42 }),
	});
	expect(answer.status).toBe(200);
	expect(emulator.settings.multiTalkJobMs).toBe(42);
	emulator.settings.multiTalkJobMs = 300;
});
