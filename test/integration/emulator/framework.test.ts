import { request as httpRequest } from 'node:http';

import type { Emulator } from '../../emulator/server';
import { startEmulator } from '../../emulator/server';
import { topLevelBoxes } from '../../emulator/media';
import { S3_ONE_AUTH_MECHANISM } from '../../emulator/providers/s3';

/** A raw HTTP GET that reports what actually happened on the wire. */
function rawGet(url: string, headers: Record<string, string> = {}, timeoutMs = 2000) {
	return new Promise<{ status?: number; body: Buffer; headers: Record<string, unknown>; error?: string; complete: boolean }>((resolve) => {
		const chunks: Buffer[] = [];
		const req = httpRequest(url, { headers }, (res) => {
			res.on('data', (c: Buffer) => chunks.push(c));
			res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks), headers: res.headers, complete: res.complete }));
			res.on('error', (e) => resolve({ status: res.statusCode, body: Buffer.concat(chunks), headers: res.headers, error: e.message, complete: false }));
			res.on('aborted', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks), headers: res.headers, error: 'aborted', complete: false }));
		});
		req.on('error', (e) => resolve({ body: Buffer.alloc(0), headers: {}, error: (e as NodeJS.ErrnoException).code ?? e.message, complete: false }));
		req.setTimeout(timeoutMs, () => req.destroy(new Error('client timeout')));
		req.end();
	});
}

describe('emulator framework', () => {
	let emulator: Emulator;
	const auth = () => ({ authorization: `Bearer ${emulator.keys.multiTalk}` });
	const health = () => `${emulator.urls.multiTalk}/health`;

	beforeAll(async () => {
		emulator = await startEmulator();
	});
	afterAll(async () => emulator.close());
	beforeEach(() => {
		emulator.clearFaults();
		emulator.clearLog();
	});

	it('gives each service its own origin', () => {
		const origins = new Set(Object.values(emulator.urls).map((u) => new URL(u.replace(/^ws/, 'http')).origin));
		expect(origins.size).toBe(Object.keys(emulator.urls).length);
	});

	it('records every request with its headers', async () => {
		const res = await rawGet(`${health()}?x=1`, auth());
		expect(res.status).toBe(200);
		const [entry] = emulator.requests({ service: 'multiTalk', path: '/api/v1/health' });
		expect(entry.headers.authorization).toBe(`Bearer ${emulator.keys.multiTalk}`);
		expect(entry.query).toEqual({ x: '1' });
		expect(entry.status).toBe(200);
	});

	it('injects a status fault a set number of times, then answers normally', async () => {
		emulator.addFault({ service: 'multiTalk', path: '/api/v1/health', fault: { kind: 'status', status: 502 }, times: 2 });
		expect((await rawGet(health(), auth())).status).toBe(502);
		expect((await rawGet(health(), auth())).status).toBe(502);
		expect((await rawGet(health(), auth())).status).toBe(200);
	});

	it('answers 429 with Retry-After', async () => {
		emulator.addFault({ path: /health/, fault: { kind: 'rateLimit', retryAfter: '3' }, times: 1 });
		const res = await rawGet(health(), auth());
		expect(res.status).toBe(429);
		expect(res.headers['retry-after']).toBe('3');
	});

	it('resets the connection, serves HTML error pages and malformed JSON', async () => {
		emulator.addFault({ path: /health/, fault: { kind: 'reset' }, times: 1 });
		const reset = await rawGet(health(), auth());
		expect(reset.status).toBeUndefined();
		expect(reset.error).toMatch(/ECONNRESET|socket hang up/);

		emulator.addFault({ path: /health/, fault: { kind: 'html' }, times: 1 });
		const html = await rawGet(health(), auth());
		expect(html.status).toBe(502);
		expect(html.headers['content-type']).toBe('text/html');

		emulator.addFault({ path: /health/, fault: { kind: 'malformedJson' }, times: 1 });
		const bad = await rawGet(health(), auth());
		expect(bad.status).toBe(200);
		expect(() => JSON.parse(bad.body.toString())).toThrow();
	});

	it('truncates bodies: Content-Length promises more than is sent', async () => {
		emulator.addFault({ path: /health/, fault: { kind: 'truncate' }, times: 1 });
		const res = await rawGet(health(), auth());
		expect(res.complete).toBe(false);
		expect(res.body.length).toBeLessThan(Number(res.headers['content-length']));
	});

	it('hangs until the client gives up', async () => {
		emulator.addFault({ path: /health/, fault: { kind: 'hang' }, times: 1 });
		const started = Date.now();
		const res = await rawGet(health(), auth(), 300);
		expect(res.error).toBeDefined();
		expect(Date.now() - started).toBeGreaterThanOrEqual(290);
	});

	it('exposes the log and faults over its control API (for other processes)', async () => {
		const base = emulator.url('multiTalk');
		await new Promise<void>((resolve, reject) => {
			const req = httpRequest(`${base}/__emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
				res.resume();
				res.on('end', () => resolve());
			});
			req.on('error', reject);
			req.end(JSON.stringify({ pathRegex: 'health', fault: { kind: 'status', status: 503 }, times: 1 }));
		});
		expect((await rawGet(health(), auth())).status).toBe(503);
		const log = JSON.parse((await rawGet(`${base}/__emulator/requests`)).body.toString()) as Array<{ path: string; status: number }>;
		expect(log.map((r) => [r.path, r.status])).toEqual([['/api/v1/health', 503]]);
	});

	it('serves presigned objects from the s3 origin, and only with a valid signature', async () => {
		const mp4 = Buffer.from('0000001866747970697361366d703432', 'hex');
		emulator.store.put('outputs/a.mp4', mp4);
		const url = emulator.store.presign('outputs/a.mp4', 60);
		expect(new URL(url).origin).toBe(emulator.url('s3'));
		const ok = await rawGet(url);
		expect(ok.status).toBe(200);
		expect(ok.body.equals(mp4)).toBe(true);
		expect((await rawGet(url.replace(/X-Amz-Signature=[^&]+/, 'X-Amz-Signature=forged'))).status).toBe(403);
		const expired = emulator.store.presign('outputs/a.mp4', -1);
		expect((await rawGet(expired)).status).toBe(403);
	});

	it('storage refuses a presigned request that also carries Authorization, as S3 does (400 InvalidArgument, XML)', async () => {
		emulator.store.put('outputs/b.mp4', Buffer.from('0000001866747970', 'hex'));
		const url = emulator.store.presign('outputs/b.mp4', 60);
		expect(Object.fromEntries(new URL(url).searchParams)).toMatchObject({
			'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
			'X-Amz-Credential': expect.stringMatching(/^AKIA\w+\/\d{8}\/us-east-1\/s3\/aws4_request$/),
			'X-Amz-Date': expect.stringMatching(/^\d{8}T\d{6}Z$/),
			'X-Amz-Expires': '60',
			'X-Amz-SignedHeaders': 'host',
		});
		const refused = await rawGet(url, { authorization: 'Bearer some-api-key' });
		expect(refused.status).toBe(400);
		expect(refused.headers['content-type']).toBe('application/xml');
		const xml = refused.body.toString();
		expect(xml).toContain('<Code>InvalidArgument</Code>');
		expect(xml).toContain(`<Message>${S3_ONE_AUTH_MECHANISM}</Message>`);
		// like S3, it echoes the header: a leaked key ends up in the storage's logs and answers
		expect(xml).toContain('<ArgumentName>Authorization</ArgumentName><ArgumentValue>Bearer some-api-key</ArgumentValue>');
		expect((await rawGet(url)).status).toBe(200);
	});

	it('with storageOnApiOrigin, links point at the provider’s own origin, which serves them as S3 would', async () => {
		emulator.settings.storageOnApiOrigin = true;
		try {
			emulator.store.put('bucket/c.mp4', Buffer.from('0000001866747970', 'hex'));
			const url = emulator.store.presign('bucket/c.mp4', 60, 'multiTalk');
			expect(url.startsWith(`${emulator.url('multiTalk')}/storage/bucket/c.mp4?`)).toBe(true);
			expect((await rawGet(url)).status).toBe(200);
			const refused = await rawGet(url, auth());
			expect(refused.status).toBe(400);
			expect(refused.body.toString()).toContain('<Code>InvalidArgument</Code>');
			// not on the other origin, and the s3 origin still works for links handed out without a provider
			expect(new URL(emulator.store.presign('bucket/c.mp4', 60)).origin).toBe(emulator.url('s3'));
			emulator.settings.storageOnApiOrigin = ['liveTalking'];
			expect(new URL(emulator.store.presign('bucket/c.mp4', 60, 'multiTalk')).origin).toBe(emulator.url('s3'));
			expect(new URL(emulator.store.presign('bucket/c.mp4', 60, 'liveTalking')).origin).toBe(emulator.url('liveTalking'));
		} finally {
			delete emulator.settings.storageOnApiOrigin;
		}
	});

	it('fixtures are real media', () => {
		const { fixture } = jest.requireActual('../../emulator/media') as typeof import('../../emulator/media');
		expect(topLevelBoxes(fixture('sample.mp4')).map((b) => b.type)).toEqual(expect.arrayContaining(['ftyp', 'moov', 'mdat']));
		const frag = topLevelBoxes(fixture('sample-fragmented.mp4')).map((b) => b.type);
		expect(frag.slice(0, 2)).toEqual(['ftyp', 'moov']);
		expect(frag.filter((t) => t === 'moof').length).toBeGreaterThan(2);
		expect(fixture('frame.jpg').subarray(0, 2).toString('hex')).toBe('ffd8');
		expect(fixture('speech-16k-mono.wav').toString('latin1', 0, 4)).toBe('RIFF');
	});
});
