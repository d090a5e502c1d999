import { once } from 'node:events';
import type { IncomingMessage, Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { INode } from 'n8n-workflow';

import type { N8nHome, RunningN8n, WorkflowFixture } from './n8nRunner';
import {
	createN8nHome,
	ensureBuilt,
	executeWorkflow,
	getExecution,
	listExecutions,
	provisionN8n,
	startN8n,
} from './n8nRunner';

// jest.config.js sets testTimeout per project, which jest ignores there: set it here.
// The first run on a machine provisions n8n (~8 min, synchronously) inside beforeAll.
jest.setTimeout(20 * 60_000);

const API_KEY = 'mt-smoke-key';
const HEALTH = { status: 'ok', version: '1.4.2', gpu_available: true };

let stub: Server;
let stubUrl: string;
const seen: Array<Pick<IncomingMessage, 'method' | 'url' | 'headers'>> = [];
let home: N8nHome | undefined;
let n8n: RunningN8n | undefined;

const multiTalkNode = (position: [number, number]): INode => ({
	id: 'b2',
	name: 'MultiTalk',
	type: 'n8n-nodes-talking-avatars.multiTalk',
	typeVersion: 1,
	position,
	parameters: { resource: 'service', operation: 'health' },
	credentials: { multiTalkApi: { id: 'smokeMultiTalk01', name: 'MultiTalk account' } },
});

const manualWorkflow: WorkflowFixture = {
	id: 'smokeManualHlth1',
	name: 'Smoke: Manual Trigger -> MultiTalk Health',
	nodes: [
		{
			id: 'b1',
			name: 'When clicking ‘Execute workflow’',
			type: 'n8n-nodes-base.manualTrigger',
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
		},
		multiTalkNode([220, 0]),
	],
	connections: {
		'When clicking ‘Execute workflow’': { main: [[{ node: 'MultiTalk', type: 'main', index: 0 }]] },
	},
};

const webhookWorkflow: WorkflowFixture = {
	id: 'smokeWebhookHlth',
	name: 'Smoke: Webhook -> MultiTalk Health',
	nodes: [
		{
			id: 'c1',
			name: 'Webhook',
			type: 'n8n-nodes-base.webhook',
			typeVersion: 2,
			position: [0, 0],
			webhookId: '6f1f8a2e-5b1d-4f0e-9a57-2f7c1d1f0a11',
			parameters: { httpMethod: 'GET', path: 'ta-smoke-health', responseMode: 'lastNode', options: {} },
		},
		multiTalkNode([220, 0]),
	],
	connections: { Webhook: { main: [[{ node: 'MultiTalk', type: 'main', index: 0 }]] } },
};

beforeAll(async () => {
	provisionN8n();
	ensureBuilt();
	stub = createServer((req, res) => {
		seen.push({ method: req.method, url: req.url, headers: req.headers });
		res.writeHead(200, { 'content-type': 'application/json' });
		res.end(JSON.stringify(HEALTH));
	});
	stub.listen(0, '127.0.0.1');
	await once(stub, 'listening');
	stubUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
	home = await createN8nHome({
		credentials: [
			{
				id: 'smokeMultiTalk01',
				name: 'MultiTalk account',
				type: 'multiTalkApi',
				data: { apiKey: API_KEY, baseUrl: `${stubUrl}/api/v1` },
			},
		],
		workflows: [manualWorkflow, webhookWorkflow],
	});
});

afterAll(async () => {
	await n8n?.stop();
	stub?.closeAllConnections();
	await new Promise((resolve) => (stub ? stub.close(resolve) : resolve(undefined)));
	await home?.cleanup();
});

beforeEach(() => {
	seen.length = 0;
});

it('runs Manual Trigger -> MultiTalk Health in real n8n (n8n execute)', async () => {
	const result = await executeWorkflow(home!, manualWorkflow.id);

	expect(result.error).toBeUndefined();
	expect(result.status).toBe('success');
	expect(result.exitCode).toBe(0);
	expect(result.json('MultiTalk')).toEqual([HEALTH]);
	expect(result.items('MultiTalk')[0].pairedItem).toEqual({ item: 0 });
	expect(seen).toHaveLength(1);
	expect(seen[0].url).toBe('/api/v1/health');
	expect(seen[0].headers.authorization).toBe(`Bearer ${API_KEY}`);
});

it('serves a published webhook workflow from `n8n start` and records the execution', async () => {
	n8n = await startN8n(home!, { publish: [webhookWorkflow.id], waitForWebhook: 'ta-smoke-health' });

	const response = await fetch(n8n.webhookUrl('ta-smoke-health'));
	expect(response.status).toBe(200);
	expect(await response.json()).toEqual(HEALTH);
	expect(seen.map((request) => request.headers.authorization)).toEqual([`Bearer ${API_KEY}`]);

	// The execution row is written as the run ends, possibly just after the response.
	let executions = listExecutions(home!, { workflowId: webhookWorkflow.id });
	for (let i = 0; i < 40 && executions[0]?.status !== 'success'; i++) {
		await new Promise((resolve) => setTimeout(resolve, 250));
		executions = listExecutions(home!, { workflowId: webhookWorkflow.id });
	}
	expect(executions).toHaveLength(1);
	expect(executions[0]).toMatchObject({ status: 'success', mode: 'webhook', finished: true });
	const stored = getExecution(home!, executions[0].id);
	expect(stored?.data.resultData.runData.MultiTalk[0].data?.main[0]?.[0].json).toEqual(HEALTH);

	const { pid } = n8n;
	await n8n.stop();
	n8n = undefined;
	expect(() => process.kill(-pid, 0)).toThrow(); // no process of that group is left
});
