import { NodeApiError } from 'n8n-workflow';

import { cleanupHarness, getRuntime, runWorkflow } from '../../harness';
import type { ProbeSpec } from '../../helpers/probeNode';
import { PROBE_TYPE, ProbeNode, probeWorkflow } from '../../helpers/probeNode';
import { hang, json, raw, reset, scriptedServer, truncated } from '../../helpers/scriptedServer';

jest.setTimeout(60_000);

const KEY = 'probe-key-3f9a';
type Server = Awaited<ReturnType<typeof scriptedServer>>;

describe('shared transport inside the real engine', () => {
	let api: Server;
	let other: Server; // a different origin: presigned links, redirects elsewhere

	beforeAll(async () => {
		api = await scriptedServer();
		other = await scriptedServer();
	});
	afterAll(async () => {
		await api.close();
		await other.close();
		await cleanupHarness();
	});
	beforeEach(() => {
		api.seen.length = 0;
		other.seen.length = 0;
	});

	const run = (spec: ProbeSpec, opts: { items?: number; concurrency?: number; continueOnFail?: boolean; signal?: AbortSignal } = {}) =>
		runWorkflow(probeWorkflow(spec, opts), {
			credentials: { multiTalkApi: { apiKey: KEY, baseUrl: api.url } },
			nodeTypes: { [PROBE_TYPE]: new ProbeNode() },
			inputItems: Array.from({ length: opts.items ?? 1 }, (_, i) => ({ json: { i } })),
			signal: opts.signal,
		});

	it('retries 503 on a GET, honouring Retry-After in seconds', async () => {
		api.script('/a', json(503, { error: 'Unavailable', detail: 'busy' }, { 'retry-after': '1' }), json(200, { ok: true }));
		const result = await run({ method: 'GET', url: '/a' });
		expect(result.status).toBe('success');
		expect(result.json('Probe')).toEqual([{ statusCode: 200, body: { ok: true } }]);
		expect(api.seen).toHaveLength(2);
		expect(api.seen[1].at - api.seen[0].at).toBeGreaterThanOrEqual(950);
	});

	it('honours Retry-After given as an HTTP date', async () => {
		const date = new Date(Date.now() + 2000).toUTCString();
		api.script('/date', json(429, { error: 'Too Many Requests', detail: 'slow down' }, { 'retry-after': date }), json(200, { ok: 1 }));
		const result = await run({ method: 'GET', url: '/date' });
		expect(result.status).toBe('success');
		expect(api.seen[1].at - api.seen[0].at).toBeGreaterThanOrEqual(900);
	});

	it('fails clearly when Retry-After exceeds the configured cap instead of waiting', async () => {
		api.script('/cap', json(429, { error: 'Too Many Requests', detail: 'Rate limit exceeded' }, { 'retry-after': '3600' }));
		const started = Date.now();
		const result = await run({ method: 'GET', url: '/cap', limits: { maxRetryAfterMs: 5000 } });
		expect(Date.now() - started).toBeLessThan(5000);
		expect(result.status).toBe('error');
		expect(result.error?.message).toContain('Rate limit exceeded');
		expect(result.error?.message).toContain('asked to wait 3600 s');
		expect(result.error?.httpCode).toBe('429');
		expect(api.seen).toHaveLength(1);
	});

	it('never repeats a request that may have started paid work after a 500 or a reset', async () => {
		api.script('/paid', json(500, { error: 'Internal Server Error', detail: 'GPU crashed', request_id: 'req_9' }));
		const failed = await run({ method: 'POST', url: '/paid', body: { prompt: 'x' }, idempotent: false });
		expect(failed.status).toBe('error');
		expect(failed.error?.error).toBeInstanceOf(NodeApiError);
		expect(failed.error?.message).toBe('Probe: GPU crashed [Internal Server Error]');
		expect(failed.error?.httpCode).toBe('500');
		expect(api.seen).toHaveLength(1);

		api.seen.length = 0;
		api.script('/paid-reset', reset, json(200, { job: 1 }));
		const dropped = await run({ method: 'POST', url: '/paid-reset', body: {}, idempotent: false });
		expect(dropped.status).toBe('error');
		expect(api.seen).toHaveLength(1);
	});

	it('does repeat a paid request the server refused (429), after Retry-After', async () => {
		api.script('/refused', json(429, { error: 'Too Many Requests', detail: 'wait' }, { 'retry-after': '0' }), json(200, { job_id: 'j1' }));
		const result = await run({ method: 'POST', url: '/refused', body: {}, idempotent: false });
		expect(result.status).toBe('success');
		expect(api.seen).toHaveLength(2);
	});

	it('retries idempotent requests through resets, malformed JSON and 502 pages', async () => {
		api.script(
			'/flaky',
			reset,
			raw(200, '{"status": "ok", "bro', { 'content-type': 'application/json' }),
			raw(502, '<html><body>Bad Gateway</body></html>', { 'content-type': 'text/html' }),
			json(200, { ok: 'finally' }),
		);
		const result = await run({ method: 'GET', url: '/flaky', limits: { maxAttempts: 4 } });
		expect(result.status).toBe('success');
		expect(result.json('Probe')[0].body).toEqual({ ok: 'finally' });
		expect(api.seen).toHaveLength(4);
	});

	it('accepts a 404 on a repeated DELETE only when asked, and only on the repeat', async () => {
		api.script('/gone', reset, json(404, { error: 'Not Found', detail: 'Session not found' }));
		const ok = await run({ method: 'DELETE', url: '/gone', acceptStatusesOnRetry: [404] });
		expect(ok.status).toBe('success');
		expect(ok.json('Probe')).toEqual([{ statusCode: 404, body: { error: 'Not Found', detail: 'Session not found' } }]);

		api.script('/never-there', json(404, { error: 'Not Found', detail: 'Session not found' }));
		const first = await run({ method: 'DELETE', url: '/never-there', acceptStatusesOnRetry: [404] });
		expect(first.status).toBe('error');
		expect(first.error?.httpCode).toBe('404');
	});

	it('names an HTML error page for what it is', async () => {
		api.script('/html', raw(502, '<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>', { 'content-type': 'text/html' }));
		const result = await run({ method: 'GET', url: '/html', limits: { maxAttempts: 1 } });
		expect(result.error?.message).toBe('Probe: The server answered with an HTML error page instead of JSON');
		expect(result.error?.httpCode).toBe('502');
	});

	it('reads S3-style XML errors (expired presigned links) as what they are', async () => {
		other.script(
			'/expired.mp4',
			raw(403, '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>', { 'content-type': 'application/xml' }),
		);
		const result = await run({ method: 'GET', url: `${other.url}/expired.mp4`, limits: { maxAttempts: 1 } });
		expect(result.error?.message).toBe('Probe: Request has expired [AccessDenied]');
		expect(result.error?.httpCode).toBe('403');
	});

	it('times out a request that never answers', async () => {
		api.script('/hang', hang);
		const started = Date.now();
		const result = await run({ method: 'GET', url: '/hang', limits: { maxAttempts: 1, timeoutMs: 1000 } });
		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/timeout/i);
		expect(Date.now() - started).toBeLessThan(5000);
	});

	it('sends the credential only to its own origin, also across redirects', async () => {
		other.script('/presigned.mp4', json(200, { fromOther: true }));
		api.script('/to-other', raw(302, '', { location: `${other.url}/presigned.mp4` }));
		api.script('/to-self', raw(307, '', { location: '/landing' }));
		api.script('/landing', json(200, { landed: true }));

		const absolute = await run({ method: 'GET', url: `${other.url}/presigned.mp4` });
		expect(absolute.status).toBe('success');
		const redirected = await run({ method: 'GET', url: '/to-other' });
		expect(redirected.json('Probe')[0].body).toEqual({ fromOther: true });
		const same = await run({ method: 'GET', url: '/to-self' });
		expect(same.json('Probe')[0].body).toEqual({ landed: true });

		expect(other.seen).toHaveLength(2);
		for (const request of other.seen) expect(request.headers.authorization).toBeUndefined();
		const landing = api.seen.find((r) => r.path === '/landing');
		expect(landing?.headers.authorization).toBe(`Bearer ${KEY}`);
		expect(JSON.stringify([absolute.outputs, redirected.outputs, same.outputs])).not.toContain(KEY);
	});

	it('streams a download into binary data and checks its size', async () => {
		const body = Buffer.concat([Buffer.from('0000001866747970', 'hex'), Buffer.alloc(200_000, 7)]);
		api.script('/video.mp4', raw(200, body, { 'content-type': 'video/mp4' }));
		const result = await run({ method: 'GET', url: '/video.mp4', download: { fileName: 'video.mp4', mimeType: 'video/mp4' } });
		expect(result.status).toBe('success');
		const [item] = result.items('Probe');
		expect(item.json.bytes).toBe(body.length);
		expect(item.binary?.data.mimeType).toBe('video/mp4');
		expect(item.binary?.data.fileName).toBe('video.mp4');
		expect((await result.readBinary(item.binary!.data)).equals(body)).toBe(true);
	});

	it('never keeps a truncated download; a GET is fetched again whole', async () => {
		const body = Buffer.alloc(100_000, 3);
		api.script('/cut.mp4', truncated(body.subarray(0, 40_000), body.length));
		const failed = await run({ method: 'GET', url: '/cut.mp4', download: { fileName: 'v.mp4', mimeType: 'video/mp4' } });
		expect(failed.status).toBe('error');
		expect(failed.error?.message).toMatch(/cut short.*nothing was stored/);
		expect(failed.outputs.Probe ?? []).toHaveLength(0);

		api.seen.length = 0;
		api.script('/cut-once.mp4', truncated(body.subarray(0, 40_000), body.length), raw(200, body, { 'content-type': 'video/mp4' }));
		const recovered = await run({ method: 'GET', url: '/cut-once.mp4', download: { fileName: 'v.mp4', mimeType: 'video/mp4' } });
		expect(recovered.status).toBe('success');
		expect(recovered.json('Probe')[0].bytes).toBe(body.length);
		expect(api.seen).toHaveLength(2);
	});

	it("n8n's binary data size cap refusing a download: named as n8n's refusal, not fetched again", async () => {
		// n8n's database mode (queue mode) refuses files over N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE with
		// this error from its store; the real one is asserted in test/e2e/queue/examples.test.ts
		const { FileTooLargeError } = await import('n8n-core');
		const service = (await getRuntime()).binaryDataService;
		const refuse = jest.spyOn(service, 'store').mockImplementation(async (_location, bufferOrStream) => {
			for await (const chunk of bufferOrStream as AsyncIterable<Buffer>) void chunk; // read whole, as n8n does
			throw new FileTooLargeError({ fileSizeMb: 0.1, maxFileSizeMb: 0.05, fileId: 'f', fileName: 'v.mp4' });
		});
		try {
			const body = Buffer.alloc(100_000, 5);
			api.seen.length = 0;
			api.script('/big.mp4', raw(200, body, { 'content-type': 'video/mp4' }), raw(200, body, { 'content-type': 'video/mp4' }));
			const result = await run({ method: 'GET', url: '/big.mp4', download: { fileName: 'v.mp4', mimeType: 'video/mp4' } });
			expect(result.status).toBe('error');
			expect(result.error?.message).toMatch(/^n8n refused to store v\.mp4: Failed to write binary file .*exceeds the max size limit of 0\.05 MB/);
			expect(result.error?.message).not.toMatch(/cut short/);
			expect(result.error?.description).toMatch(/N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE/);
			// a GET is safe to repeat, but the same file would be refused again
			expect(api.seen.filter((request) => request.path === '/big.mp4')).toHaveLength(1);
		} finally {
			refuse.mockRestore();
		}
	});

	it('stops waiting at once when the execution is cancelled', async () => {
		api.script('/slow-retry', json(503, { error: 'Unavailable', detail: 'busy' }, { 'retry-after': '30' }));
		const controller = new AbortController();
		setTimeout(() => controller.abort(), 500);
		const started = Date.now();
		const result = await run({ method: 'GET', url: '/slow-retry' }, { signal: controller.signal });
		// Retry-After 30 s: ending within 10 s can only be the cancel cutting the wait (generous for a
		// busy machine; exact on a fake clock in test/unit/shared/retryTiming.test.ts)
		expect(Date.now() - started).toBeLessThan(10_000);
		expect(result.status).not.toBe('success');
		expect(api.seen).toHaveLength(1);
	});

	it('keeps pairedItem and fails only the bad item under Continue On Fail', async () => {
		api.script('/item', json(200, { ok: 1 }));
		const wf = probeWorkflow({ method: 'GET', url: '/item' }, { continueOnFail: true });
		wf.nodes[1].parameters.spec = "={{ JSON.stringify({ method: 'GET', url: $json.i === 1 ? '/missing' : '/item', limits: { maxAttempts: 1 } }) }}";
		const result = await runWorkflow(wf, {
			credentials: { multiTalkApi: { apiKey: KEY, baseUrl: api.url } },
			nodeTypes: { [PROBE_TYPE]: new ProbeNode() },
			inputItems: [0, 1, 2].map((i) => ({ json: { i } })),
		});
		expect(result.status).toBe('success');
		const items = result.items('Probe');
		expect(items.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(items[0].json).toEqual({ statusCode: 200, body: { ok: 1 } });
		expect(items[1].json.error).toBe('Probe: no script');
		expect(items[1].json.httpCode).toBe('404');
		expect(items[2].json.statusCode).toBe(200);
	});

	it('runs items concurrently up to the operation limit, never more', async () => {
		let running = 0;
		let peak = 0;
		api.script('/slow', (_req, res) => {
			running++;
			peak = Math.max(peak, running);
			setTimeout(() => {
				running--;
				json(200, { ok: true })(_req, res);
			}, 300);
		});
		const started = Date.now();
		const result = await run({ method: 'GET', url: '/slow' }, { items: 6, concurrency: 2 });
		expect(result.status).toBe('success');
		expect(result.items('Probe')).toHaveLength(6);
		expect(peak).toBe(2);
		expect(Date.now() - started).toBeGreaterThanOrEqual(850);
	});
});
