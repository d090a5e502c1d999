import { once } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';

import type { IExecuteFunctions, INode, INodeExecutionData, INodeType } from 'n8n-workflow';
import { NodeApiError, NodeConnectionTypes } from 'n8n-workflow';

import { cleanupHarness, runWorkflow, testCredential, testNodeDescription } from '../harness';
import type { WorkflowJson } from '../harness';

// jest.config.js sets testTimeout per project, which jest ignores there: set it here.
jest.setTimeout(60_000);

interface SeenRequest {
	method: string;
	url: string;
	headers: IncomingMessage['headers'];
	closedEarly: boolean;
}

/** A stand-in MultiTalk API on 127.0.0.1 whose behaviour each test sets. */
let server: Server;
let baseUrl: string;
let seen: SeenRequest[] = [];
let handler: (req: IncomingMessage, res: ServerResponse) => void;

function sendJson(res: ServerResponse, status: number, body: unknown) {
	res.writeHead(status, { 'content-type': 'application/json' });
	res.end(JSON.stringify(body));
}

beforeAll(async () => {
	server = createServer((req, res) => {
		const record: SeenRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, closedEarly: false };
		seen.push(record);
		res.on('close', () => {
			record.closedEarly = !res.writableFinished;
		});
		handler(req, res);
	});
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
	server.closeAllConnections();
	await new Promise((resolve) => server.close(resolve));
	await cleanupHarness();
});

beforeEach(() => {
	seen = [];
});

const API_KEY = 'mt-secret-key';
const credentials = () => ({ multiTalkApi: { apiKey: API_KEY, baseUrl: `${baseUrl}/api/v1` } });

function healthWorkflow(nodeExtras: Partial<INode> = {}): WorkflowJson {
	return {
		nodes: [
			{
				id: 'a1',
				name: 'When clicking ‘Execute workflow’',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				id: 'a2',
				name: 'MultiTalk',
				type: 'n8n-nodes-talking-avatars.multiTalk',
				typeVersion: 1,
				position: [220, 0],
				parameters: { resource: 'service', operation: 'health', requestSettings: { maxAttempts: 1 } },
				credentials: { multiTalkApi: { id: 'cred-1', name: 'MultiTalk account' } },
				...nodeExtras,
			},
		],
		connections: {
			'When clicking ‘Execute workflow’': { main: [[{ node: 'MultiTalk', type: NodeConnectionTypes.Main, index: 0 }]] },
		},
	};
}

describe('runWorkflow (in-process n8n engine)', () => {
	it('runs MultiTalk health: output, Bearer auth, pairedItem', async () => {
		const health = { status: 'ok', version: '1.4.2', gpu_available: true };
		handler = (_req, res) => sendJson(res, 200, health);

		const result = await runWorkflow(healthWorkflow(), { credentials: credentials() });

		expect(result.error).toBeUndefined();
		expect(result.status).toBe('success');
		expect(result.executedNodes).toEqual(['When clicking ‘Execute workflow’', 'MultiTalk']);
		expect(result.json('MultiTalk')).toEqual([health]);
		expect(result.items('MultiTalk')[0].pairedItem).toEqual({ item: 0 });
		expect(seen).toHaveLength(1);
		expect(seen[0].method).toBe('GET');
		expect(seen[0].url).toBe('/api/v1/health');
		expect(seen[0].headers.authorization).toBe(`Bearer ${API_KEY}`);
	});

	it('feeds inputItems through the trigger: one request and one paired output per item', async () => {
		handler = (_req, res) => sendJson(res, 200, { status: 'ok' });
		const result = await runWorkflow(healthWorkflow(), {
			credentials: credentials(),
			inputItems: [{ json: { n: 1 } }, { json: { n: 2 } }, { json: { n: 3 } }],
		});
		expect(result.status).toBe('success');
		expect(result.json('When clicking ‘Execute workflow’')).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
		expect(result.items('MultiTalk').map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(seen).toHaveLength(3);
	});

	it('mode "manual" runs the Manual Trigger stand-in itself', async () => {
		handler = (_req, res) => sendJson(res, 200, { status: 'ok' });
		const result = await runWorkflow(healthWorkflow(), { credentials: credentials(), mode: 'manual' });
		expect(result.status).toBe('success');
		expect(result.json('When clicking ‘Execute workflow’')).toEqual([{}]);
		expect(result.json('MultiTalk')).toEqual([{ status: 'ok' }]);
	});

	it('fails the run with a NodeApiError carrying MultiTalk’s error detail', async () => {
		handler = (_req, res) =>
			sendJson(res, 500, { error: 'InternalError', detail: 'CUDA out of memory', request_id: 'req-42' });

		const result = await runWorkflow(healthWorkflow(), { credentials: credentials() });

		expect(result.status).toBe('error');
		expect(result.error).toBeDefined();
		expect(result.error?.error).toBeInstanceOf(NodeApiError);
		expect(result.error?.message).toContain('CUDA out of memory');
		expect(result.error?.httpCode).toBe('500');
		expect(result.error?.itemIndex).toBe(0);
		expect(result.error?.nodeName).toBe('MultiTalk');
		expect(result.outputs.MultiTalk).toEqual([]);
	});

	it('with onError "continueRegularOutput" yields an error item instead', async () => {
		handler = (_req, res) =>
			sendJson(res, 500, { error: 'InternalError', detail: 'CUDA out of memory', request_id: 'req-43' });

		const result = await runWorkflow(healthWorkflow({ onError: 'continueRegularOutput' }), {
			credentials: credentials(),
		});

		expect(result.status).toBe('success');
		expect(result.error).toBeUndefined();
		const [item] = result.items('MultiTalk');
		expect(String(item.json.error)).toContain('CUDA out of memory');
		expect(item.json.httpCode).toBe('500');
		expect(item.pairedItem).toEqual({ item: 0 });
	});

	it('reports a missing credential as a failed run', async () => {
		handler = (_req, res) => sendJson(res, 200, {});
		const result = await runWorkflow(healthWorkflow(), { credentials: {} });
		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/multiTalkApi/);
		expect(seen).toHaveLength(0);
	});

	it('cancels through the signal: the pending request is aborted within about a second', async () => {
		handler = () => undefined; // never answers
		const controller = new AbortController();
		const started = Date.now();
		setTimeout(() => controller.abort(), 300);

		const result = await runWorkflow(healthWorkflow(), { credentials: credentials(), signal: controller.signal });
		const elapsed = Date.now() - started;

		expect(result.status).toBe('canceled');
		expect(result.cancelled).toBe(true);
		expect(result.settled).toBe(true); // the node itself gave up, no grace period needed
		// the request never gets an answer (its timeout is 60 s): ending within 10 s can only be the
		// cancel (generous for a busy machine; the 1 s promise is measured in reliability/cancellation)
		expect(elapsed).toBeLessThan(10_000);
		// the server sees the connection closed by the client (event-driven: no fixed sleep)
		for (let i = 0; i < 500 && !seen[0]?.closedEarly; i++) await new Promise((resolve) => setTimeout(resolve, 10));
		expect(seen).toHaveLength(1);
		expect(seen[0].closedEarly).toBe(true);
	});

	it('round-trips binary data through the filesystem store', async () => {
		const payload = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
		const makeBinary: INodeType = {
			description: testNodeDescription('Make binary', 'makeBinary'),
			async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
				const binary = await this.helpers.prepareBinaryData(Readable.from([payload]), 'clip.mp4', 'video/mp4');
				return [[{ json: {}, binary: { data: binary }, pairedItem: { item: 0 } }]];
			},
		};
		const readBinary: INodeType = {
			description: { ...makeBinary.description, displayName: 'Read binary', name: 'readBinary' },
			async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
				const binary = this.helpers.assertBinaryData(0, 'data');
				const stream = await this.helpers.getBinaryStream(binary.id as string);
				let bytes = 0;
				for await (const chunk of stream) bytes += (chunk as Buffer).length;
				const metadata = await this.helpers.getBinaryMetadata(binary.id as string);
				return [[{ json: { bytes, fileName: metadata.fileName ?? null, mimeType: metadata.mimeType ?? null } }]];
			},
		};
		const node = (name: string, type: string, x: number): INode => ({
			id: name,
			name,
			type,
			typeVersion: 1,
			position: [x, 0],
			parameters: {},
		});
		const workflow: WorkflowJson = {
			nodes: [
				node('Start', 'n8n-nodes-base.manualTrigger', 0),
				node('Make', 'test.makeBinary', 200),
				node('Read', 'test.readBinary', 400),
			],
			connections: {
				Start: { main: [[{ node: 'Make', type: NodeConnectionTypes.Main, index: 0 }]] },
				Make: { main: [[{ node: 'Read', type: NodeConnectionTypes.Main, index: 0 }]] },
			},
		};

		const result = await runWorkflow(workflow, {
			nodeTypes: { 'test.makeBinary': makeBinary, 'test.readBinary': readBinary },
		});

		expect(result.error).toBeUndefined();
		const binary = result.items('Make')[0].binary?.data;
		expect(binary?.id).toMatch(/^filesystem-v2:/);
		expect(binary?.mimeType).toBe('video/mp4');
		expect(binary?.fileName).toBe('clip.mp4');
		expect((await result.readBinary(binary!)).equals(payload)).toBe(true);
		expect(result.json('Read')).toEqual([{ bytes: payload.length, fileName: 'clip.mp4', mimeType: 'video/mp4' }]);
	});
});

describe('testCredential (n8n credential test)', () => {
	beforeEach(() => {
		handler = (req, res) => {
			if (req.headers.authorization === `Bearer ${API_KEY}`) sendJson(res, 200, { jobs: [], total: 0 });
			else sendJson(res, 401, { error: 'Unauthorized', detail: 'Invalid API key', request_id: 'req-1' });
		};
	});

	it('passes with the right key, resolving baseURL and qs from the credential', async () => {
		const result = await testCredential('multiTalkApi', { apiKey: API_KEY, baseUrl: `${baseUrl}/api/v1/` });
		expect(result).toEqual({ status: 'OK', message: 'Connection successful!' });
		expect(seen).toHaveLength(1);
		expect(seen[0].url).toBe('/api/v1/jobs?limit=1');
		expect(seen[0].headers.authorization).toBe(`Bearer ${API_KEY}`);
	});

	it('fails with a wrong key (401)', async () => {
		const result = await testCredential('multiTalkApi', { apiKey: 'wrong', baseUrl });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/401|Unauthorized/i);
	});

	it('applies a function-form authenticate too (AvaTar)', async () => {
		const result = await testCredential('avaTarApi', { apiKey: API_KEY, baseUrl: `${baseUrl}/v1`, wsUrl: 'ws://127.0.0.1:9' });
		expect(result.status).toBe('OK');
		expect(seen[0].url).toBe('/v1/streaming.sessions');
		expect(seen[0].headers.authorization).toBe(`Bearer ${API_KEY}`);
	});

	it('fails when nothing listens at the base URL', async () => {
		const result = await testCredential('multiTalkApi', { apiKey: API_KEY, baseUrl: 'http://127.0.0.1:9' });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/ECONNREFUSED/);
	});
});
