/**
 * Binary data memory in n8n queue mode, database mode (`npm run bench:queue-binary`, or
 * `node test/bench/run.js queue-binary [--quick]`).
 *
 * One queue cluster (test/e2e/queue/queueCluster.ts: main, two webhook processes, two workers,
 * Postgres, Redis) with n8n's queue-mode defaults: N8N_DEFAULT_BINARY_DATA_MODE=database and
 * N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE=512 (MiB). The workflow (largeVideoExample(): Manual
 * Trigger -> AvatarTalk Generate Inference, mode Stream Video -> Read/Write Files) runs on a
 * worker with an MP4 of each size; before each run every process's peak RSS is reset
 * (/proc/<pid>/clear_refs) and after it read (VmHWM): exact peaks, no sampling interval.
 * Sizes: 100 MiB and 500 MiB (under the cap), and 600 MiB (over it: what the cap does).
 * `queue-binary-cap` (`npm run bench:queue-binary-cap`) checks the README's advice instead: with
 * the cap at 255 MiB, a 255 MiB MP4 is stored and read back by the worker, a 300 MiB one gets the
 * cap's error and no process exits.
 * Every run's file is checked (size, MP4 header) and deleted.
 *
 * Results: test/bench/tmp/queue-binary.json and the "queue-binary" section of
 * test/bench/results.md (kept there when the other benchmarks rewrite that file).
 */
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { largeMp4Size } from '../emulator/media';
import type { QueueExampleRun } from '../e2e/queue/queueExamples';
import { LARGE_VIDEO_FILE, QueueExamplesSession, largeVideoExample, memoryOf, resetPeak } from '../e2e/queue/queueExamples';
import type { BenchOptions, MachineInfo } from './lib';
import { BENCH_DIR, TMP_DIR, fmt, machineInfo, mb, writeSeparateSection } from './lib';

const MiB = 1024 * 1024;

export interface ProcessMemory {
	process: string;
	before: number;
	peak: number;
	after: number;
}

export interface QueueBinaryRun {
	sizeMiB: number;
	bytes: number;
	status: string;
	error?: string;
	seconds: number;
	/** Worker index that ran it. */
	worker?: number;
	fileBytes?: number;
	memory: ProcessMemory[];
	/** Roles of the n8n processes that had exited after the run (none: no crash). */
	exited: string[];
}

export interface QueueBinaryResult {
	machine: MachineInfo;
	n8nVersion: string;
	capMiB: number;
	baselineMiB: number;
	runs: QueueBinaryRun[];
}

function processes(session: QueueExamplesSession): Array<{ name: string; pid: number }> {
	const { cluster } = session;
	return [
		{ name: 'main', pid: cluster.main.child.pid as number },
		...cluster.webhooks.map((proc, i) => ({ name: `webhook ${i + 1}`, pid: proc.child.pid as number })),
		...cluster.workers.map((proc, i) => ({ name: `worker ${i + 1}`, pid: proc.child.pid as number })),
	];
}

function startsLikeMp4(file: string): boolean {
	const fd = openSync(file, 'r');
	try {
		const head = Buffer.alloc(8);
		readSync(fd, head, 0, 8, 0);
		return head.subarray(4, 8).toString('latin1') === 'ftyp';
	} finally {
		closeSync(fd);
	}
}

async function measure(session: QueueExamplesSession, sizeMiB: number): Promise<QueueBinaryRun> {
	const bytes = sizeMiB * MiB;
	session.emulator.settings.avatarTalkVideoBytes = bytes;
	const file = path.join(session.outputRoot, LARGE_VIDEO_FILE);
	rmSync(file, { force: true });
	const procs = processes(session);
	const before = new Map<string, number>();
	for (const proc of procs) {
		resetPeak(proc.pid);
		before.set(proc.name, memoryOf(proc.pid).rss);
	}
	const run: QueueExampleRun = await session.run(largeVideoExample());
	const memory = procs.map((proc) => {
		let now = { rss: NaN, peak: NaN };
		try {
			now = memoryOf(proc.pid);
		} catch {
			// the process is gone (reported below)
		}
		return { process: proc.name, before: before.get(proc.name) as number, peak: now.peak, after: now.rss };
	});
	const exited = [session.cluster.main, ...session.cluster.webhooks, ...session.cluster.workers].filter((proc) => proc.child.exitCode !== null || proc.child.signalCode !== null);
	const result: QueueBinaryRun = {
		sizeMiB,
		bytes: largeMp4Size(bytes),
		status: run.status,
		error: run.error,
		seconds: run.seconds,
		worker: run.workers[0],
		memory,
		exited: exited.map((proc) => proc.role),
	};
	if (existsSync(file)) {
		result.fileBytes = statSync(file).size;
		if (result.fileBytes !== result.bytes || !startsLikeMp4(file)) {
			throw new Error(`${sizeMiB} MiB: the written file has ${result.fileBytes} bytes (expected ${result.bytes}) or is no MP4`);
		}
		rmSync(file, { force: true });
	}
	if (run.status === 'success' && result.fileBytes === undefined) throw new Error(`${sizeMiB} MiB: the run succeeded but wrote no file`);
	// the next run starts from the cluster's own memory, not from this run's garbage
	await new Promise((resolve) => setTimeout(resolve, 3000));
	return result;
}

/** The README's advice for Postgres: N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE=255. */
export const RECOMMENDED_CAP_MIB = 255;

export async function runQueueBinaryBenchmark(options: BenchOptions, capMiB?: number): Promise<QueueBinaryResult> {
	const sizes = capMiB !== undefined ? [capMiB, capMiB + 45] : options.quick ? [10, 50, 600] : [100, 500, 600];
	const outputRoot = mkdtempSync(path.join(tmpdir(), 'ta-queue-binary-'));
	const example = largeVideoExample();
	options.log(`starting the queue cluster (database mode, ${capMiB === undefined ? 'the default cap' : `cap ${capMiB} MiB`})`);
	const env = capMiB === undefined ? undefined : { N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE: String(capMiB) };
	const session = await QueueExamplesSession.open({ examples: [example], outputRoot, timeoutMs: 10 * 60_000, env });
	try {
		// a small run first, so every number below is on a warmed-up worker
		options.log('warm-up run (1 MiB)');
		const warm = await measure(session, 1);
		if (warm.status !== 'success') throw new Error(`the warm-up run failed: ${warm.error}`);
		const runs: QueueBinaryRun[] = [];
		for (const size of sizes) {
			options.log(`${size} MiB ...`);
			const run = await measure(session, size);
			options.log(`${size} MiB: ${run.status} in ${fmt(run.seconds)} s, worker ${(run.worker ?? -1) + 1}, peaks ${run.memory.map((m) => `${m.process} ${fmt(mb(m.peak), 0)}`).join(', ')} MiB`);
			runs.push(run);
		}
		return {
			machine: machineInfo(),
			n8nVersion: session.home.install.n8nVersion,
			capMiB: capMiB ?? 512,
			baselineMiB: mb(Math.max(...warm.memory.filter((m) => m.process.startsWith('worker')).map((m) => m.after))),
			runs,
		};
	} finally {
		await session.close();
		rmSync(outputRoot, { recursive: true, force: true });
	}
}

export function queueBinaryMarkdown(result: QueueBinaryResult): string {
	const lines = [
		'### Queue mode: binary data in the database, memory per process',
		'',
		`Measured ${result.machine.date} on ${result.machine.cpus} CPUs, load average at start ${result.machine.loadavg}; n8n ${result.n8nVersion} in queue mode`,
		'(test/e2e/queue/queueCluster.ts: main, 2 webhook processes, 2 workers, Postgres, Redis), `N8N_DEFAULT_BINARY_DATA_MODE=database`',
		`(queue mode's default), \`N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE\` ${result.capMiB === 512 ? 'left at its default (512 MiB)' : `set to ${result.capMiB} (MiB)`}. Workflow: Manual Trigger -> AvatarTalk`,
		'Generate Inference (Stream Video) -> Read/Write Files, run on a worker. Peak RSS per process (VmHWM, reset before each run), MiB.',
		`Generated by \`npm run ${result.capMiB === 512 ? 'bench:queue-binary' : 'bench:queue-binary-cap'}\` (test/bench/queueBinary.ts). One run per size; a worker idles at about ${fmt(result.baselineMiB, 0)} MiB.`,
		'',
		'| MP4 | result | run wall | worker that ran it: before -> peak (growth) | other worker peak | webhook peaks | main peak |',
		'| ---: | --- | ---: | --- | ---: | --- | ---: |',
	];
	for (const run of result.runs) {
		const byName = new Map(run.memory.map((m) => [m.process, m]));
		const ran = run.worker === undefined ? undefined : byName.get(`worker ${run.worker + 1}`);
		const other = run.memory.filter((m) => m.process.startsWith('worker') && m !== ran);
		const webhooks = run.memory.filter((m) => m.process.startsWith('webhook'));
		const outcome =
			(run.status === 'success' ? `success, ${fmt(mb(run.fileBytes ?? 0), 0)} MiB file written` : `${run.status}: ${(run.error ?? '').slice(0, 240)}`) +
			(run.exited.length ? `; exited: ${run.exited.join(', ')}` : '; no process exited');
		lines.push(
			`| ${run.sizeMiB} MiB | ${outcome} | ${fmt(run.seconds)} s | ` +
				(ran ? `${ran.process}: ${fmt(mb(ran.before), 0)} -> **${fmt(mb(ran.peak), 0)}** (+${fmt(mb(ran.peak - ran.before), 0)})` : 'n/a') +
				` | ${other.map((m) => fmt(mb(m.peak), 0)).join(', ')} | ${webhooks.map((m) => fmt(mb(m.peak), 0)).join(', ')} | ${fmt(mb(byName.get('main')?.peak ?? NaN), 0)} |`,
		);
	}
	return lines.join('\n');
}

/** `queue-binary` (the default cap) or `queue-binary-cap` (the recommended one). */
export async function queueBinary(options: BenchOptions, withRecommendedCap = false): Promise<number> {
	const name = withRecommendedCap ? 'queue-binary-cap' : 'queue-binary';
	const result = await runQueueBinaryBenchmark(options, withRecommendedCap ? RECOMMENDED_CAP_MIB : undefined);
	mkdirSync(TMP_DIR, { recursive: true });
	writeFileSync(path.join(TMP_DIR, options.quick ? `${name}-quick.json` : `${name}.json`), JSON.stringify(result, null, 1));
	const markdown = queueBinaryMarkdown(result);
	console.log(markdown);
	if (!options.quick) {
		writeSeparateSection(path.join(BENCH_DIR, 'results.md'), name, markdown);
		options.log(`results written to test/bench/results.md (section ${name})`);
	}
	if (withRecommendedCap) {
		// the advice holds only if the largest allowed file goes through and the next is refused cleanly
		const [atCap, overCap] = result.runs;
		const ok = atCap.status === 'success' && overCap.status !== 'success' && /max size limit/.test(overCap.error ?? '') && result.runs.every((r) => r.exited.length === 0);
		if (!ok) {
			console.error(`The recommended cap did not hold: ${JSON.stringify(result.runs.map((r) => ({ size: r.sizeMiB, status: r.status, error: r.error, exited: r.exited })))}`);
			return 1;
		}
	}
	return 0;
}
