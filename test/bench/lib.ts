/**
 * Shared machinery of the benchmarks: measured runs of real n8n (`n8n execute` under
 * /usr/bin/time, with the process tree's RSS polled from /proc), n8n homes with extra community
 * packages, the buffering baseline model's build, statistics and the machine description.
 *
 * It only uses test/e2e/n8nRunner.ts's exported API. What the runner lacks lives here:
 * - `executeMeasured()`: the runner's `executeWorkflow()` does not expose the n8n process, so
 *   this spawns the same command (same environment, own broker port, own process group) under
 *   /usr/bin/time and polls /proc while it runs.
 * - `createBenchHome()`: installs more community packages beside this one before importing.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { IRun } from 'n8n-workflow';

import type { CredentialFixture, N8nHome, WorkflowFixture } from '../e2e/n8nRunner';
import type { Emulator } from '../emulator/server';
import {
	PACKAGE_NAME,
	REPO_ROOT,
	createN8nHome,
	extractRunJson,
	freePort,
	importCredentials,
	importWorkflows,
	provisionN8n,
} from '../e2e/n8nRunner';

export const BENCH_DIR = __dirname;
export const TMP_DIR = path.join(BENCH_DIR, 'tmp');

// ---- options -------------------------------------------------------------------------------

export interface BenchOptions {
	/** Small sizes and few repeats, for developing the benchmarks on a busy machine. */
	quick: boolean;
	/** Pairs per benchmark (each pair runs A and B once, alternating which goes first). */
	repeats: number;
	/** Whether --repeats was given (otherwise a noisy benchmark may run more rounds). */
	repeatsGiven: boolean;
	log: (line: string) => void;
}

export function parseOptions(argv: string[]): BenchOptions {
	const quick = argv.includes('--quick');
	const repeatsArg = argv.find((a) => a.startsWith('--repeats='));
	const repeats = repeatsArg ? Math.max(1, Number(repeatsArg.split('=')[1])) : quick ? 1 : 3;
	return { quick, repeats, repeatsGiven: repeatsArg !== undefined, log: (line) => console.log(`[bench] ${line}`) };
}

// ---- statistics ----------------------------------------------------------------------------

export function median(values: number[]): number {
	const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
	if (!v.length) return Number.NaN;
	const mid = Math.floor(v.length / 2);
	return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export const mb = (bytes: number) => bytes / (1024 * 1024);
export const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
export const fmtS = (ms: number, digits = 2) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(digits)} s` : 'n/a');
export const fmtX = (ratio: number) => (Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : 'n/a');
export const list = (values: number[], f: (n: number) => string) => values.map(f).join(', ');

/** A B C, B C A, C A B...: each contender goes first equally often. */
export function rotated<T>(items: T[], round: number): T[] {
	const k = round % items.length;
	return [...items.slice(k), ...items.slice(0, k)];
}

// ---- machine ---------------------------------------------------------------------------------

export interface MachineInfo {
	cpus: number;
	cpuModel: string;
	ramGb: number;
	loadavg: string;
	node: string;
	n8nVersion: string;
	date: string;
}

export function machineInfo(): MachineInfo {
	const install = provisionN8n();
	const n8nPackage = JSON.parse(
		readFileSync(path.join(path.dirname(path.dirname(install.n8nBin)), 'package.json'), 'utf8'),
	) as { version: string };
	const nodeVersion = execFileSync(path.join(install.nodeBinDir, 'node'), ['--version'], { encoding: 'utf8' }).trim();
	return {
		cpus: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()),
		cpuModel: cpus()[0]?.model ?? 'unknown',
		ramGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
		loadavg: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
		node: nodeVersion,
		n8nVersion: n8nPackage.version,
		date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
	};
}

export function loadavg1(): number {
	return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

// ---- n8n homes -------------------------------------------------------------------------------

export interface ExtraPackage {
	name: string;
	dir: string;
}

/**
 * A fresh n8n home with this package (symlinked by the runner) plus `extraPackages`, then the
 * credentials and workflows imported. Delete it with `home.cleanup()`.
 */
export async function createBenchHome(options: {
	credentials: CredentialFixture[];
	workflows: WorkflowFixture[];
	extraPackages?: ExtraPackage[];
}): Promise<N8nHome> {
	const home = await createN8nHome({});
	let ready = false;
	try {
		const nodesDir = path.join(home.dir, '.n8n', 'nodes');
		const manifestFile = path.join(nodesDir, 'package.json');
		const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { dependencies: Record<string, string> };
		for (const extra of options.extraPackages ?? []) {
			symlinkSync(extra.dir, path.join(nodesDir, 'node_modules', extra.name), 'dir');
			manifest.dependencies[extra.name] = (
				JSON.parse(readFileSync(path.join(extra.dir, 'package.json'), 'utf8')) as { version: string }
			).version;
		}
		writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
		if (options.credentials.length) await importCredentials(home, options.credentials);
		if (options.workflows.length) await importWorkflows(home, options.workflows);
		ready = true;
		return home;
	} finally {
		if (!ready) await home.cleanup();
	}
}

/** Deletes the binary files earlier runs stored (a 500 MB run leaves 500 MB behind). */
export function clearBinaryStorage(home: N8nHome): void {
	rmSync(path.join(home.dir, '.n8n', 'storage'), { recursive: true, force: true });
}

// ---- the buffering baseline model ------------------------------------------------------------

/**
 * Compiles test/bench/buffering-node (TypeScript) into test/bench/tmp/buffering-node, a
 * community package n8n can load: package.json + dist/BufferingDownload.node.js.
 */
export function buildBufferingNode(): ExtraPackage {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const ts = require('typescript') as typeof import('typescript');
	const sourceDir = path.join(BENCH_DIR, 'buffering-node');
	const outDir = path.join(TMP_DIR, 'buffering-node');
	rmSync(outDir, { recursive: true, force: true });
	mkdirSync(path.join(outDir, 'dist'), { recursive: true });
	const source = readFileSync(path.join(sourceDir, 'BufferingDownload.node.ts'), 'utf8');
	const { outputText } = ts.transpileModule(source, {
		compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
	});
	writeFileSync(path.join(outDir, 'dist', 'BufferingDownload.node.js'), outputText);
	for (const icon of ['baseline.svg', 'baseline.dark.svg']) copyFileSync(path.join(sourceDir, icon), path.join(outDir, 'dist', icon));
	const manifest = readFileSync(path.join(sourceDir, 'package.json'), 'utf8');
	writeFileSync(path.join(outDir, 'package.json'), manifest);
	return { name: (JSON.parse(manifest) as { name: string }).name, dir: outDir };
}

// ---- measured runs ---------------------------------------------------------------------------

/** Every descendant of `root` (children of children...), from /proc. */
function descendants(root: number): number[] {
	const parentOf = new Map<number, number>();
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
			// the command name may hold spaces and parentheses: the fields follow the last ')'
			const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			parentOf.set(Number(entry), Number(fields[1]));
		} catch {
			// the process ended while we looked
		}
	}
	const found: number[] = [];
	const queue = [root];
	while (queue.length) {
		const pid = queue.shift() as number;
		for (const [child, parent] of parentOf) {
			if (parent === pid) {
				found.push(child);
				queue.push(child);
			}
		}
	}
	return found;
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
	try {
		const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
		return match ? Number(match[1]) : 0;
	} catch {
		return 0;
	}
}

export interface MeasuredRun {
	/** Peak RSS of the n8n process (kernel's max RSS via /usr/bin/time), bytes. */
	peakRss: number;
	/** Largest sum of VmRSS over the whole n8n process tree seen while polling (every 50 ms), bytes. */
	treePeakRss: number;
	/** How many processes the tree had at most (1 = n8n alone; task runners would add more). */
	treeProcesses: number;
	/** From spawning `n8n execute` until it exited (n8n start-up included), ms. */
	processWallMs: number;
	/** The execution itself, from n8n's run data (startedAt to stoppedAt), ms. */
	runWallMs: number;
	status: string;
	exitCode: number | null;
	run?: IRun;
	error?: string;
	raw: string;
}

/**
 * `n8n execute --id=<id> --rawOutput` for a home, measured. Same command and environment as
 * the runner's `executeWorkflow()`, under `/usr/bin/time -f %M`.
 */
export async function executeMeasured(
	home: N8nHome,
	workflowId: string,
	timeoutMs = 10 * 60_000,
	extraEnv: NodeJS.ProcessEnv = {},
): Promise<MeasuredRun> {
	mkdirSync(TMP_DIR, { recursive: true });
	const timeFile = path.join(TMP_DIR, `time-${process.pid}-${Date.now()}.txt`);
	const started = Date.now();
	const child = spawn(
		'/usr/bin/time',
		['-f', '%M', '-o', timeFile, path.join(home.install.nodeBinDir, 'node'), home.install.n8nBin, 'execute', `--id=${workflowId}`, '--rawOutput'],
		{
			cwd: home.dir,
			env: { ...home.env, ...extraEnv, N8N_RUNNERS_BROKER_PORT: String(await freePort()) },
			detached: true,
			stdio: ['ignore', 'pipe', 'pipe'],
		},
	);
	let stdout = '';
	let stderr = '';
	child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
	child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
	let treePeak = 0;
	let treeProcesses = 0;
	const poll = setInterval(() => {
		if (child.pid === undefined) return;
		const tree = descendants(child.pid);
		treeProcesses = Math.max(treeProcesses, tree.length);
		treePeak = Math.max(treePeak, tree.reduce((sum, pid) => sum + statusKb(pid, 'VmRSS'), 0));
	}, 50);
	const killer = setTimeout(() => {
		try {
			if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
		} catch {
			// already gone
		}
	}, timeoutMs);
	const exitCode = await new Promise<number | null>((resolve, reject) => {
		child.once('error', reject);
		child.once('close', (code) => resolve(code));
	});
	const processWallMs = Date.now() - started;
	clearInterval(poll);
	clearTimeout(killer);
	try {
		if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL'); // anything left in its group
	} catch {
		// nothing left
	}
	let peakKb = Number.NaN;
	if (existsSync(timeFile)) {
		const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
		peakKb = Number(lines[lines.length - 1]);
		rmSync(timeFile, { force: true });
	}
	const raw = `${stdout}${stderr}`;
	const run = extractRunJson(stdout) ?? extractRunJson(raw);
	const runWallMs =
		run?.startedAt && run?.stoppedAt ? new Date(run.stoppedAt).getTime() - new Date(run.startedAt).getTime() : Number.NaN;
	const storedError = run?.data.resultData.error as { message?: string; description?: string } | undefined;
	return {
		peakRss: peakKb * 1024,
		treePeakRss: treePeak * 1024,
		treeProcesses,
		processWallMs,
		runWallMs,
		status: run?.status ?? 'unknown',
		exitCode,
		run,
		error: storedError ? `${storedError.message ?? ''}${storedError.description ? ` (${storedError.description})` : ''}` : undefined,
		raw,
	};
}

/** Throws with n8n's own words when a run did not succeed. */
export function assertSuccess(label: string, run: MeasuredRun): void {
	if (run.status === 'success') return;
	const tail = run.raw.split('\n').slice(-30).join('\n');
	throw new Error(`${label}: the n8n run ended "${run.status}" (exit ${run.exitCode})${run.error ? `: ${run.error}` : ''}\n${tail}`);
}

/** Items one node output in a run (last run of the node, output 0). */
export function nodeItems(run: MeasuredRun, nodeName: string) {
	const tasks = run.run?.data.resultData.runData[nodeName] ?? [];
	return tasks.flatMap((task) => task.data?.main?.[0] ?? []);
}

/** How long one node ran, summed over its runs (n8n's executionTime), ms. */
export function nodeTimeMs(run: MeasuredRun, nodeName: string): number {
	const tasks = run.run?.data.resultData.runData[nodeName] ?? [];
	return tasks.length ? tasks.reduce((sum, task) => sum + (task.executionTime ?? 0), 0) : Number.NaN;
}

export const packageNodeType = (nodeName: string) => `${PACKAGE_NAME}.${nodeName}`;

/** The AvatarTalk credential the benchmark workflows use (id `cred-avatartalk`), on the emulator. */
export function avatarTalkCredential(emulator: Emulator): CredentialFixture {
	return { id: 'cred-avatartalk', name: 'AvatarTalk account', type: 'avatarTalkApi', data: { apiKey: emulator.keys.avatarTalk, baseUrl: emulator.urls.avatarTalk } };
}

/** A benchmark's pass/fail goal, as results.md reports it. */
export interface Target {
	name: string;
	value: string;
	met: boolean;
}

/** The markdown table of a benchmark's targets (`heading`: the first column's title), and a blank line. */
export function targetsTable(targets: Target[], heading = 'target'): string[] {
	return [`| ${heading} | result | met |`, '| --- | --- | --- |', ...targets.map((t) => `| ${t.name} | ${t.value} | ${t.met ? 'yes' : '**no**'} |`), ''];
}
export { REPO_ROOT };

// ---- sections of results.md written by other scripts ------------------------------------------

/** A section of results.md a separate script writes (e.g. test/bench/queueBinary.ts). */
const SEPARATE_SECTION = /<!-- separate:([a-z0-9-]+) -->\n[\s\S]*?<!-- \/separate:\1 -->\n?/g;

/** `markdown` with the separate sections of `file` (as they are there) appended. */
export function keepSeparateSections(markdown: string, file: string): string {
	const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
	// those `markdown` does not have already (it may be built from the file itself)
	const sections = (old.match(SEPARATE_SECTION) ?? []).filter((section) => !markdown.includes(section.split('\n')[0]));
	return sections.length ? `${markdown.trimEnd()}\n\n${sections.map((section) => section.trimEnd()).join('\n\n')}\n` : markdown;
}

/** Writes (or replaces) the separate section `name` of `file`, leaving the rest as it is. */
export function writeSeparateSection(file: string, name: string, body: string): void {
	const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
	const section = `<!-- separate:${name} -->\n${body.trimEnd()}\n<!-- /separate:${name} -->\n`;
	const marker = new RegExp(`<!-- separate:${name} -->\\n[\\s\\S]*?<!-- \\/separate:${name} -->\\n?`);
	writeFileSync(file, marker.test(old) ? old.replace(marker, section) : `${old.trimEnd()}\n\n${section}`);
}
