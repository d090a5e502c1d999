/**
 * Benchmark 4: MultiTalk Trigger throughput vs n8n's built-in Webhook node, side by side in one
 * running n8n: single process (`n8n start`, SQLite) and queue mode (test/e2e/queue/queueCluster.ts:
 * main + 2 webhook processes behind a round-robin proxy + 2 workers, Postgres, Redis).
 *
 * Every contender is a published workflow holding only its trigger, called with the same JSON
 * body (a documented MultiTalk job ending, a new job_id each call) and answering the same
 * `{"message":"Workflow was started"}`:
 * - webhook: Webhook node 2.1, POST, Respond Immediately;
 * - trigger: MultiTalk Trigger (Trigger On: completed; no secret, as the Webhook node has none);
 * - triggerFull: the same trigger with its ledger full (10,000 recorded events, the cap), to see
 *   what the ledger's size costs.
 *
 * Per round and contender (contenders rotated each round): `latencyEvents` calls one after the
 * other (answer time of each call = per-event latency, what MultiTalk waits for), then
 * `throughputEvents` calls `concurrency` at a time; executions per second = events / (first
 * call sent .. last execution stopped, as n8n stored it).
 */
import { randomUUID } from 'node:crypto';

import type { INode } from 'n8n-workflow';

import type { N8nHome, RunningN8n, WorkflowFixture } from '../e2e/n8nRunner';
import { createN8nHome, listExecutions, startN8n } from '../e2e/n8nRunner';
import type { QueueCluster } from '../e2e/queue/queueCluster';
import { startQueueCluster } from '../e2e/queue/queueCluster';
import { waitForPostWebhook } from '../reliability-helpers/realN8n';
import type { BenchOptions } from './lib';
import { fmt, fmtX, median, packageNodeType, rotated } from './lib';

export const CONTENDERS = ['webhook', 'trigger', 'triggerFull'] as const;
export type Contender = (typeof CONTENDERS)[number];
export const MODES = ['single', 'queue'] as const;
export type Mode = (typeof MODES)[number];

export const LABELS: Record<Contender, string> = {
	webhook: 'Built-in Webhook node 2.1 (POST, Respond Immediately)',
	trigger: 'MultiTalk Trigger',
	triggerFull: 'MultiTalk Trigger, ledger full (10,000 events recorded)',
};

export const IDS: Record<Contender, string> = { webhook: 'benchTrgWebhook01', trigger: 'benchTrgTrigger01', triggerFull: 'benchTrgTrigFull01' };
export const PATHS: Record<Contender, string> = {
	webhook: 'bench-trigger-webhook',
	trigger: 'bench-trg-trigger/webhook',
	triggerFull: 'bench-trg-full/webhook',
};

export interface TriggerConfig {
	latencyEvents: number;
	throughputEvents: number;
	concurrency: number;
	ledgerEntries: number;
}

export interface TriggerSample {
	round: number;
	/** Answer time of each sequential call (ms). */
	latencyMs: number[];
	/** Sequential calls: from sending to the execution's stoppedAt (ms), median. */
	endToEndMs: number;
	/** Concurrent calls: executions per second. */
	execPerS: number;
	/** Concurrent calls: slowest answer (ms). */
	slowestAnswerMs: number;
	/** Answers other than 200 with the expected body (should be 0). */
	badAnswers: number;
	/** Calls answered "started" whose execution had not stopped 2 minutes later (should be 0). */
	missing: number;
}

export interface ModeResult {
	samples: Record<Contender, TriggerSample[]>;
	medians: Record<Contender, { latencyMs: number; latencyP90Ms: number; endToEndMs: number; execPerS: number; slowestAnswerMs: number }>;
}

export interface TriggerResult {
	config: TriggerConfig;
	rounds: number;
	modes: Partial<Record<Mode, ModeResult>>;
	/** n8n settings the run changed from n8n's defaults (none for the published figures). */
	n8nEnv?: NodeJS.ProcessEnv;
}

export function workflows(ledgerEntries: number): WorkflowFixture[] {
	const trigger = (contender: 'trigger' | 'triggerFull', webhookId: string): WorkflowFixture => {
		const node: INode = {
			id: `${contender}-node`,
			name: 'MultiTalk Trigger',
			type: packageNodeType('multiTalkTrigger'),
			typeVersion: 1,
			position: [0, 0],
			webhookId,
			parameters: { statuses: ['completed'] },
		};
		const now = Date.now();
		const delivered: Record<string, number> = {};
		if (contender === 'triggerFull') for (let i = 0; i < ledgerEntries; i++) delivered[`seed-${i}:completed`] = now - ledgerEntries + i;
		return {
			id: IDS[contender],
			name: LABELS[contender],
			nodes: [node],
			connections: {},
			settings: { executionOrder: 'v1' },
			...(contender === 'triggerFull' ? { staticData: { 'node:MultiTalk Trigger': { delivered } } } : {}),
		};
	};
	return [
		{
			id: IDS.webhook,
			name: LABELS.webhook,
			nodes: [
				{
					id: 'webhook-node',
					name: 'Webhook',
					type: 'n8n-nodes-base.webhook',
					typeVersion: 2.1,
					position: [0, 0],
					webhookId: randomUUID(),
					parameters: { httpMethod: 'POST', path: PATHS.webhook, responseMode: 'onReceived', options: {} },
				},
			],
			connections: {},
			settings: { executionOrder: 'v1' },
		},
		trigger('trigger', PATHS.trigger.split('/')[0]),
		trigger('triggerFull', PATHS.triggerFull.split('/')[0]),
	];
}

/** What the benchmark needs from either topology. */
interface Target {
	url(contender: Contender): string;
	/** Stopped executions of a workflow: how many, and the stoppedAt of each (epoch ms). */
	stopped(contender: Contender): Promise<number[]>;
}

const toMs = (value: unknown): number => {
	if (value instanceof Date) return value.getTime();
	const text = String(value);
	return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
};

function singleTarget(n8n: RunningN8n, home: N8nHome): Target {
	return {
		url: (c) => n8n.webhookUrl(PATHS[c]),
		stopped: async (c) =>
			listExecutions(home, { workflowId: IDS[c] })
				.filter((row) => row.stoppedAt !== null)
				.map((row) => toMs(row.stoppedAt)),
	};
}

function queueTarget(cluster: QueueCluster): Target {
	return {
		url: (c) => cluster.webhookUrl(PATHS[c]),
		stopped: async (c) =>
			(
				await cluster.sql<{ stoppedAt: Date }>('SELECT "stoppedAt" FROM execution_entity WHERE "workflowId" = $1 AND "stoppedAt" IS NOT NULL', [IDS[c]])
			).map((row) => toMs(row.stoppedAt)),
	};
}

const body = (jobId: string) =>
	JSON.stringify({ job_id: jobId, status: 'completed', timestamp: new Date().toISOString(), result: { success: true, video_url: 's3://outputs/v.mp4' }, error: null });

export async function call(url: string): Promise<{ ms: number; ok: boolean; sentAt: number }> {
	const sentAt = Date.now();
	const started = performance.now();
	const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(`bench-${randomUUID()}`) });
	const text = await response.text();
	const ms = performance.now() - started;
	let ok = response.status === 200;
	try {
		ok &&= (JSON.parse(text) as { message?: string }).message === 'Workflow was started';
	} catch {
		ok = false;
	}
	return { ms, ok, sentAt };
}

/** The stopped executions once there are `count` of them, or what there is after `timeoutMs` (reported as missing). */
async function waitStopped(target: Target, contender: Contender, count: number, timeoutMs: number): Promise<number[]> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const stops = await target.stopped(contender);
		if (stops.length >= count || Date.now() > deadline) return stops;
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
}

async function measure(target: Target, contender: Contender, config: TriggerConfig, round: number): Promise<TriggerSample> {
	let badAnswers = 0;
	let missing = 0;
	// one after the other
	const latencyMs: number[] = [];
	const endToEnd: number[] = [];
	for (let i = 0; i < config.latencyEvents; i++) {
		const before = (await target.stopped(contender)).length;
		const answer = await call(target.url(contender));
		latencyMs.push(answer.ms);
		if (!answer.ok) badAnswers++;
		const stops = await waitStopped(target, contender, before + 1, 120_000);
		if (stops.length > before) endToEnd.push(Math.max(...stops) - answer.sentAt);
		else missing++;
	}
	// `concurrency` at a time
	const before = (await target.stopped(contender)).length;
	const answers: number[] = [];
	const firstSent = Date.now();
	let next = 0;
	await Promise.all(
		Array.from({ length: config.concurrency }, async () => {
			while (next < config.throughputEvents) {
				next++;
				const answer = await call(target.url(contender));
				answers.push(answer.ms);
				if (!answer.ok) badAnswers++;
			}
		}),
	);
	const stops = await waitStopped(target, contender, before + config.throughputEvents, 120_000);
	missing += Math.max(0, before + config.throughputEvents - stops.length);
	const lastStop = Math.max(...stops.sort((a, b) => a - b).slice(before));
	return {
		round,
		latencyMs,
		endToEndMs: median(endToEnd),
		execPerS: config.throughputEvents / ((lastStop - firstSent) / 1000),
		slowestAnswerMs: Math.max(...answers),
		badAnswers,
		missing,
	};
}

const p90 = (values: number[]) => {
	const v = [...values].sort((a, b) => a - b);
	return v[Math.min(v.length - 1, Math.floor(v.length * 0.9))] ?? Number.NaN;
};

async function runRounds(target: Target, config: TriggerConfig, mode: Mode, options: BenchOptions): Promise<ModeResult> {
	// warm-up: n8n compiles and caches on the first calls of each workflow
	for (const contender of CONTENDERS) for (let i = 0; i < 5; i++) await call(target.url(contender));
	const samples = Object.fromEntries(CONTENDERS.map((c) => [c, [] as TriggerSample[]])) as ModeResult['samples'];
	for (let round = 0; round < options.repeats; round++) {
		for (const contender of rotated([...CONTENDERS], round)) {
			const s = await measure(target, contender, config, round);
			samples[contender].push(s);
			options.log(
				`trigger ${mode} round ${round + 1}/${options.repeats} ${contender}: answer median ${fmt(median(s.latencyMs), 0)} ms, end-to-end ${fmt(s.endToEndMs, 0)} ms, ${fmt(s.execPerS)} exec/s, slowest answer ${fmt(s.slowestAnswerMs, 0)} ms${s.badAnswers ? `, ${s.badAnswers} bad answers` : ''}${s.missing ? `, ${s.missing} executions not stopped 2 min later` : ''}`,
			);
		}
	}
	const medians = Object.fromEntries(
		CONTENDERS.map((c) => {
			const all = samples[c].flatMap((s) => s.latencyMs);
			return [
				c,
				{
					latencyMs: median(all),
					latencyP90Ms: p90(all),
					endToEndMs: median(samples[c].map((s) => s.endToEndMs)),
					execPerS: median(samples[c].map((s) => s.execPerS)),
					slowestAnswerMs: Math.max(...samples[c].map((s) => s.slowestAnswerMs)),
				},
			];
		}),
	) as ModeResult['medians'];
	return { samples, medians };
}

export async function runTriggerBenchmark(options: BenchOptions, modes: Mode[] = [...MODES], n8nEnv: NodeJS.ProcessEnv = {}): Promise<TriggerResult> {
	const config: TriggerConfig = options.quick
		? { latencyEvents: 10, throughputEvents: 40, concurrency: 8, ledgerEntries: 10_000 }
		: { latencyEvents: 30, throughputEvents: 100, concurrency: 8, ledgerEntries: 10_000 };
	const result: TriggerResult = { config, rounds: options.repeats, modes: {}, ...(Object.keys(n8nEnv).length ? { n8nEnv } : {}) };
	const fixtures = workflows(config.ledgerEntries);
	if (modes.includes('single')) {
		const home = await createN8nHome({ workflows: fixtures, env: { DB_PING_TIMEOUT_MS: '30000', ...n8nEnv } });
		let n8n: RunningN8n | undefined;
		try {
			n8n = await startN8n(home, { publish: Object.values(IDS) });
			for (const c of CONTENDERS) await waitForPostWebhook(n8n.webhookUrl(PATHS[c]));
			result.modes.single = await runRounds(singleTarget(n8n, home), config, 'single', options);
		} finally {
			await n8n?.stop();
			await home.cleanup();
		}
	}
	if (modes.includes('queue')) {
		const cluster = await startQueueCluster({ workflows: fixtures, publish: Object.values(IDS), waitForWebhook: PATHS.trigger, env: n8nEnv });
		try {
			for (const c of CONTENDERS) for (const i of [0, 1]) await waitForPostWebhook(cluster.webhookUrl(PATHS[c], i));
			result.modes.queue = await runRounds(queueTarget(cluster), config, 'queue', options);
		} finally {
			await cluster.stop();
		}
	}
	return result;
}

const MODE_TITLES: Record<Mode, string> = {
	single: 'Single process (`n8n start`, SQLite)',
	queue: 'Queue mode (main + 2 webhook processes behind a round-robin proxy + 2 workers, Postgres, Redis)',
};

export function triggerMarkdown(result: TriggerResult): string {
	const c = result.config;
	const lines = [
		'### 4. MultiTalk Trigger vs the Webhook node',
		'',
		`Published workflows holding only their trigger, in one running n8n, called with the same MultiTalk job-ending JSON (a new job_id each call) and answering the same \`{"message":"Workflow was started"}\`. Per round and contender (rotated each round): ${c.latencyEvents} calls one after the other (answer time = latency; end-to-end = call sent to the execution's stoppedAt), then ${c.throughputEvents} calls ${c.concurrency} at a time (executions/s = calls / first call sent .. last execution stopped). ${result.rounds} rounds. Ratios: trigger / Webhook node (latency) and Webhook node / trigger (throughput), so 1.00x is equal and higher is slower.`,
		'',
	];
	for (const mode of MODES) {
		const r = result.modes[mode];
		if (!r) continue;
		const w = r.medians.webhook;
		lines.push(
			`**${MODE_TITLES[mode]}**`,
			'',
			'| contender | answer, median | answer, p90 | end-to-end, median | executions/s | slowest answer under load | latency ratio | throughput ratio | exec/s per round | executions not stopped 2 min later |',
			'| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |',
			...CONTENDERS.map((k) => {
				const m = r.medians[k];
				return `| ${LABELS[k]} | **${fmt(m.latencyMs, 0)} ms** | ${fmt(m.latencyP90Ms, 0)} ms | ${fmt(m.endToEndMs, 0)} ms | **${fmt(m.execPerS)}** | ${fmt(m.slowestAnswerMs, 0)} ms | ${fmtX(m.latencyMs / w.latencyMs)} | ${fmtX(w.execPerS / m.execPerS)} | ${r.samples[k].map((s) => fmt(s.execPerS)).join(', ')} | ${r.samples[k].reduce((n, s) => n + (s.missing ?? 0), 0)} |`;
			}),
			'',
		);
	}
	return lines.join('\n');
}

/** One line per mode for the README. */
export function triggerSummary(result: TriggerResult): string[] {
	return MODES.filter((mode) => result.modes[mode]).map((mode) => {
		const m = (result.modes[mode] as ModeResult).medians;
		return `${MODE_TITLES[mode]}: answer ${fmt(m.trigger.latencyMs, 0)} ms vs ${fmt(m.webhook.latencyMs, 0)} ms (${fmtX(m.trigger.latencyMs / m.webhook.latencyMs)}), ${fmt(m.trigger.execPerS)} vs ${fmt(m.webhook.execPerS)} executions/s (${fmtX(m.webhook.execPerS / m.trigger.execPerS)}); with a full ledger ${fmt(m.triggerFull.latencyMs, 0)} ms, ${fmt(m.triggerFull.execPerS)}/s.`;
	});
}
