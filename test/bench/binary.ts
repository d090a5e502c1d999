/**
 * Benchmark 1: a large MP4 into n8n binary data.
 *
 * The same body - `POST /inference?stream=true` on the AvatarTalk stand-in, a valid MP4 padded
 * to the size asked for - fetched four ways:
 * - package:     this package's AvatarTalk node, Generate Inference, mode "Stream Video";
 * - httpRequest: n8n's built-in HTTP Request node (4.2), response format "File", Header Auth;
 * - buffering:   the baseline model of the vendor's node (test/bench/buffering-node: the whole
 *                body in memory with `encoding: 'arraybuffer'`, then `prepareBinaryData`);
 * - nodeAlone:   Node.js alone (the Node 24 n8n runs on): `http.request` -> `fs.promises.writeFile`,
 *                what any Node.js program that streams to disk needs, with no n8n around it;
 * - curl:        `curl -o file`, the floor.
 * Each n8n contender runs twice per round, with the emulator's smallest MP4 (44 kB, the
 * committed fixture) and with the large one; "growth" is the peak RSS of the large run minus
 * that of the small run of the same workflow in the same round.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

import type { IBinaryData, INode } from 'n8n-workflow';

import type { CredentialFixture, N8nHome, WorkflowFixture } from '../e2e/n8nRunner';
import { binaryPath, provisionN8n } from '../e2e/n8nRunner';
import { largeMp4Size, fixture } from '../emulator/media';
import type { Emulator } from '../emulator/server';
import type { BenchOptions, MeasuredRun, Target } from './lib';
import {
	TMP_DIR,
	assertSuccess,
	avatarTalkCredential,
	buildBufferingNode,
	clearBinaryStorage,
	createBenchHome,
	executeMeasured,
	fmt,
	fmtS,
	fmtX,
	list,
	mb,
	median,
	nodeItems,
	nodeTimeMs,
	packageNodeType,
	rotated,
	targetsTable,
} from './lib';

export const CONTENDERS = ['package', 'httpRequest', 'buffering', 'nodeAlone', 'curl'] as const;
export type Contender = (typeof CONTENDERS)[number];

export const LABELS: Record<Contender, string> = {
	package: 'This package: AvatarTalk, Generate Inference, mode Stream Video',
	httpRequest: 'Built-in HTTP Request node 4.2, response format File',
	buffering: 'Buffering download (baseline model of the vendor node)',
	nodeAlone: 'Node.js alone: http.request -> fs.writeFile (no n8n)',
	curl: 'curl -o file (no n8n)',
};

/** Contenders that are not an n8n workflow. */
export type Outside = 'curl' | 'nodeAlone';
const isOutside = (c: Contender): c is Outside => c === 'curl' || c === 'nodeAlone';

const BODY = { text: 'Benchmark: a long video into binary data.', avatar: 'european_woman', emotion: 'neutral', language: 'en' };
export const NODE_NAME: Record<Exclude<Contender, Outside>, string> = {
	package: 'AvatarTalk',
	httpRequest: 'HTTP Request',
	buffering: 'Buffering Download',
};
export const WORKFLOW_ID: Record<Exclude<Contender, Outside>, string> = {
	package: 'benchBinPackage1',
	httpRequest: 'benchBinHttpReq1',
	buffering: 'benchBinBuffer01',
};

export interface BinarySample {
	round: number;
	smallPeak: number;
	largePeak: number;
	growth: number;
	largeTreePeak: number;
	smallProcessWallMs: number;
	largeProcessWallMs: number;
	largeRunWallMs: number;
	/** The node alone (n8n's executionTime), ms; outside n8n: the process wall. */
	largeNodeMs: number;
	smallNodeMs: number;
}

export interface BinaryResult {
	largeBytes: number;
	smallBytes: number;
	rounds: number;
	samples: Record<Contender, BinarySample[]>;
	medians: Record<Contender, { growth: number; smallPeak: number; largePeak: number; processWallMs: number; runWallMs: number; nodeMs: number; smallProcessWallMs: number; smallNodeMs: number }>;
	targets: Target[];
}

const trigger: INode = {
	id: 'b0',
	name: 'Start',
	type: 'n8n-nodes-base.manualTrigger',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

function workflow(id: string, name: string, node: INode): WorkflowFixture {
	return {
		id,
		name,
		nodes: [trigger, node],
		connections: { Start: { main: [[{ node: node.name, type: 'main', index: 0 }]] } },
	};
}

export function workflows(emulator: Emulator): WorkflowFixture[] {
	return [
		workflow(WORKFLOW_ID.package, 'Bench: MP4 via AvatarTalk stream', {
			id: 'b1',
			name: NODE_NAME.package,
			type: packageNodeType('avatarTalk'),
			typeVersion: 1,
			position: [220, 0],
			parameters: { resource: 'video', operation: 'generateInference', ...BODY, mode: 'stream', binaryPropertyName: 'data' },
			credentials: { avatarTalkApi: { id: 'cred-avatartalk', name: 'AvatarTalk account' } },
		}),
		workflow(WORKFLOW_ID.httpRequest, 'Bench: MP4 via HTTP Request (file)', {
			id: 'b2',
			name: NODE_NAME.httpRequest,
			type: 'n8n-nodes-base.httpRequest',
			typeVersion: 4.2,
			position: [220, 0],
			parameters: {
				method: 'POST',
				url: `${emulator.urls.avatarTalk}/inference`,
				authentication: 'genericCredentialType',
				genericAuthType: 'httpHeaderAuth',
				sendQuery: true,
				queryParameters: { parameters: [{ name: 'stream', value: 'true' }] },
				sendBody: true,
				specifyBody: 'json',
				jsonBody: JSON.stringify(BODY),
				options: { response: { response: { responseFormat: 'file', outputPropertyName: 'data' } } },
			},
			credentials: { httpHeaderAuth: { id: 'cred-bench-header', name: 'AvatarTalk header auth' } },
		}),
		workflow(WORKFLOW_ID.buffering, 'Bench: MP4 via buffering baseline', {
			id: 'b3',
			name: NODE_NAME.buffering,
			type: 'n8n-nodes-bench-buffering-baseline.bufferingDownload',
			typeVersion: 1,
			position: [220, 0],
			parameters: { ...BODY },
			credentials: { avatarTalkApi: { id: 'cred-avatartalk', name: 'AvatarTalk account' } },
		}),
	];
}

export function credentials(emulator: Emulator): CredentialFixture[] {
	return [
		avatarTalkCredential(emulator),
		{
			id: 'cred-bench-header',
			name: 'AvatarTalk header auth',
			type: 'httpHeaderAuth',
			data: { name: 'Authorization', value: `Bearer ${emulator.keys.avatarTalk}` },
		},
	];
}

/** One n8n run of a contender; checks the stored file and the request the emulator saw. */
async function runN8n(home: N8nHome, emulator: Emulator, contender: Exclude<Contender, Outside>, expectedBytes: number): Promise<MeasuredRun> {
	const before = emulator.requests({ service: 'avatarTalk', method: 'POST', path: '/inference' }).length;
	const run = await executeMeasured(home, WORKFLOW_ID[contender]);
	assertSuccess(`${contender} (${expectedBytes} bytes)`, run);
	const posts = emulator.requests({ service: 'avatarTalk', method: 'POST', path: '/inference' }).slice(before);
	if (posts.length !== 1 || posts[0].query.stream !== 'true' || posts[0].headers.authorization !== `Bearer ${emulator.keys.avatarTalk}`) {
		throw new Error(`${contender}: expected one authorised POST /inference?stream=true, the emulator saw ${JSON.stringify(posts.map((p) => p.query))}`);
	}
	const [item] = nodeItems(run, NODE_NAME[contender]);
	const binary = item?.binary?.data as IBinaryData | undefined;
	if (!binary) throw new Error(`${contender}: the node output has no binary "data"`);
	const stored = statSync(binaryPath(home, binary)).size;
	if (stored !== expectedBytes) throw new Error(`${contender}: stored ${stored} bytes, expected ${expectedBytes}`);
	clearBinaryStorage(home);
	return run;
}

/**
 * The same request outside n8n, under /usr/bin/time (spawned asynchronously: the emulator
 * serves it from this process): `curl -o file`, or Node.js alone (the Node 24 n8n runs on)
 * streaming the response into a file with `fs.promises.writeFile`, the floor of any Node.js
 * program that streams to disk.
 */
async function runOutside(contender: Outside, emulator: Emulator, nodeBin: string, expectedBytes: number): Promise<{ peak: number; wallMs: number }> {
	mkdirSync(TMP_DIR, { recursive: true });
	const out = path.join(TMP_DIR, `${contender}-output.mp4`);
	const timeFile = path.join(TMP_DIR, `${contender}-time.txt`);
	const url = `${emulator.urls.avatarTalk}/inference?stream=true`;
	const headers = { Authorization: `Bearer ${emulator.keys.avatarTalk}`, 'Content-Type': 'application/json' };
	const command =
		contender === 'curl'
			? ['curl', '-sS', '--fail', '--max-time', '600', '-o', out, '-X', 'POST', ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]), '--data', JSON.stringify(BODY), url]
			: [
					nodeBin,
					'-e',
					[
						"const http = require('node:http'), fs = require('node:fs');",
						`const req = http.request(${JSON.stringify(url)}, { method: 'POST', headers: ${JSON.stringify(headers)} }, async (res) => {`,
						'  if (res.statusCode !== 200) process.exit(2);',
						`  await fs.promises.writeFile(${JSON.stringify(out)}, res);`,
						'});',
						"req.on('error', () => process.exit(3));",
						`req.end(${JSON.stringify(JSON.stringify(BODY))});`,
					].join('\n'),
				];
	const started = Date.now();
	const child = spawn('/usr/bin/time', ['-f', '%M', '-o', timeFile, ...command], { stdio: ['ignore', 'ignore', 'inherit'] });
	const code = await new Promise<number | null>((resolve, reject) => {
		child.once('error', reject);
		child.once('close', resolve);
	});
	const wallMs = Date.now() - started;
	if (code !== 0) throw new Error(`${contender} exited with ${code}`);
	const size = statSync(out).size;
	rmSync(out, { force: true });
	if (size !== expectedBytes) throw new Error(`${contender}: stored ${size} bytes, expected ${expectedBytes}`);
	const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
	rmSync(timeFile, { force: true });
	return { peak: Number(lines[lines.length - 1]) * 1024, wallMs };
}

export async function runBinaryBenchmark(emulator: Emulator, given: BenchOptions): Promise<BinaryResult> {
	// wall times of a 500 MiB download vary by 10-20% from run to run: five rounds by default
	const options = { ...given, repeats: given.repeatsGiven || given.quick ? given.repeats : Math.max(given.repeats, 5) };
	const largeSetting = options.quick ? 20 * 1024 * 1024 : 500 * 1024 * 1024;
	const largeBytes = largeMp4Size(largeSetting);
	const smallBytes = fixture('sample.mp4').length;
	const saved = { ...emulator.settings };
	Object.assign(emulator.settings, { avatarTalkChunkDelayMs: 0, avatarTalkLatencyMs: 10 });
	const setSize = (size: number | undefined) => {
		if (size === undefined) delete emulator.settings.avatarTalkVideoBytes;
		else emulator.settings.avatarTalkVideoBytes = size;
	};

	const nodeBin = path.join(provisionN8n().nodeBinDir, 'node');
	const buffering = buildBufferingNode();
	options.log(`binary: creating the n8n home (this package + ${buffering.name})`);
	const home = await createBenchHome({ credentials: credentials(emulator), workflows: workflows(emulator), extraPackages: [buffering] });
	const samples = Object.fromEntries(CONTENDERS.map((c) => [c, [] as BinarySample[]])) as Record<Contender, BinarySample[]>;
	try {
		// one unmeasured run first: n8n's first start in a home migrates its database
		setSize(undefined);
		await runN8n(home, emulator, 'package', smallBytes);
		for (let round = 0; round < options.repeats; round++) {
			for (const contender of rotated([...CONTENDERS], round)) {
				if (isOutside(contender)) {
					setSize(undefined);
					const small = await runOutside(contender, emulator, nodeBin, smallBytes);
					setSize(largeSetting);
					const large = await runOutside(contender, emulator, nodeBin, largeBytes);
					samples[contender].push({
						round,
						smallPeak: small.peak,
						largePeak: large.peak,
						growth: large.peak - small.peak,
						largeTreePeak: large.peak,
						smallProcessWallMs: small.wallMs,
						largeProcessWallMs: large.wallMs,
						largeRunWallMs: large.wallMs,
						largeNodeMs: large.wallMs,
						smallNodeMs: small.wallMs,
					});
				} else {
					setSize(undefined);
					const small = await runN8n(home, emulator, contender, smallBytes);
					setSize(largeSetting);
					const large = await runN8n(home, emulator, contender, largeBytes);
					samples[contender].push({
						round,
						smallPeak: small.peakRss,
						largePeak: large.peakRss,
						growth: large.peakRss - small.peakRss,
						largeTreePeak: large.treePeakRss,
						smallProcessWallMs: small.processWallMs,
						largeProcessWallMs: large.processWallMs,
						largeRunWallMs: large.runWallMs,
						largeNodeMs: nodeTimeMs(large, NODE_NAME[contender]),
						smallNodeMs: nodeTimeMs(small, NODE_NAME[contender]),
					});
				}
				const s = samples[contender][samples[contender].length - 1];
				options.log(
					`binary round ${round + 1}/${options.repeats} ${contender}: peak ${fmt(mb(s.smallPeak))} -> ${fmt(mb(s.largePeak))} MiB (growth ${fmt(mb(s.growth))}), wall ${fmtS(s.smallProcessWallMs)} -> ${fmtS(s.largeProcessWallMs)}, node ${fmtS(s.smallNodeMs)} -> ${fmtS(s.largeNodeMs)}`,
				);
			}
		}
	} finally {
		setSize(undefined);
		for (const key of Object.keys(emulator.settings)) delete emulator.settings[key];
		Object.assign(emulator.settings, saved);
		await home.cleanup();
	}

	const medians = Object.fromEntries(
		CONTENDERS.map((c) => [
			c,
			{
				growth: median(samples[c].map((s) => s.growth)),
				smallPeak: median(samples[c].map((s) => s.smallPeak)),
				largePeak: median(samples[c].map((s) => s.largePeak)),
				processWallMs: median(samples[c].map((s) => s.largeProcessWallMs)),
				smallProcessWallMs: median(samples[c].map((s) => s.smallProcessWallMs)),
				runWallMs: median(samples[c].map((s) => s.largeRunWallMs)),
				nodeMs: median(samples[c].map((s) => s.largeNodeMs)),
				smallNodeMs: median(samples[c].map((s) => s.smallNodeMs)),
			},
		]),
	) as BinaryResult['medians'];
	const ours = medians.package;
	const http = medians.httpRequest;
	const targets = [
		{ name: 'RSS growth at most 48 MiB', value: `${fmt(mb(ours.growth))} MiB`, met: mb(ours.growth) <= 48 },
		{
			name: 'RSS growth not above the HTTP Request node',
			value: `${fmt(mb(ours.growth))} vs ${fmt(mb(http.growth))} MiB`,
			met: ours.growth <= http.growth,
		},
		{
			name: 'Wall (n8n execute process) at most 0.9x the HTTP Request node',
			value: `${fmtX(ours.processWallMs / http.processWallMs)} (node time alone: ${fmtX(ours.nodeMs / http.nodeMs)})`,
			met: ours.processWallMs / http.processWallMs <= 0.9,
		},
	];
	return { largeBytes, smallBytes, rounds: options.repeats, samples, medians, targets };
}

export function binaryMarkdown(result: BinaryResult): string {
	const rows = CONTENDERS.map((c) => {
		const m = result.medians[c];
		const s = result.samples[c];
		return `| ${LABELS[c]} | ${fmt(mb(m.smallPeak))} | ${fmt(mb(m.largePeak))} | **${fmt(mb(m.growth))}** | ${fmtS(m.processWallMs)} | ${isOutside(c) ? 'n/a' : fmtS(m.nodeMs)} | ${fmtS(m.smallProcessWallMs)} | ${isOutside(c) ? 'n/a' : fmtS(m.smallNodeMs)} | ${list(s.map((x) => mb(x.growth)), (n) => fmt(n, 0))} | ${list(s.map((x) => x.largeProcessWallMs), (n) => (n / 1000).toFixed(2))} | ${fmt(mb(median(s.map((x) => x.largeTreePeak))))} |`;
	});
	const ours = result.medians.package;
	const ratio = (c: Contender, key: 'processWallMs' | 'nodeMs' | 'growth') =>
		(c === 'curl' && key === 'growth') || (isOutside(c) && key === 'nodeMs') ? 'n/a' : fmtX(ours[key] / result.medians[c][key]);
	return [
		`### 1. A ${fmt(mb(result.largeBytes), 0)} MiB MP4 into binary data`,
		'',
		`Body: \`POST /inference?stream=true\` on the AvatarTalk stand-in, ${result.largeBytes.toLocaleString('en-US')} bytes (a valid MP4 padded with a \`free\` box), streamed from loopback. Small run: the same workflow with the emulator's smallest MP4 (${result.smallBytes.toLocaleString('en-US')} bytes, the committed fixture). Peak RSS: the maximum resident set of the n8n process that runs the workflow (kernel max RSS via \`/usr/bin/time\`). n8n 2.41 also starts its JavaScript task runner as a child process even with \`N8N_RUNNERS_ENABLED=false\` (about 115 MiB, the same in every run; it does not run these workflows); the last column sums the whole process tree, polled from /proc every 50 ms. Wall: the whole \`n8n execute\` process (about 2-3 s of it is n8n start-up); node: the node's own execution time as n8n records it. Medians of ${result.rounds} rounds, contenders rotated each round.`,
		'',
		'| contender | peak RSS, small run (MiB) | peak RSS, large run (MiB) | growth (MiB) | wall | node | wall, small run | node, small run | growth per round (MiB) | wall per round (s) | whole tree, large run (MiB) |',
		'| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |',
		...rows,
		'',
		'Ratios of this package to each contender (lower is better):',
		'',
		'| vs | growth | wall | node time |',
		'| --- | ---: | ---: | ---: |',
		...(['httpRequest', 'buffering', 'nodeAlone', 'curl'] as Contender[]).map(
			(c) => `| ${LABELS[c]} | ${ratio(c, 'growth')} | ${ratio(c, 'processWallMs')} | ${ratio(c, 'nodeMs')} |`,
		),
		'',
		...targetsTable(result.targets),
	].join('\n');
}
