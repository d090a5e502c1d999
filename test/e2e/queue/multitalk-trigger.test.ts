/**
 * The MultiTalk Trigger's exactly-once in n8n queue mode: one main, two `n8n webhook` processes
 * behind a round-robin proxy, two workers, Postgres and Redis (see queueCluster.ts).
 *
 * n8n gives a node no atomic store shared by processes: the trigger's ledger lives in the
 * workflow's static data (one JSON value per workflow, read when a call arrives and written back
 * whole as the trigger answers), plus a claim in each process's memory. What this guarantees,
 * and what it cannot, is measured here and stated in the README ("Scaling (queue mode)"):
 * - nothing is lost, nothing unauthorised or malformed starts, and a copy starts at most one
 *   more execution: asserted (the slowest answer under a burst is measured);
 * - after a restart of every process, exactly what the stored ledger holds is refused: asserted;
 * - copies reaching both processes at the same instant, and records dropped when the ledger
 *   writes of two processes overlap (a copy then reaches the process that did not record it):
 *   counted, written to test/bench/tmp/queue-trigger.json and stated in the README.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

import { ledgerEntries } from '../../../nodes/MultiTalk/trigger/delivery';
import type { DeliveryLedger } from '../../../nodes/MultiTalk/trigger/delivery';
import type { WorkflowFixture } from '../n8nRunner';
import type { QueueCluster } from './queueCluster';
import { queueExecutions, startQueueCluster } from './queueCluster';

jest.setTimeout(20 * 60_000);

const SECRET = 'queue-secret';
const WEBHOOK_ID = 'q-mt-trigger-hook';
const WORKFLOW_ID = 'q-mt-trigger'; // n8n stores static data only for ids of at most 21 characters
const trigger: WorkflowFixture = {
	id: WORKFLOW_ID,
	name: 'MultiTalk Trigger (queue mode)',
	nodes: [
		{
			id: 'q-mt-trigger-node',
			name: 'MultiTalk Trigger',
			type: 'n8n-nodes-talking-avatars.multiTalkTrigger',
			typeVersion: 1,
			position: [0, 0],
			webhookId: WEBHOOK_ID,
			parameters: { statuses: ['completed', 'failed'], secret: SECRET },
		},
	],
	connections: {},
	settings: { executionOrder: 'v1' },
};
const PATH = `${WEBHOOK_ID}/webhook`;
/** MultiTalk's first retry after a failed attempt (the emulator's default backoff). */
const RETRY_SPACING_MS = 1000;

let cluster: QueueCluster;
const figures: Record<string, unknown> = {};

interface Answer {
	status: number;
	body: unknown;
	ms: number;
}

async function post(url: string, body: string, secret: string | undefined = SECRET): Promise<Answer> {
	const started = Date.now();
	const target = secret === undefined ? url : `${url}?secret=${encodeURIComponent(secret)}`;
	const response = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
	const text = await response.text();
	let parsed: unknown = text;
	try {
		parsed = JSON.parse(text);
	} catch {
		// kept as text
	}
	return { status: response.status, body: parsed, ms: Date.now() - started };
}

const event = (jobId: string, status = 'completed') =>
	JSON.stringify({ job_id: jobId, status, timestamp: new Date().toISOString(), result: { success: true }, error: null });

/** Executions per job id (read from the stored run data) once every execution has finished. */
async function executionsPerJob(jobIds: string[], settleMs = 3000): Promise<Map<string, number>> {
	let last = -1;
	for (;;) {
		const rows = await queueExecutions(cluster, WORKFLOW_ID);
		if (rows.length === last && rows.every((row) => row.finished || row.status === 'success')) break;
		last = rows.length;
		await new Promise((resolve) => setTimeout(resolve, settleMs));
	}
	const counts = new Map(jobIds.map((id) => [id, 0]));
	const rows = await cluster.sql<{ data: string }>(
		'SELECT d.data FROM execution_data d JOIN execution_entity e ON e.id = d."executionId" WHERE e."workflowId" = $1',
		[WORKFLOW_ID],
	);
	for (const row of rows) {
		for (const id of jobIds) if (row.data.includes(`"${id}"`)) counts.set(id, (counts.get(id) ?? 0) + 1);
	}
	return counts;
}

beforeAll(async () => {
	cluster = await startQueueCluster({ workflows: [trigger], publish: [WORKFLOW_ID], waitForWebhook: PATH });
});

afterAll(async () => {
	await cluster?.stop();
	if (Object.keys(figures).length) {
		const dir = path.resolve(__dirname, '..', '..', 'bench', 'tmp');
		mkdirSync(dir, { recursive: true });
		writeFileSync(path.join(dir, 'queue-trigger.json'), JSON.stringify(figures, null, 2));
		console.log(`queue-mode MultiTalk Trigger figures: ${JSON.stringify(figures)}`);
	}
});

describe('MultiTalk Trigger in queue mode (2 webhook processes, 2 workers)', () => {
	it('a copy reaching the other webhook process after a lost answer: none lost, escapes counted', async () => {
		const jobs = Array.from({ length: 10 }, (_, i) => `seq-${i}`);
		for (const [i, job] of jobs.entries()) {
			const first = await post(cluster.webhookUrl(PATH, i % 2), event(job));
			expect(first).toMatchObject({ status: 200, body: { message: 'Workflow was started' } });
		}
		await new Promise((resolve) => setTimeout(resolve, RETRY_SPACING_MS));
		let duplicates = 0;
		for (const [i, job] of jobs.entries()) {
			const retry = await post(cluster.webhookUrl(PATH, (i + 1) % 2), event(job));
			expect(retry.status).toBe(200);
			if ((retry.body as { reason?: string }).reason === 'duplicate') duplicates++;
		}
		const counts = await executionsPerJob(jobs);
		expect([...counts.values()].every((n) => n === 1 || n === 2)).toBe(true); // none lost, a copy at most once more
		const escaped = [...counts.values()].reduce((sum, n) => sum + n - 1, 0);
		expect(escaped).toBe(jobs.length - duplicates); // every copy not refused started, and nothing else
		figures.sequentialEvents = jobs.length;
		figures.sequentialRetriesEscaped = escaped;
		const rows = await queueExecutions(cluster, WORKFLOW_ID);
		expect(rows.every((row) => row.status === 'success' && row.mode === 'webhook')).toBe(true);
	});

	it('copies reaching both webhook processes at the same instant: none lost, escapes counted', async () => {
		const jobs = Array.from({ length: 20 }, (_, i) => `same-${i}`);
		const answers: Answer[] = [];
		for (const job of jobs) {
			answers.push(...(await Promise.all([0, 1].map((i) => post(cluster.webhookUrl(PATH, i), event(job))))));
		}
		expect(answers.every((a) => a.status === 200)).toBe(true);
		const counts = await executionsPerJob(jobs);
		expect([...counts.values()].every((n) => n >= 1)).toBe(true); // none lost
		const escaped = [...counts.values()].reduce((sum, n) => sum + n - 1, 0);
		figures.simultaneousPairs = jobs.length;
		figures.simultaneousEscaped = escaped;
		// each copy pair can start at most twice
		expect([...counts.values()].every((n) => n <= 2)).toBe(true);
	});

	it('after every process restarts: what the stored ledger holds is refused, escapes counted', async () => {
		const before = (await queueExecutions(cluster, WORKFLOW_ID)).length;
		const stored = await cluster.sql<{ staticData: Record<string, DeliveryLedger> }>(
			'SELECT "staticData" FROM workflow_entity WHERE id = $1',
			[WORKFLOW_ID],
		);
		const recorded = Object.keys(ledgerEntries(stored[0].staticData['node:MultiTalk Trigger'] ?? {}));
		await cluster.stopProcesses();
		await cluster.startProcesses();
		const jobs = [...Array.from({ length: 10 }, (_, i) => `seq-${i}`), ...Array.from({ length: 20 }, (_, i) => `same-${i}`)];
		let restarted = 0;
		for (const job of jobs) {
			const copy = await post(cluster.webhookUrl(PATH), event(job));
			expect(copy.status).toBe(200);
			const isDuplicate = (copy.body as { reason?: string }).reason === 'duplicate';
			// the stored ledger decides, nothing else
			expect(isDuplicate).toBe(recorded.includes(`${job}:completed`));
			if (!isDuplicate) restarted++;
		}
		figures.afterRestartReplayed = jobs.length;
		figures.afterRestartStartedAgain = restarted;
		await new Promise((resolve) => setTimeout(resolve, 2000));
		await executionsPerJob(jobs);
		expect((await queueExecutions(cluster, WORKFLOW_ID)).length).toBe(before + restarted);
	});

	it('burst through the load balancer: valid events retried after a lost answer, unauthorised and malformed calls', async () => {
		const valid = Array.from({ length: 60 }, (_, i) => `burst-${i}`);
		const calls: Array<() => Promise<Answer & { kind: string }>> = [];
		for (const job of valid) calls.push(async () => ({ kind: 'valid', ...(await post(cluster.webhookUrl(PATH), event(job))) }));
		for (let i = 0; i < 20; i++) calls.push(async () => ({ kind: 'unauthorised', ...(await post(cluster.webhookUrl(PATH), event(`intruder-${i}`), 'wrong')) }));
		for (let i = 0; i < 20; i++) calls.push(async () => ({ kind: 'malformed', ...(await post(cluster.webhookUrl(PATH), '{"job_id": "x", "status": ') ) }));
		// shuffled, 10 in flight at a time (2 CPUs run all five n8n processes and this test)
		calls.sort(() => Math.random() - 0.5);
		const answers: Array<Answer & { kind: string }> = [];
		const started = Date.now();
		let next = 0;
		await Promise.all(
			Array.from({ length: 10 }, async () => {
				while (next < calls.length) answers.push(await calls[next++]());
			}),
		);
		// every valid event again, after MultiTalk's retry spacing (the first answer "was lost")
		await new Promise((resolve) => setTimeout(resolve, RETRY_SPACING_MS));
		const retries: Answer[] = [];
		let nextRetry = 0;
		await Promise.all(
			Array.from({ length: 10 }, async () => {
				while (nextRetry < valid.length) retries.push(await post(cluster.webhookUrl(PATH), event(valid[nextRetry++])));
			}),
		);
		figures.burstCalls = calls.length + retries.length;
		figures.burstSeconds = (Date.now() - started) / 1000;
		figures.burstSlowestAnswerMs = Math.max(...answers.map((a) => a.ms), ...retries.map((a) => a.ms));
		const statuses: Record<string, number> = {};
		for (const a of [...answers, ...retries.map((r) => ({ ...r, kind: 'retry' }))]) {
			statuses[`${a.kind} ${a.status}`] = (statuses[`${a.kind} ${a.status}`] ?? 0) + 1;
		}
		figures.burstStatuses = statuses;

		expect(answers.filter((a) => a.kind === 'unauthorised').every((a) => a.status === 401)).toBe(true);
		expect(answers.filter((a) => a.kind === 'malformed').every((a) => a.status === 400)).toBe(true);
		expect(answers.filter((a) => a.kind === 'valid').every((a) => a.status === 200)).toBe(true);
		expect(retries.every((a) => a.status === 200)).toBe(true);
		// MultiTalk gives up on an answer after 10 s: measured, not asserted (this machine also runs
		// all five n8n processes, Postgres and Redis on 2 CPUs; see the README)

		const counts = await executionsPerJob(valid);
		expect([...counts.values()].every((n) => n >= 1)).toBe(true); // none lost
		figures.burstValidEvents = valid.length;
		figures.burstRetriesStartedAgain = [...counts.values()].reduce((sum, n) => sum + n - 1, 0);
		figures.burstRetriesAnsweredDuplicate = retries.filter((a) => (a.body as { reason?: string }).reason === 'duplicate').length;
		const intruders = await cluster.sql<{ n: number }>(
			`SELECT count(*)::int AS n FROM execution_data d JOIN execution_entity e ON e.id = d."executionId" WHERE e."workflowId" = $1 AND d.data LIKE '%intruder-%'`,
			[WORKFLOW_ID],
		);
		expect(intruders[0].n).toBe(0);
	});
});
