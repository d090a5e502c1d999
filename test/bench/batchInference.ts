/**
 * Benchmark 3: batch inference. 50 AvatarTalk inferences, the stand-in taking 1 s for each
 * (`avatarTalkLatencyMs`), through this package's AvatarTalk node (Generate Inference, mode
 * "Wait for Video", Download Video on): Options > Items in Parallel = 10 against the default 1
 * (one item after the other). Every item ends with its MP4 as binary data.
 */
import type { IBinaryData, INode } from 'n8n-workflow';

import type { WorkflowFixture } from '../e2e/n8nRunner';
import type { Emulator } from '../emulator/server';
import type { BenchOptions, Target } from './lib';
import {
	assertSuccess,
	avatarTalkCredential,
	clearBinaryStorage,
	createBenchHome,
	executeMeasured,
	fmtS,
	fmtX,
	list,
	median,
	nodeItems,
	packageNodeType,
	rotated,
	targetsTable,
} from './lib';
import { batchWorkflow } from './workflows';

export const SIDES = ['parallel', 'sequential'] as const;
export type Side = (typeof SIDES)[number];

const WORKFLOW_ID: Record<Side, string> = { parallel: 'benchInferPar001', sequential: 'benchInferSeq001' };
const NODE = 'AvatarTalk';

export interface InferenceConfig {
	items: number;
	latencyMs: number;
	parallel: number;
}

export interface InferenceSample {
	round: number;
	runWallMs: number;
	processWallMs: number;
	/** Most POST /inference requests that had arrived and not been answered at one moment (≈ parallelism). */
	maxConcurrentPosts: number;
}

export interface InferenceResult {
	config: InferenceConfig;
	rounds: number;
	samples: Record<Side, InferenceSample[]>;
	medians: Record<Side, { runWallMs: number; processWallMs: number }>;
	targets: Target[];
}

export const LABELS = (config: InferenceConfig): Record<Side, string> => ({
	parallel: `This package, Items in Parallel = ${config.parallel}`,
	sequential: 'This package, Items in Parallel = 1 (sequential, the default)',
});

function workflow(side: Side, config: InferenceConfig): WorkflowFixture {
	const node: INode = {
		id: 'i1',
		name: NODE,
		type: packageNodeType('avatarTalk'),
		typeVersion: 1,
		position: [600, 0],
		parameters: {
			resource: 'video',
			operation: 'generateInference',
			text: '=Benchmark inference number {{ $json.index }}.',
			avatar: 'european_woman',
			emotion: 'neutral',
			language: 'en',
			mode: 'wait',
			downloadVideo: true,
			binaryPropertyName: 'data',
			options: side === 'parallel' ? { concurrency: config.parallel } : {},
		},
		credentials: { avatarTalkApi: { id: 'cred-avatartalk', name: 'AvatarTalk account' } },
	};
	return batchWorkflow(WORKFLOW_ID[side], `Bench: ${config.items} inferences, ${side}`, config.items, [node]);
}

export async function runBatchInferenceBenchmark(emulator: Emulator, options: BenchOptions): Promise<InferenceResult> {
	const config: InferenceConfig = options.quick ? { items: 8, latencyMs: 500, parallel: 4 } : { items: 50, latencyMs: 1000, parallel: 10 };
	const saved = { ...emulator.settings };
	Object.assign(emulator.settings, { avatarTalkLatencyMs: config.latencyMs });

	options.log('batch-inference: creating the n8n home');
	const home = await createBenchHome({
		credentials: [avatarTalkCredential(emulator)],
		workflows: SIDES.map((side) => workflow(side, config)),
	});
	const samples: Record<Side, InferenceSample[]> = { parallel: [], sequential: [] };
	try {
		for (let round = 0; round < options.repeats; round++) {
			for (const side of rotated([...SIDES], round)) {
				emulator.clearLog();
				const run = await executeMeasured(home, WORKFLOW_ID[side]);
				assertSuccess(`batch-inference ${side}`, run);
				const outputs = nodeItems(run, NODE);
				const videos = outputs.filter((item) => (item.binary?.data as IBinaryData | undefined)?.mimeType === 'video/mp4');
				const posts = emulator.requests({ service: 'avatarTalk', method: 'POST', path: '/inference' });
				if (outputs.length !== config.items || videos.length !== config.items || posts.length !== config.items) {
					throw new Error(
						`batch-inference ${side}: expected ${config.items} items with an MP4 and ${config.items} POST /inference, got ${outputs.length} items, ${videos.length} videos, ${posts.length} POSTs`,
					);
				}
				// each POST is answered latencyMs after it arrives: overlap of [at, at + latency)
				const events = posts.flatMap((p) => [
					[p.at, 1],
					[p.at + config.latencyMs, -1],
				]);
				events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
				let now = 0;
				let maxConcurrentPosts = 0;
				for (const [, delta] of events) maxConcurrentPosts = Math.max(maxConcurrentPosts, (now += delta));
				const s: InferenceSample = { round, runWallMs: run.runWallMs, processWallMs: run.processWallMs, maxConcurrentPosts };
				samples[side].push(s);
				clearBinaryStorage(home);
				options.log(
					`batch-inference round ${round + 1}/${options.repeats} ${side}: run ${fmtS(s.runWallMs)} (process ${fmtS(s.processWallMs)}), at most ${maxConcurrentPosts} inferences at once`,
				);
			}
		}
	} finally {
		for (const key of Object.keys(emulator.settings)) delete emulator.settings[key];
		Object.assign(emulator.settings, saved);
		await home.cleanup();
	}
	const medians = Object.fromEntries(
		SIDES.map((side) => [
			side,
			{
				runWallMs: median(samples[side].map((s) => s.runWallMs)),
				processWallMs: median(samples[side].map((s) => s.processWallMs)),
			},
		]),
	) as InferenceResult['medians'];
	const speedup = medians.sequential.runWallMs / medians.parallel.runWallMs;
	const targets = [{ name: 'At least 4x faster than sequential', value: `${fmtX(speedup)} faster`, met: speedup >= 4 }];
	return { config, rounds: options.repeats, samples, medians, targets };
}

export function batchInferenceMarkdown(result: InferenceResult): string {
	const c = result.config;
	const labels = LABELS(c);
	const ideal = (side: Side) => Math.ceil(c.items / (side === 'parallel' ? c.parallel : 1)) * c.latencyMs;
	return [
		`### 3. Batch inference: ${c.items} AvatarTalk inferences of ${c.latencyMs / 1000} s`,
		'',
		`AvatarTalk node, Generate Inference, mode Wait for Video with Download Video on (each item ends with its MP4); the stand-in answers each \`POST /inference\` after ${c.latencyMs} ms. Run wall: n8n's execution (startedAt to stoppedAt); process wall adds n8n's start-up. Medians of ${result.rounds} rounds, the side going first alternating.`,
		'',
		'| contender | run wall | ideal | process wall | inferences at once (per round) | run wall per round (s) |',
		'| --- | ---: | ---: | ---: | --- | --- |',
		...SIDES.map((side) => {
			const m = result.medians[side];
			const s = result.samples[side];
			return `| ${labels[side]} | **${fmtS(m.runWallMs)}** | ${fmtS(ideal(side), 0)} | ${fmtS(m.processWallMs)} | ${s.map((x) => x.maxConcurrentPosts).join(', ')} | ${list(s.map((x) => x.runWallMs), (n) => (n / 1000).toFixed(2))} |`;
		}),
		'',
		`Ratio: Items in Parallel = ${c.parallel} is **${fmtX(result.medians.sequential.runWallMs / result.medians.parallel.runWallMs)}** faster (process wall: ${fmtX(result.medians.sequential.processWallMs / result.medians.parallel.processWallMs)}).`,
		'',
		...targetsTable(result.targets),
	].join('\n');
}
