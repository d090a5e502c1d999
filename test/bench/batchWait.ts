/**
 * Benchmark 2: batch wait. 20 MultiTalk jobs of 5 s each, the plan running 10 at once
 * (the stand-in's `multiTalkConcurrentJobs`; jobs beyond it stay `pending` until a slot frees).
 *
 * - package: MultiTalk, Submit and Wait, Items in Parallel 10, Poll Interval 1 s, Download
 *   Video on.
 * - loop: what a competent n8n user builds without this package: HTTP Request "Submit" (all 20
 *   items at once), then Wait 1 s -> HTTP Request "Get Status" -> IF "Done?" (status is
 *   completed, failed or cancelled); not done goes back to Wait, done goes on to "Get Download
 *   URL" and "Download Video" (response format File), so both sides end with the 20 MP4s.
 *
 * Wall is n8n's own execution time (startedAt to stoppedAt of the run: n8n's start-up is not part
 * of a batch); the process wall is reported too. Polls come from the emulator's request log:
 * `GET /jobs/{id}` per job, and `GET /jobs` (the list this package reads every waiting job's
 * status from) for the whole batch.
 */
import type { IBinaryData, INode } from 'n8n-workflow';

import type { CredentialFixture, WorkflowFixture } from '../e2e/n8nRunner';
import type { Emulator } from '../emulator/server';
import { maxOverlap, multiTalkState } from '../emulator/providers/multitalk';
import type { BenchOptions, MeasuredRun, Target } from './lib';
import {
	clearBinaryStorage,
	createBenchHome,
	executeMeasured,
	fmt,
	fmtS,
	fmtX,
	median,
	nodeItems,
	packageNodeType,
	rotated,
	targetsTable,
} from './lib';
import { batchWorkflow } from './workflows';

export const SIDES = ['package', 'loop'] as const;
export type Side = (typeof SIDES)[number];

export const LABELS = (config: WaitConfig): Record<Side, string> => ({
	package: `This package: MultiTalk Submit and Wait (Items in Parallel ${config.concurrent})`,
	loop: 'HTTP Request + Wait + IF loop (built-in nodes)',
});

const WORKFLOW_ID: Record<Side, string> = { package: 'benchWaitPackage', loop: 'benchWaitLoop001' };
const OUTPUT_NODE: Record<Side, string> = { package: 'MultiTalk', loop: 'Download Video' };
const IMAGE = 's3://bench-inputs/person.png';
const AUDIO = 's3://bench-inputs/voice.wav';

export interface WaitConfig {
	jobs: number;
	jobMs: number;
	concurrent: number;
	intervalS: number;
}

export interface WaitSample {
	round: number;
	/** The run succeeded and every job ended with its MP4. */
	ok: boolean;
	error?: string;
	runWallMs: number;
	processWallMs: number;
	/** GET /jobs/{id} per job: largest and mean. */
	maxPollsPerJob: number;
	meanPollsPerJob: number;
	/** GET /jobs (list) requests of the whole batch. */
	listRequests: number;
	/** All status requests (list + per job) divided by the number of jobs. */
	statusRequestsPerJob: number;
	totalRequests: number;
	/** Requests MultiTalk refused with 429. */
	rateLimited: number;
	/** Most jobs submitted and not finished at once / processing at once. */
	maxInFlight: number;
	maxProcessing: number;
}

export type SideMedians = Pick<
	WaitSample,
	'runWallMs' | 'processWallMs' | 'maxPollsPerJob' | 'meanPollsPerJob' | 'listRequests' | 'statusRequestsPerJob' | 'totalRequests'
>;

export interface WaitScenarioResult {
	name: string;
	/** Requests per minute MultiTalk allows (0: no limit). */
	rateLimit: number;
	samples: Record<Side, WaitSample[]>;
	/** Over the successful runs. */
	medians: Record<Side, SideMedians>;
}

export interface WaitResult {
	config: WaitConfig;
	idealMs: number;
	pollBound: number;
	rounds: number;
	scenarios: WaitScenarioResult[];
	targets: Target[];
}

function credentials(emulator: Emulator): CredentialFixture[] {
	return [
		{ id: 'cred-multitalk', name: 'MultiTalk account', type: 'multiTalkApi', data: { apiKey: emulator.keys.multiTalk, baseUrl: emulator.urls.multiTalk } },
		{
			id: 'cred-bench-mt-header',
			name: 'MultiTalk header auth',
			type: 'httpHeaderAuth',
			data: { name: 'Authorization', value: `Bearer ${emulator.keys.multiTalk}` },
		},
	];
}

function packageWorkflow(config: WaitConfig): WorkflowFixture {
	const node: INode = {
		id: 'p1',
		name: OUTPUT_NODE.package,
		type: packageNodeType('multiTalk'),
		typeVersion: 1,
		position: [600, 0],
		parameters: {
			resource: 'job',
			operation: 'submitAndWait',
			prompt: '=Benchmark job {{ $json.index }}',
			imageS3Url: IMAGE,
			audio: { urls: [{ url: AUDIO }] },
			timeoutMinutes: 10,
			pollIntervalSeconds: config.intervalS,
			downloadVideo: true,
			binaryPropertyName: 'data',
			maxConcurrentJobs: config.concurrent,
		},
		credentials: { multiTalkApi: { id: 'cred-multitalk', name: 'MultiTalk account' } },
	};
	return batchWorkflow(WORKFLOW_ID.package, 'Bench: 20 jobs with Submit and Wait', config.jobs, [node]);
}

function loopWorkflow(emulator: Emulator, config: WaitConfig): WorkflowFixture {
	const auth = {
		authentication: 'genericCredentialType',
		genericAuthType: 'httpHeaderAuth',
	};
	const credentialsRef = { httpHeaderAuth: { id: 'cred-bench-mt-header', name: 'MultiTalk header auth' } };
	const base = emulator.urls.multiTalk;
	const submit: INode = {
		id: 'l1',
		name: 'Submit Job',
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position: [600, 0],
		parameters: {
			method: 'POST',
			url: `${base}/generate`,
			...auth,
			sendBody: true,
			specifyBody: 'json',
			jsonBody: `={\n  "prompt": "Benchmark job {{ $json.index }}",\n  "image_s3_url": "${IMAGE}",\n  "audio_s3_urls": "${AUDIO}"\n}`,
			options: {},
		},
		credentials: credentialsRef,
	};
	const wait: INode = {
		id: 'l2',
		name: 'Wait',
		type: 'n8n-nodes-base.wait',
		typeVersion: 1.1,
		position: [800, 0],
		webhookId: '5f0c7a3e-4b7e-4f43-9d1c-2a9b8f6e1c01',
		parameters: { amount: config.intervalS, unit: 'seconds' },
	};
	const status: INode = {
		id: 'l3',
		name: 'Get Status',
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position: [1000, 0],
		parameters: { method: 'GET', url: `=${base}/jobs/{{ $json.job_id }}`, ...auth, options: {} },
		credentials: credentialsRef,
	};
	const done: INode = {
		id: 'l4',
		name: 'Done?',
		type: 'n8n-nodes-base.if',
		typeVersion: 2,
		position: [1200, 0],
		parameters: {
			conditions: {
				options: { caseSensitive: true, leftValue: '', typeValidation: 'strict' },
				conditions: ['completed', 'failed', 'cancelled'].map((value, i) => ({
					id: `c${i}`,
					leftValue: '={{ $json.status }}',
					rightValue: value,
					operator: { type: 'string', operation: 'equals' },
				})),
				combinator: 'or',
			},
			options: {},
		},
	};
	const link: INode = {
		id: 'l5',
		name: 'Get Download URL',
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position: [1400, -100],
		parameters: { method: 'GET', url: `=${base}/jobs/{{ $json.job_id }}/download`, ...auth, options: {} },
		credentials: credentialsRef,
	};
	const download: INode = {
		id: 'l6',
		name: OUTPUT_NODE.loop,
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position: [1600, -100],
		parameters: {
			method: 'GET',
			url: '={{ $json.download_url }}',
			options: { response: { response: { responseFormat: 'file', outputPropertyName: 'data' } } },
		},
	};
	const workflow = batchWorkflow(WORKFLOW_ID.loop, 'Bench: 20 jobs with an HTTP Request + Wait + IF loop', config.jobs, [
		submit,
		wait,
		status,
		done,
		link,
		download,
	]);
	// IF: true (output 0) -> Get Download URL; false (output 1) -> back to Wait
	workflow.connections['Done?'] = {
		main: [[{ node: link.name, type: 'main', index: 0 }], [{ node: wait.name, type: 'main', index: 0 }]],
	};
	return workflow;
}

function sample(round: number, run: MeasuredRun, emulator: Emulator, config: WaitConfig, side: Side): WaitSample {
	const requests = emulator.requests({ service: 'multiTalk' });
	const perJob = new Map<string, number>();
	for (const r of requests) {
		const m = /^\/api\/v1\/jobs\/([^/]+)$/.exec(r.path);
		if (r.method === 'GET' && m) perJob.set(m[1], (perJob.get(m[1]) ?? 0) + 1);
	}
	const state = multiTalkState(emulator);
	for (const id of state.order) if (!perJob.has(id)) perJob.set(id, 0);
	const counts = [...perJob.values()];
	const listRequests = requests.filter((r) => r.method === 'GET' && r.path === '/api/v1/jobs').length;
	const jobs = [...state.jobs.values()];

	let error: string | undefined;
	if (run.status !== 'success') error = run.error ?? `run ended "${run.status}"`;
	else {
		const outputs = nodeItems(run, OUTPUT_NODE[side]);
		const withVideo = outputs.filter((item) => (item.binary?.data as IBinaryData | undefined)?.mimeType === 'video/mp4');
		const completed = jobs.filter((job) => job.status === 'completed').length;
		if (outputs.length !== config.jobs || withVideo.length !== config.jobs || jobs.length !== config.jobs || completed !== config.jobs) {
			error = `expected ${config.jobs} items with an MP4 and ${config.jobs} completed jobs; got ${outputs.length} items, ${withVideo.length} with video, ${jobs.length} jobs, ${completed} completed`;
		}
	}
	return {
		round,
		ok: error === undefined,
		error,
		runWallMs: run.runWallMs,
		processWallMs: run.processWallMs,
		maxPollsPerJob: Math.max(0, ...counts),
		meanPollsPerJob: counts.reduce((a, b) => a + b, 0) / Math.max(1, counts.length),
		listRequests,
		statusRequestsPerJob: (listRequests + counts.reduce((a, b) => a + b, 0)) / Math.max(1, jobs.length),
		totalRequests: requests.length,
		rateLimited: requests.filter((r) => r.status === 429).length,
		maxInFlight: maxOverlap(jobs, 'submittedAt'),
		maxProcessing: state.maxProcessing,
	};
}

function mediansOf(samples: WaitSample[]): SideMedians {
	const ok = samples.filter((x) => x.ok);
	const m = (f: (x: WaitSample) => number) => median(ok.map(f));
	return {
		runWallMs: m((x) => x.runWallMs),
		processWallMs: m((x) => x.processWallMs),
		maxPollsPerJob: m((x) => x.maxPollsPerJob),
		meanPollsPerJob: m((x) => x.meanPollsPerJob),
		listRequests: m((x) => x.listRequests),
		statusRequestsPerJob: m((x) => x.statusRequestsPerJob),
		totalRequests: m((x) => x.totalRequests),
	};
}

/**
 * Two scenarios, each run in alternating pairs: MultiTalk without a request limit (the
 * stand-in's default), then with the documented 100 requests per minute.
 */
export async function runBatchWaitBenchmark(emulator: Emulator, options: BenchOptions): Promise<WaitResult> {
	const config: WaitConfig = options.quick
		? { jobs: 4, jobMs: 1000, concurrent: 2, intervalS: 1 }
		: { jobs: 20, jobMs: 5000, concurrent: 10, intervalS: 1 };
	const idealMs = Math.ceil(config.jobs / config.concurrent) * config.jobMs;
	const pollBound = config.jobMs / 1000 / config.intervalS + 2;
	const saved = { ...emulator.settings };
	Object.assign(emulator.settings, { multiTalkJobMs: config.jobMs, multiTalkConcurrentJobs: config.concurrent });

	options.log('batch-wait: creating the n8n home');
	const home = await createBenchHome({
		credentials: credentials(emulator),
		workflows: [packageWorkflow(config), loopWorkflow(emulator, config)],
	});
	const scenarios: WaitScenarioResult[] = [];
	try {
		for (const scenario of [
			{ name: 'MultiTalk without a request limit', rateLimit: 0 },
			{ name: 'MultiTalk with its documented limit of 100 requests per minute', rateLimit: 100 },
		]) {
			Object.assign(emulator.settings, { multiTalkRateLimit: scenario.rateLimit, multiTalkRateWindowMs: 60_000 });
			const samples: Record<Side, WaitSample[]> = { package: [], loop: [] };
			for (let round = 0; round < options.repeats; round++) {
				for (const side of rotated([...SIDES], round)) {
					multiTalkState(emulator).reset();
					emulator.clearLog();
					const run = await executeMeasured(home, WORKFLOW_ID[side]);
					const s = sample(round, run, emulator, config, side);
					samples[side].push(s);
					clearBinaryStorage(home);
					if (!s.ok && side === 'package') throw new Error(`batch-wait ${side}: ${s.error}\n${run.raw.split('\n').slice(-30).join('\n')}`);
					options.log(
						`batch-wait [limit ${scenario.rateLimit || 'none'}] round ${round + 1}/${options.repeats} ${side}: ${s.ok ? 'ok' : `FAILED (${s.error})`}, run ${fmtS(s.runWallMs)} (process ${fmtS(s.processWallMs)}), GET /jobs/{id} per job max ${s.maxPollsPerJob} mean ${fmt(s.meanPollsPerJob)}, list ${s.listRequests}, requests ${s.totalRequests} (429: ${s.rateLimited}), in flight ${s.maxInFlight}`,
					);
				}
			}
			scenarios.push({ ...scenario, samples, medians: { package: mediansOf(samples.package), loop: mediansOf(samples.loop) } });
		}
	} finally {
		multiTalkState(emulator).reset();
		for (const key of Object.keys(emulator.settings)) delete emulator.settings[key];
		Object.assign(emulator.settings, saved);
		await home.cleanup();
	}

	const main = scenarios[0].medians;
	const ours = main.package;
	const loop = main.loop;
	const targets = [
		{ name: `Wall at most 1.3x the ideal (${fmtS(idealMs, 0)})`, value: fmtX(ours.runWallMs / idealMs), met: ours.runWallMs / idealMs <= 1.3 },
		{ name: 'At least 5x faster than the loop', value: `the loop takes ${fmtX(loop.runWallMs / ours.runWallMs)} this package's time`, met: loop.runWallMs / ours.runWallMs >= 5 },
		{
			name: `GET /jobs/{id} per job at most duration/interval + 2 = ${fmt(pollBound, 0)}`,
			value: `max ${fmt(ours.maxPollsPerJob, 0)}; with the shared list requests, ${fmt(ours.statusRequestsPerJob)} status requests per job`,
			met: ours.maxPollsPerJob <= pollBound && ours.statusRequestsPerJob <= pollBound,
		},
	];
	return { config, idealMs, pollBound, rounds: options.repeats, scenarios, targets };
}

export function batchWaitMarkdown(result: WaitResult): string {
	const c = result.config;
	const labels = LABELS(c);
	const table = (scenario: WaitScenarioResult) => [
		'| contender | completed runs | run wall | vs ideal | process wall | GET /jobs/{id} per job (max / mean) | GET /jobs list requests | status requests per job | all MultiTalk requests | refused with 429 (per round) | jobs in flight at once (per round) | run wall per round (s) |',
		'| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |',
		...SIDES.map((side) => {
			const m = scenario.medians[side];
			const s = scenario.samples[side];
			const ok = s.filter((x) => x.ok).length;
			return `| ${labels[side]} | ${ok}/${s.length} | **${fmtS(m.runWallMs)}** | ${fmtX(m.runWallMs / result.idealMs)} | ${fmtS(m.processWallMs)} | ${fmt(m.maxPollsPerJob, 0)} / ${fmt(m.meanPollsPerJob)} | ${fmt(m.listRequests, 0)} | ${fmt(m.statusRequestsPerJob)} | ${fmt(m.totalRequests, 0)} | ${s.map((x) => x.rateLimited).join(', ')} | ${s.map((x) => x.maxInFlight).join(', ')} | ${s.map((x) => (x.ok ? (x.runWallMs / 1000).toFixed(2) : 'failed')).join(', ')} |`;
		}),
	];
	const failures = (scenario: WaitScenarioResult) =>
		SIDES.flatMap((side) => scenario.samples[side].filter((x) => !x.ok).map((x) => `- ${labels[side]}, round ${x.round + 1}: ${x.error}`));
	const main = result.scenarios[0].medians;
	return [
		`### 2. Batch wait: ${c.jobs} MultiTalk jobs of ${c.jobMs / 1000} s, ${c.concurrent} at once`,
		'',
		`The MultiTalk stand-in runs at most ${c.concurrent} jobs at a time (more wait as \`pending\`), each job ${c.jobMs / 1000} s; the ideal is ${Math.ceil(c.jobs / c.concurrent)} waves = ${fmtS(result.idealMs, 0)}. Both sides poll every ${c.intervalS} s and end with the ${c.jobs} MP4s as binary data (this package: Submit and Wait with Download Video; the loop: HTTP Request submit (all items at once) -> Wait -> HTTP Request status -> IF done? -> no: back to Wait; yes: HTTP Request download URL -> HTTP Request file). Run wall: n8n's execution (startedAt to stoppedAt); process wall adds n8n's start-up. Polls: from the emulator's request log. Medians of the completed runs of ${result.rounds} rounds, the side going first alternating.`,
		'',
		...result.scenarios.flatMap((scenario) => [
			`**${scenario.name}**`,
			'',
			...table(scenario),
			'',
			...failures(scenario),
			...(failures(scenario).length ? [''] : []),
		]),
		`Ratio (no request limit): the loop takes **${fmtX(main.loop.runWallMs / main.package.runWallMs)}** the time of this package (run wall) and sends ${fmtX(main.loop.totalRequests / main.package.totalRequests)} its requests.`,
		'',
		...targetsTable(result.targets, 'target (scenario without a request limit)'),
	].join('\n');
}
