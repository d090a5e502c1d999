/**
 * `node test/bench/run.js profile-binary [--quick]`: where the time of the large download goes,
 * this package's node against the HTTP Request node. Runs each workflow of benchmark 1 once with
 * the large MP4 under `NODE_OPTIONS=--cpu-prof` and prints the functions with the most self time
 * (whole `n8n execute` process, start-up included), and the memory of each run. The raw
 * .cpuprofile files stay in test/bench/tmp/profiles/ (open them in Chrome DevTools).
 * Not part of `npm run bench`.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

import { largeMp4Size } from '../emulator/media';
import type { Emulator } from '../emulator/server';
import { NODE_NAME, WORKFLOW_ID, credentials, workflows } from './binary';
import type { BenchOptions } from './lib';
import { TMP_DIR, assertSuccess, buildBufferingNode, clearBinaryStorage, createBenchHome, executeMeasured, fmt, fmtS, mb, nodeTimeMs } from './lib';

interface ProfileNode {
	id: number;
	callFrame: { functionName: string; url: string; lineNumber: number };
	hitCount?: number;
}
interface CpuProfile {
	nodes: ProfileNode[];
	samples: number[];
	timeDeltas: number[];
	startTime: number;
	endTime: number;
}

/** Self time per function (ms), largest first. */
function selfTimes(profile: CpuProfile): Array<{ name: string; ms: number }> {
	const byId = new Map(profile.nodes.map((n) => [n.id, n]));
	const totals = new Map<string, number>();
	profile.samples.forEach((id, i) => {
		const node = byId.get(id);
		if (!node) return;
		const { functionName, url, lineNumber } = node.callFrame;
		const where = url ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\//, '')}:${lineNumber + 1}` : '';
		const name = `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
		totals.set(name, (totals.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
	});
	return [...totals.entries()].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms);
}

export async function runBinaryProfile(emulator: Emulator, options: BenchOptions): Promise<string> {
	const size = options.quick ? 20 * 1024 * 1024 : 500 * 1024 * 1024;
	Object.assign(emulator.settings, { avatarTalkChunkDelayMs: 0, avatarTalkLatencyMs: 10, avatarTalkVideoBytes: size });
	const home = await createBenchHome({ credentials: credentials(emulator), workflows: workflows(emulator), extraPackages: [buildBufferingNode()] });
	const lines: string[] = [`# CPU profiles: a ${fmt(mb(largeMp4Size(size)), 0)} MiB MP4 into binary data`, ''];
	try {
		for (const contender of ['package', 'httpRequest'] as const) {
			const dir = path.join(TMP_DIR, 'profiles', contender);
			rmSync(dir, { recursive: true, force: true });
			mkdirSync(dir, { recursive: true });
			const run = await executeMeasured(home, WORKFLOW_ID[contender], 10 * 60_000, {
				NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${dir}`,
			});
			assertSuccess(`profile ${contender}`, run);
			clearBinaryStorage(home);
			const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
			lines.push(
				`## ${contender}: node ${fmtS(nodeTimeMs(run, NODE_NAME[contender]))}, process ${fmtS(run.processWallMs)}, peak RSS ${fmt(mb(run.peakRss))} MiB`,
				'',
			);
			if (!file) {
				lines.push('(no profile written)', '');
				continue;
			}
			const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
			const total = (profile.endTime - profile.startTime) / 1000;
			lines.push(`profile ${fmtS(total)}; top self time:`, '', '| ms | function |', '| ---: | --- |');
			for (const { name, ms } of selfTimes(profile).slice(0, 20)) lines.push(`| ${ms.toFixed(0)} | ${name.replace(/\|/g, '\\|')} |`);
			lines.push('');
			options.log(`profile ${contender}: ${path.relative(process.cwd(), path.join(dir, file))}`);
		}
	} finally {
		delete emulator.settings.avatarTalkVideoBytes;
		await home.cleanup();
	}
	return lines.join('\n');
}
