/**
 * Benchmark 2: batch wait. 20 MultiTalk jobs of 5 s each, the plan running 10 at once
 * (the stand-in's `multiTalkConcurrentJobs`; jobs beyond it stay `pending` until a slot frees).
 *
 * - package: MultiTalk, Submit and Wait, Max Concurrent Jobs 10, Poll Interval 1 s, Download
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
import type { BenchOptions, MeasuredRun } from './lib';
import {
	assertSuccess,
	clearBinaryStorage,
	createBenchHome,
	executeMeasured,
	fmt,
	fmtS,
	fmtX,
	list,
	median,
	nodeItems,
	packageNodeType,
	rotated,
} from './lib';
import { batchWorkflow } from './workflows';

export const SIDES = ['package', 'loop'] as const;
export type Side = (typeof SIDES)[number];

export const LABELS: Record<Side, string> = {
	package: 'This package: MultiTalk Submit and Wait (Max Concurrent Jobs 10)',
	loop: 'HTTP Request + Wait + IF loop (built-in nodes)',
};

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
	/** Most jobs submitted and not finished at once / processing at once. */
	maxInFlight: number;
	maxProcessing: number;
}

export interface WaitResult {
	config: WaitConfig;
	idealMs: number;
	pollBound: number;
	rounds: number;
	samples: Record<Side, WaitSample[]>;
	medians: Record<Side, { runWallMs: number; processWallMs: number; maxPollsPerJob: number; meanPollsPerJob: number; listRequests: number; statusRequestsPerJob: number; totalRequests: number }>;
	targets: Array<{ name: string; value: string; met: boolean }>;
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

function sample(round: number, run: MeasuredRun, emulator: Emulator): WaitSample {
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
	return {
		round,
		runWallMs: run.runWallMs,
		processWallMs: run.processWallMs,
		maxPollsPerJob: Math.max(...counts),
		meanPollsPerJob: counts.reduce((a, b) => a + b, 0) / Math.max(1, counts.length),
		listRequests,
		statusRequestsPerJob: (listRequests + counts.reduce((a, b) => a + b, 0)) / Math.max(1, jobs.length),
		totalRequests: requests.length,
		maxInFlight: maxOverlap(jobs, 'submittedAt'),
		maxProcessing: state.maxProcessing,
	};
}

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
	const samples: Record<Side, WaitSample[]> = { package: [], loop: [] };
	try {
		for (let round = 0; round < options.repeats; round++) {
			for (const side of rotated([...SIDES], round)) {
				multiTalkState(emulator).reset();
				emulator.clearLog();
				const run = await executeMeasured(home, WORKFLOW_ID[side]);
				assertSuccess(`batch-wait ${side}`, run);
				const outputs = nodeItems(run, OUTPUT_NODE[side]);
				const withVideo = outputs.filter((item) => (item.binary?.data as IBinaryData | undefined)?.mimeType === 'video/mp4');
				if (outputs.length !== config.jobs || withVideo.length !== config.jobs) {
					throw new Error(`batch-wait ${side}: expected ${config.jobs} items with an MP4, got ${outputs.length} items, ${withVideo.length} with video`);
				}
				const jobs = [...multiTalkState(emulator).jobs.values()];
				if (jobs.length !== config.jobs || jobs.some((job) => job.status !== 'completed')) {
					throw new Error(`batch-wait ${side}: the emulator saw ${jobs.length} jobs, ${jobs.filter((j) => j.status === 'completed').length} completed`);
				}
				const s = sample(round, run, emulator);
				samples[side].push(s);
				clearBinaryStorage(home);
				options.log(
					`batch-wait round ${round + 1}/${options.repeats} ${side}: run ${fmtS(s.runWallMs)} (process ${fmtS(s.processWallMs)}), GET /jobs/{id} per job max ${s.maxPollsPerJob} mean ${fmt(s.meanPollsPerJob)}, list ${s.listRequests}, in flight ${s.maxInFlight}, processing ${s.maxProcessing}`,
				);
			}
		}
	} finally {
		multiTalkState(emulator).reset();
		for (const key of Object.keys(emulator.settings)) delete emulator.settings[key];
		Object.assign(emulator.settings, saved);
		await home.cleanup();
	}

	const medians = Object.fromEntries(
		SIDES.map((side) => {
			const s = samples[side];
			return [
				side,
				{
					runWallMs: median(s.map((x) => x.runWallMs)),
					processWallMs: median(s.map((x) => x.processWallMs)),
					maxPollsPerJob: median(s.map((x) => x.maxPollsPerJob)),
					meanPollsPerJob: median(s.map((x) => x.meanPollsPerJob)),
					listRequests: median(s.map((x) => x.listRequests)),
					statusRequestsPerJob: median(s.map((x) => x.statusRequestsPerJob)),
					totalRequests: median(s.map((x) => x.totalRequests)),
				},
			];
		}),
	) as WaitResult['medians'];
	const ours = medians.package;
	const loop = medians.loop;
	const targets = [
		{ name: `Wall at most 1.3x the ideal (${fmtS(idealMs, 0)})`, value: fmtX(ours.runWallMs / idealMs), met: ours.runWallMs / idealMs <= 1.3 },
		{ name: 'At least 5x faster than the loop', value: `${fmtX(loop.runWallMs / ours.runWallMs)} faster`, met: loop.runWallMs / ours.runWallMs >= 5 },
		{
			name: `GET /jobs/{id} per job at most duration/interval + 2 = ${fmt(pollBound, 0)}`,
			value: `max ${fmt(ours.maxPollsPerJob, 0)} (all status requests incl. the shared list: ${fmt(ours.statusRequestsPerJob)} per job)`,
			met: ours.maxPollsPerJob <= pollBound && ours.statusRequestsPerJob <= pollBound,
		},
	];
	return { config, idealMs, pollBound, rounds: options.repeats, samples, medians, targets };
}

export function batchWaitMarkdown(result: WaitResult): string {
	const c = result.config;
	const rows = SIDES.map((side) => {
		const m = result.medians[side];
		const s = result.samples[side];
		return `| ${LABELS[side]} | **${fmtS(m.runWallMs)}** | ${fmtX(m.runWallMs / result.idealMs)} | ${fmtS(m.processWallMs)} | ${fmt(m.maxPollsPerJob, 0)} / ${fmt(m.meanPollsPerJob)} | ${fmt(m.listRequests, 0)} | ${fmt(m.statusRequestsPerJob)} | ${fmt(m.totalRequests, 0)} | ${s.map((x) => x.maxInFlight).join(', ')} | ${list(s.map((x) => x.runWallMs), (n) => (n / 1000).toFixed(2))} |`;
	});
	return [
		`### 2. Batch wait: ${c.jobs} MultiTalk jobs of ${c.jobMs / 1000} s, ${c.concurrent} at once`,
		'',
		`The MultiTalk stand-in runs at most ${c.concurrent} jobs at a time (more wait as \`pending\`), each job ${c.jobMs / 1000} s; the ideal is ${Math.ceil(c.jobs / c.concurrent)} waves = ${fmtS(result.idealMs, 0)}. Both sides poll every ${c.intervalS} s and end with the ${c.jobs} MP4s as binary data (this package: Submit and Wait with Download Video; the loop: HTTP Request submit -> Wait -> HTTP Request status -> IF done? -> no: back to Wait; yes: HTTP Request download URL -> HTTP Request file). Run wall: n8n's execution (startedAt to stoppedAt); process wall adds n8n's start-up. Polls: from the emulator's request log. Medians of ${result.rounds} rounds, the side going first alternating.`,
		'',
		'| contender | run wall | vs ideal | process wall | GET /jobs/{id} per job (max / mean) | GET /jobs list requests | status requests per job | all MultiTalk requests | jobs in flight at once (per round) | run wall per round (s) |',
		'| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
		...rows,
		'',
		`Ratio: the loop takes **${fmtX(result.medians.loop.runWallMs / result.medians.package.runWallMs)}** the time of this package (run wall); requests: ${fmtX(result.medians.loop.totalRequests / result.medians.package.totalRequests)}.`,
		'',
		'| target | result | met |',
		'| --- | --- | --- |',
		...result.targets.map((t) => `| ${t.name} | ${t.value} | ${t.met ? 'yes' : '**no**'} |`),
		'',
	].join('\n');
}
