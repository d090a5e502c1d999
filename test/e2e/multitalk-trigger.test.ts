/**
 * MultiTalk in real n8n (the built package installed as a community package), against the
 * emulator over loopback:
 * - the MultiTalk Trigger example, published and served by `n8n start`: the emulator delivers
 *   each webhook with its retries (and duplicates); exactly one execution per (job, status),
 *   also after n8n restarts; malformed bodies get 400 from the node itself;
 * - the resume-URL example: Submit with {{$execution.resumeUrl}}, the Wait node sleeps, the
 *   emulator's webhook wakes the execution up in the running n8n;
 * - the batch example through `n8n execute`: three videos written.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { fixture } from '../emulator/media';
import { multiTalkState } from '../emulator/providers/multitalk';
import type { Emulator } from '../emulator/server';
import { startEmulator } from '../emulator/server';
import type { N8nHome, RunningN8n, WorkflowFixture } from './n8nRunner';
import { ledgerEntries } from '../../nodes/MultiTalk/trigger/delivery';
import type { DeliveryLedger } from '../../nodes/MultiTalk/trigger/delivery';
import {
	createN8nHome,
	ensureBuilt,
	executeWorkflow,
	getExecution,
	listExecutions,
	provisionN8n,
	startN8n,
	waitForExecution,
} from './n8nRunner';

jest.setTimeout(10 * 60_000);

const EXAMPLES = path.resolve(__dirname, '..', '..', 'examples');
const example = (file: string) => JSON.parse(readFileSync(path.join(EXAMPLES, file), 'utf8')) as WorkflowFixture;
const triggerExample = example('multitalk-trigger-download.json');
const resumeExample = example('multitalk-resume-url-wait.json');
const batchExample = example('multitalk-batch-submit-and-wait.json');
const TRIGGER_PATH = `${triggerExample.nodes.find((n) => n.type.endsWith('.multiTalkTrigger'))?.webhookId}/webhook`;

/**
 * The trigger alone (no download), with its in-memory claim shortened to 300 ms: a copy that
 * arrives later can only be refused by the ledger n8n stored in its database.
 */
const GRACE_MS = 300;
const shortGraceTrigger: WorkflowFixture = {
	id: 'e2e-mt-short-grace', // n8n stores static data only for ids of at most 21 characters
	name: 'MultiTalk Trigger, short claim grace',
	nodes: [
		{
			id: 'e2e-short-grace-trigger',
			name: 'MultiTalk Trigger',
			type: triggerExample.nodes.find((n) => n.type.endsWith('.multiTalkTrigger'))!.type,
			typeVersion: 1,
			position: [0, 0],
			webhookId: 'e2e-short-grace-webhook',
			parameters: { statuses: ['completed', 'failed'], claimGraceMs: GRACE_MS },
		},
	],
	connections: {},
	settings: { executionOrder: 'v1' },
};
const SHORT_GRACE_PATH = 'e2e-short-grace-webhook/webhook';

/** A trigger published before the ledger became one string: its record is still in the first format. */
const legacyLedgerTrigger: WorkflowFixture = {
	...shortGraceTrigger,
	id: 'e2e-mt-legacy-ledger',
	name: 'MultiTalk Trigger, ledger stored in the first format',
	nodes: [{ ...shortGraceTrigger.nodes[0], id: 'e2e-legacy-ledger-trigger', webhookId: 'e2e-legacy-ledger-webhook' }],
	staticData: { 'node:MultiTalk Trigger': { delivered: { 'legacy-job-1:completed': Date.now() - 60_000, 'legacy-job-2:failed': Date.now() - 30_000 }, size: 2 } },
};
const LEGACY_PATH = 'e2e-legacy-ledger-webhook/webhook';

async function postEvent(url: string, event: Record<string, unknown>): Promise<{ status: number; type: string | null; body: unknown }> {
	const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
	const text = await response.text();
	let body: unknown = text;
	try {
		body = JSON.parse(text);
	} catch {
		// kept as text: the assertion shows it
	}
	return { status: response.status, type: response.headers.get('content-type'), body };
}

/** The trigger's stored static data (n8n's workflow_entity.staticData). */
function storedStaticData(workflowId: string): Record<string, DeliveryLedger> {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { DatabaseSync } = require('node:sqlite') as {
		DatabaseSync: new (file: string, options: { readOnly: boolean }) => {
			prepare(sql: string): { get(...params: unknown[]): unknown };
			close(): void;
		};
	};
	const db = new DatabaseSync(path.join(home.dir, '.n8n', 'database.sqlite'), { readOnly: true });
	try {
		const row = db.prepare('SELECT staticData FROM workflow_entity WHERE id = ?').get(workflowId) as { staticData: string | null };
		return row.staticData ? JSON.parse(row.staticData) : {};
	} finally {
		db.close();
	}
}

let emulator: Emulator;
let home: N8nHome;
let n8n: RunningN8n | undefined;

const input = { prompt: 'A person speaking', image_s3_url: 's3://my-bucket/p.png', audio_s3_urls: 's3://my-bucket/a.wav' };

async function submit(body: Record<string, unknown>): Promise<string> {
	const response = await fetch(`${emulator.urls.multiTalk}/generate`, {
		method: 'POST',
		headers: { authorization: `Bearer ${emulator.keys.multiTalk}`, 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});
	expect(response.status).toBe(200);
	return String(((await response.json()) as { job_id: string }).job_id);
}

/**
 * n8n start with the trigger workflow live. The runner's own readiness probe asks for a GET
 * preflight, which a POST-only webhook never grants, so the probe here asks for POST.
 */
async function startWithTrigger(publish: string[] = []): Promise<RunningN8n> {
	const running = await startN8n(home, { publish });
	const url = running.webhookUrl(TRIGGER_PATH);
	for (let i = 0; ; i++) {
		const response = await fetch(url, {
			method: 'OPTIONS',
			headers: { Origin: 'http://127.0.0.1', 'Access-Control-Request-Method': 'POST' },
		}).catch(() => undefined);
		await response?.arrayBuffer();
		if (response?.status === 204) return running;
		if (i > 120) throw new Error(`The MultiTalk Trigger webhook never went live:\n${running.output().slice(-3000)}`);
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

async function until<T>(read: () => T, done: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
	const end = Date.now() + timeoutMs;
	for (;;) {
		const value = read();
		if (done(value)) return value;
		if (Date.now() > end) throw new Error(`Timed out; last value: ${JSON.stringify(value)}`);
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

beforeAll(async () => {
	provisionN8n();
	ensureBuilt();
	emulator = await startEmulator({
		settings: { multiTalkPendingMs: 50, multiTalkJobMs: 1500, multiTalkWebhookBackoffMs: 300 },
	});
	home = await createN8nHome({
		credentials: [
			{
				id: 'cred-multitalk',
				name: 'MultiTalk account',
				type: 'multiTalkApi',
				data: { apiKey: emulator.keys.multiTalk, baseUrl: emulator.urls.multiTalk },
			},
		],
		workflows: [triggerExample, shortGraceTrigger, legacyLedgerTrigger, resumeExample, batchExample],
	});
	// the examples write to demo-output/ under n8n's working directory (the home)
	mkdirSync(path.join(home.dir, 'demo-output'), { recursive: true });
	home.env.N8N_RESTRICT_FILE_ACCESS_TO = home.dir;
});

afterAll(async () => {
	await n8n?.stop();
	await emulator?.close();
	await home?.cleanup();
});

describe('MultiTalk Trigger in n8n start', () => {
	it('starts exactly one execution per finished job despite retries and duplicate deliveries', async () => {
		n8n = await startWithTrigger([triggerExample.id, shortGraceTrigger.id, legacyLedgerTrigger.id]);
		const url = n8n.webhookUrl(TRIGGER_PATH);

		// each event is delivered twice, and the first attempt of each delivery counts as failed
		// (as if n8n's answer was lost), so n8n receives every event 4 times
		Object.assign(emulator.settings, { multiTalkWebhookDuplicates: 2, multiTalkWebhookIgnoreResponses: 1 });
		const ok1 = await submit({ ...input, webhook_url: url });
		const ok2 = await submit({ ...input, webhook_url: url });
		const failed = await submit({ ...input, prompt: 'breaks #fail', webhook_url: url });
		const state = multiTalkState(emulator);
		await until(() => [ok1, ok2, failed].map((id) => state.jobs.get(id)?.status), (s) => s.every((x) => x === 'completed' || x === 'failed'));
		await state.idle();

		const attempts = state.webhookAttempts.filter((a) => [ok1, ok2, failed].includes(a.jobId));
		expect(attempts).toHaveLength(12);
		expect(attempts.every((a) => a.httpStatus === 200)).toBe(true);
		for (const id of [ok1, ok2]) {
			const first = attempts.filter((a) => a.jobId === id && a.delivery === 1);
			expect(first.map((a) => a.attempt)).toEqual([1, 2]);
			expect(first[1].at - first[0].at).toBeGreaterThanOrEqual(290); // the backoff
		}

		const executions = await until(
			() => listExecutions(home, { workflowId: triggerExample.id }),
			(rows) => rows.length >= 2 && rows.every((row) => row.finished),
		);
		// a moment more: a late duplicate must not add a third
		await new Promise((resolve) => setTimeout(resolve, 1500));
		expect(listExecutions(home, { workflowId: triggerExample.id })).toHaveLength(2);
		expect(executions.map((e) => e.status)).toEqual(['success', 'success']);
		expect(executions.every((e) => e.mode === 'webhook')).toBe(true);

		const started = executions.map((e) => getExecution(home, e.id)!.data.resultData.runData['MultiTalk Trigger'][0].data!.main[0]![0]);
		expect(started.map((item) => item.json.job_id).sort()).toEqual([ok1, ok2].sort());
		for (const item of started) {
			expect(item.json).toMatchObject({ status: 'completed', result: { success: true } });
			expect(item.binary?.data).toMatchObject({ mimeType: 'video/mp4', fileExtension: 'mp4' });
		}
		const written = path.join(home.dir, 'demo-output', 'multitalk-trigger-download.mp4');
		expect(existsSync(written)).toBe(true);
		expect(readFileSync(written).equals(fixture('sample.mp4'))).toBe(true);
		// the video came through the presigned link, without the API key
		const s3 = emulator.requests({ service: 's3' });
		expect(s3.length).toBeGreaterThanOrEqual(2);
		expect(s3.every((r) => r.headers.authorization === undefined)).toBe(true);
	});

	it('answers malformed and non-JSON bodies with 400 and starts nothing', async () => {
		const url = n8n!.webhookUrl(TRIGGER_PATH);
		const before = listExecutions(home, { workflowId: triggerExample.id }).length;
		for (const [body, type] of [
			['{"job_id": "x", "status": ', 'application/json'],
			['the job is done', 'text/plain'],
			['{"status":"completed"}', 'application/json'],
		]) {
			const response = await fetch(url, { method: 'POST', headers: { 'content-type': type }, body });
			expect(response.status).toBe(400);
			expect(await response.json()).toMatchObject({ error: 'Bad Request' });
		}
		await new Promise((resolve) => setTimeout(resolve, 1000));
		expect(listExecutions(home, { workflowId: triggerExample.id })).toHaveLength(before);
	});

	it('answers an accepted event with JSON and stores it: a copy after the in-memory claim has lapsed starts nothing', async () => {
		const url = n8n!.webhookUrl(SHORT_GRACE_PATH);
		const event = { job_id: 'short-grace-job', status: 'completed', timestamp: new Date().toISOString(), result: { success: true }, error: null };
		const first = await postEvent(url, event);
		expect(first).toEqual({ status: 200, type: expect.stringMatching(/^application\/json/), body: { message: 'Workflow was started' } });
		await waitForExecution(home, { workflowId: shortGraceTrigger.id });
		// n8n has stored the record in its database (not only in this process's memory)
		const stored = await until(
			() => ledgerEntries(storedStaticData(shortGraceTrigger.id)['node:MultiTalk Trigger'] ?? {}),
			(delivered) => 'short-grace-job:completed' in delivered,
			10_000,
		);
		expect(Object.keys(stored)).toEqual(['short-grace-job:completed']);

		// well after the claim's grace period, MultiTalk's retry (or any copy) is refused
		await new Promise((resolve) => setTimeout(resolve, GRACE_MS * 4));
		const copy = await postEvent(url, event);
		expect(copy).toEqual({ status: 200, type: expect.stringMatching(/^application\/json/), body: { received: true, started: false, reason: 'duplicate' } });
		// and another status of the same job is a new event
		expect((await postEvent(url, { ...event, status: 'failed' })).body).toEqual({ message: 'Workflow was started' });
		await until(
			() => listExecutions(home, { workflowId: shortGraceTrigger.id }),
			(rows) => rows.length === 2 && rows.every((row) => row.finished),
		);
		await new Promise((resolve) => setTimeout(resolve, 1000));
		expect(listExecutions(home, { workflowId: shortGraceTrigger.id })).toHaveLength(2);
	});

	it('honours a ledger stored in the first format, and stores it in the current one at the next event', async () => {
		const url = n8n!.webhookUrl(LEGACY_PATH);
		for (const [job, status] of [['legacy-job-1', 'completed'], ['legacy-job-2', 'failed']]) {
			const copy = await postEvent(url, { job_id: job, status, timestamp: new Date().toISOString() });
			expect(copy.body).toEqual({ received: true, started: false, reason: 'duplicate' });
		}
		const fresh = await postEvent(url, { job_id: 'legacy-job-3', status: 'completed', timestamp: new Date().toISOString() });
		expect(fresh.body).toEqual({ message: 'Workflow was started' });
		await waitForExecution(home, { workflowId: legacyLedgerTrigger.id });
		const stored = await until(
			() => storedStaticData(legacyLedgerTrigger.id)['node:MultiTalk Trigger'] ?? {},
			(ledger) => typeof ledger.log === 'string' && ledger.log.includes('legacy-job-3'),
			10_000,
		);
		expect(stored.delivered).toBeUndefined();
		expect(Object.keys(ledgerEntries(stored))).toEqual(['legacy-job-1:completed', 'legacy-job-2:failed', 'legacy-job-3:completed']);
		expect(stored.size).toBe(3);
		expect(listExecutions(home, { workflowId: legacyLedgerTrigger.id })).toHaveLength(1);
	});

	it('still recognises every delivered event after n8n restarts', async () => {
		const started = listExecutions(home, { workflowId: triggerExample.id }).map(
			(row) => getExecution(home, row.id)!.data.resultData.runData['MultiTalk Trigger'][0].data!.main[0]![0],
		);
		expect(started).toHaveLength(2);
		await n8n!.stop();
		n8n = await startWithTrigger();
		for (const item of started) {
			const response = await fetch(n8n.webhookUrl(TRIGGER_PATH), {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ job_id: item.json.job_id, status: 'completed', timestamp: new Date().toISOString(), result: item.json.result, error: null }),
			});
			expect(response.status).toBe(200);
			expect(await response.json()).toMatchObject({ started: false, reason: 'duplicate' });
		}
		for (const status of ['completed', 'failed']) {
			const copy = await postEvent(n8n.webhookUrl(SHORT_GRACE_PATH), { job_id: 'short-grace-job', status, timestamp: new Date().toISOString() });
			expect(copy.body).toEqual({ received: true, started: false, reason: 'duplicate' });
		}
		await new Promise((resolve) => setTimeout(resolve, 1000));
		expect(listExecutions(home, { workflowId: triggerExample.id })).toHaveLength(2);
		expect(listExecutions(home, { workflowId: shortGraceTrigger.id })).toHaveLength(2);
	});
});

describe('examples in real n8n', () => {
	it('resume URL + Wait node: the execution sleeps and MultiTalk’s webhook wakes it up', async () => {
		delete emulator.settings.multiTalkWebhookDuplicates;
		delete emulator.settings.multiTalkWebhookIgnoreResponses;
		emulator.clearLog();
		// `n8n execute` must build the resume URL on the running n8n's address
		home.env.WEBHOOK_URL = `${n8n!.baseUrl}/`;
		const run = await executeWorkflow(home, resumeExample.id);
		expect(run.error).toBeUndefined();
		expect(run.status).toBe('waiting');
		const [submitted] = run.json('Submit Job');
		const jobId = String(submitted.job_id);
		const sent = JSON.parse(emulator.requests({ service: 'multiTalk', method: 'POST', path: '/api/v1/generate' })[0].body);
		expect(sent.webhook_url).toMatch(new RegExp(`^${n8n!.baseUrl}/webhook-waiting/\\d+`));

		const state = multiTalkState(emulator);
		await until(() => state.jobs.get(jobId)?.status, (s) => s === 'completed');
		await state.idle();
		expect(state.webhookAttempts.filter((a) => a.jobId === jobId).some((a) => a.ok)).toBe(true);

		const [execution] = await until(
			() => listExecutions(home, { workflowId: resumeExample.id }),
			(rows) => rows.length === 1 && rows[0].status === 'success',
		);
		const stored = getExecution(home, execution.id)!;
		const video = stored.data.resultData.runData['Get the Video'][0].data!.main[0]![0];
		expect(video.json).toMatchObject({ job_id: jobId, status: 'completed' });
		const written = path.join(home.dir, 'demo-output', 'multitalk-resume-url-wait.mp4');
		expect(readFileSync(written).equals(fixture('sample.mp4'))).toBe(true);
	});

	it('batch: three videos submitted together, each written as an MP4', async () => {
		emulator.clearLog();
		const run = await executeWorkflow(home, batchExample.id);
		expect(run.error).toBeUndefined();
		expect(run.status).toBe('success');
		const out = run.items('Generate the Videos');
		expect(out).toHaveLength(3);
		expect(out.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		const submits = emulator.requests({ service: 'multiTalk', method: 'POST', path: '/api/v1/generate' }).map((r) => JSON.parse(r.body));
		// the three are submitted concurrently: their order at the emulator may vary
		expect(submits.map((b) => JSON.stringify(b.audio_s3_urls)).sort()).toEqual(
			[
				's3://my-bucket/audio/cloud.wav',
				's3://my-bucket/audio/welcome.wav',
				['s3://my-bucket/audio/person1.wav', 's3://my-bucket/audio/person2.wav'],
			]
				.map((urls) => JSON.stringify(urls))
				.sort(),
		);
		for (const n of [1, 2, 3]) {
			const file = path.join(home.dir, 'demo-output', `multitalk-batch-submit-and-wait-${n}.mp4`);
			expect(readFileSync(file).equals(fixture('sample.mp4'))).toBe(true);
		}
	});
});
