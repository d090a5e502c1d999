/**
 * Runs the BUILT package inside a real n8n 2.41.1, headless, the way a user's install loads it.
 *
 * - `provisionN8n()`    the cached n8n install (scripts/provision-n8n.sh) and the Node 24 bin dir.
 * - `ensureBuilt()`     `npm run build` when dist/ is missing or older than the sources.
 * - `createN8nHome()`   a fresh N8N_USER_FOLDER (or a given, kept one) with this repository
 *                       symlinked as the community package `n8n-nodes-talking-avatars`
 *                       (+ `.n8n/nodes/package.json`), then `n8n import:credentials` /
 *                       `n8n import:workflow`. `cwd`: n8n's working directory, against which the
 *                       Read/Write Files node resolves relative paths (their folder must exist;
 *                       n8n 2.x allows only `~/.n8n-files` unless N8N_RESTRICT_FILE_ACCESS_TO,
 *                       given in `env`, says otherwise).
 * - `executeWorkflow()` `n8n execute --id=… --rawOutput`; the run JSON is cut out of the log lines.
 *                       A workflow stopping in a Wait node (On Webhook Call) ends `waiting`; with
 *                       `env.WEBHOOK_URL` = a running `n8n start` of the same home, its
 *                       `$execution.resumeUrl` points there and that n8n resumes it
 *                       (`waitForExecution()` then reads the result).
 * - `startN8n()`        `n8n publish:workflow` for the given workflows, then `n8n start` on its own
 *                       N8N_PORT and N8N_RUNNERS_BROKER_PORT; ready once n8n printed "Editor is
 *                       now accessible" (`/healthz` answers long before the routes exist) and the
 *                       given webhook answers the CORS preflight (OPTIONS + Origin -> 204). Do not
 *                       boot it while an `n8n execute` of the same home runs: at boot it marks
 *                       `running` executions crashed and runs `new` ones itself.
 * - `stopAllN8n()`      stops every n8n process started here (Ctrl+C handlers).
 * - `listExecutions()` / `getExecution()`: what n8n stored, read straight from the home's SQLite
 *   database (tables `execution_entity`, `execution_data`, the latter in n8n's "flatted" form).
 *   Chosen because it works headless with no owner account or API key (the public REST API needs
 *   both) and while `n8n start` is running (the database is in WAL mode; we open it read-only).
 *   Checked against n8n 2.41.1; these are n8n's internal tables, so re-check on upgrades.
 *
 * Every n8n process runs in its own process group and is killed as a group (task runners too).
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type {
	ExecutionStatus,
	IBinaryData,
	IConnections,
	IDataObject,
	INode,
	INodeExecutionData,
	IRun,
	IRunData,
	IWorkflowSettings,
} from 'n8n-workflow';

/**
 * The repository root, also when this file runs compiled from build/ (`npm run demo`), where
 * a copy of package.json may lie too: the first folder up that holds scripts/with-node.sh.
 */
function findRepoRoot(): string {
	for (let dir = __dirname; ; dir = path.dirname(dir)) {
		if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'scripts', 'with-node.sh'))) return dir;
		if (path.dirname(dir) === dir) return path.resolve(__dirname, '..', '..');
	}
}

export const REPO_ROOT = findRepoRoot();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const PACKAGE_JSON = require(path.join(REPO_ROOT, 'package.json')) as {
	name: string;
	version: string;
	config: { n8nVersion: string };
	n8n: { nodes: string[]; credentials: string[] };
};
export const PACKAGE_NAME = PACKAGE_JSON.name;

export interface N8nInstall {
	/** Path of n8n's `bin/n8n` script. */
	n8nBin: string;
	/** Directory holding the `node` binary n8n runs on. */
	nodeBinDir: string;
	/** The n8n version installed, e.g. `2.41.1`. */
	n8nVersion: string;
	/** The Node.js version n8n runs on, e.g. `24.21.0`. */
	nodeVersion: string;
}

/**
 * Which n8n and Node.js the end-to-end tests run on: the pinned n8n (package.json
 * `config.n8nVersion`) on Node >= 22.16, unless the compatibility matrix (test/matrix/run.js)
 * names another in TALKING_AVATARS_N8N_VERSION / TALKING_AVATARS_NODE_MAJOR. A matrix entry
 * installs a copy of the package rather than a link to this repository, so the package
 * resolves `n8n-workflow` as in a user's install: n8n's own copy, not this repository's.
 */
export interface N8nTarget {
	n8nVersion: string;
	/** Node major, or undefined for the default (scripts/node-runtime.sh without argument). */
	nodeMajor?: number;
	/** N8N_DEFAULT_BINARY_DATA_MODE, or undefined for n8n's default (`default` = memory on 1.x). */
	binaryDataMode?: string;
	/** Set by the compatibility matrix. */
	matrix: boolean;
}

export function n8nTarget(env: NodeJS.ProcessEnv = process.env): N8nTarget {
	const version = env.TALKING_AVATARS_N8N_VERSION?.trim();
	const major = env.TALKING_AVATARS_NODE_MAJOR?.trim();
	return {
		n8nVersion: version || PACKAGE_JSON.config.n8nVersion,
		nodeMajor: major ? Number(major) : undefined,
		binaryDataMode: env.TALKING_AVATARS_BINARY_DATA_MODE?.trim() || undefined,
		matrix: Boolean(version || major),
	};
}

/** `1` for n8n 1.x: its CLI and defaults differ (no `publish:workflow`, binary data in memory). */
export function n8nMajor(installation: N8nInstall): number {
	return Number(installation.n8nVersion.split('.')[0]);
}

export interface CredentialFixture {
	id: string;
	name: string;
	type: string;
	data: IDataObject;
}

export interface WorkflowFixture {
	/** Required by `n8n import:workflow`. */
	id: string;
	name: string;
	nodes: INode[];
	connections: IConnections;
	settings?: IWorkflowSettings;
	active?: boolean;
	[key: string]: unknown;
}

export interface N8nHome {
	/** The N8N_USER_FOLDER (n8n keeps its data in `<dir>/.n8n`). */
	dir: string;
	install: N8nInstall;
	/** Environment every n8n command of this home runs with. */
	env: NodeJS.ProcessEnv;
	/**
	 * Working directory of every n8n process of this home (default: `dir`). n8n resolves relative
	 * file paths (Read/Write Files from Disk) against it, and loads a `.env` file from it.
	 */
	cwd: string;
	/** Removes the folder (stop any running n8n first). */
	cleanup(): Promise<void>;
}

let install: N8nInstall | undefined;

/** The cached n8n (installed on first use, ~8 min) and the Node it runs on (see `n8nTarget`). */
export function provisionN8n(): N8nInstall {
	if (install) return install;
	const target = n8nTarget();
	const major = target.nodeMajor ? [String(target.nodeMajor)] : [];
	const run = (script: string, args: string[] = []) =>
		execFileSync('bash', [path.join(REPO_ROOT, 'scripts', script), ...args], {
			cwd: REPO_ROOT,
			encoding: 'utf8',
			env: { ...process.env, N8N_VERSION: target.n8nVersion, N8N_NODE_MAJOR: major[0] ?? '' },
			stdio: ['ignore', 'pipe', 'inherit'],
			timeout: 60 * 60_000,
		}).trim();
	const nodeBinDir = run('node-runtime.sh', major);
	const n8nBin = run('provision-n8n.sh');
	const nodeVersion = execFileSync(path.join(nodeBinDir, 'node'), ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
	install = { nodeBinDir, n8nBin, n8nVersion: target.n8nVersion, nodeVersion };
	return install;
}

function newestMtime(dir: string): number {
	if (!existsSync(dir)) return 0;
	let newest = 0;
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const full = path.join(dir, entry.name);
		newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
	}
	return newest;
}

/** Whether dist/ lacks a file package.json registers, or is older than the sources. */
export function distIsStale(): boolean {
	const outputs = [...PACKAGE_JSON.n8n.nodes, ...PACKAGE_JSON.n8n.credentials].map((p) => path.join(REPO_ROOT, p));
	if (outputs.some((file) => !existsSync(file))) return true;
	const oldestOutput = Math.min(...outputs.map((file) => statSync(file).mtimeMs));
	const newestSource = Math.max(
		...['nodes', 'credentials', 'icons'].map((dir) => newestMtime(path.join(REPO_ROOT, dir))),
		// The compiler options decide what dist/ holds (source maps, declarations) too.
		...['package.json', 'tsconfig.json'].map((file) => statSync(path.join(REPO_ROOT, file)).mtimeMs),
	);
	return newestSource > oldestOutput;
}

/** Runs `npm run build` when needed (one build at a time on this machine). */
export function ensureBuilt(): void {
	if (!distIsStale()) return;
	const lock = path.join(tmpdir(), `${PACKAGE_NAME}-build.lock`);
	execFileSync('flock', [lock, 'npm', 'run', 'build'], {
		cwd: REPO_ROOT,
		stdio: ['ignore', 'ignore', 'inherit'],
		timeout: 10 * 60_000,
	});
}

/**
 * An environment with nothing n8n-specific inherited from this process. NODE_ENV goes too:
 * jest sets it to `test`, which silences n8n's logger (and so `execute --rawOutput`).
 */
function baseEnv(installation: N8nInstall, userFolder: string): NodeJS.ProcessEnv {
	const target = n8nTarget();
	const env: NodeJS.ProcessEnv = {};
	for (const [key, value] of Object.entries(process.env)) {
		if (!/^(N8N_|DB_|EXECUTIONS_|WEBHOOK_URL$|GENERIC_TIMEZONE$|NODE_OPTIONS$|NODE_ENV$|JEST_)/.test(key)) {
			env[key] = value;
		}
	}
	return {
		...env,
		PATH: `${installation.nodeBinDir}${path.delimiter}${process.env.PATH ?? ''}`,
		N8N_USER_FOLDER: userFolder,
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_RUNNERS_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_LOG_LEVEL: 'info', // `execute --rawOutput` prints nothing below info
		N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '5',
		N8N_SECURE_COOKIE: 'false',
		...(target.binaryDataMode ? { N8N_DEFAULT_BINARY_DATA_MODE: target.binaryDataMode } : {}),
		// n8n 1.x opens SQLite without WAL unless it has a read pool; then this harness's reads of
		// the database (listExecutions) block n8n's writes ("database is locked"). 2.x's default.
		...(n8nMajor(installation) < 2 ? { DB_SQLITE_POOL_SIZE: '2' } : {}),
	};
}

/** A fresh home with the built package installed and the given credentials and workflows imported. */
export async function createN8nHome(
	options: {
		credentials?: CredentialFixture[];
		workflows?: WorkflowFixture[];
		env?: NodeJS.ProcessEnv;
		/** The package folder to install (with package.json and dist/). Default: this repository. */
		packageDir?: string;
		/** Working directory of the n8n processes (default: the home folder itself). */
		cwd?: string;
		/** Use this (existing or new) folder instead of a fresh temporary one; it is not removed by cleanup(). */
		dir?: string;
	} = {},
): Promise<N8nHome> {
	const installation = provisionN8n();
	const keep = options.dir !== undefined;
	const dir = options.dir ?? (await mkdtemp(path.join(tmpdir(), 'ta-n8n-home-')));
	const nodesDir = path.join(dir, '.n8n', 'nodes');
	mkdirSync(path.join(nodesDir, 'node_modules'), { recursive: true });
	const link = path.join(nodesDir, 'node_modules', PACKAGE_NAME);
	rmSync(link, { force: true, recursive: true });
	if (n8nTarget().matrix && !options.packageDir) {
		// a copy (package.json + dist/), as a user's install has it: `n8n-workflow` then resolves
		// to n8n's own copy (n8n adds its module paths to NODE_PATH), not to this repository's
		mkdirSync(link, { recursive: true });
		cpSync(path.join(REPO_ROOT, 'package.json'), path.join(link, 'package.json'));
		cpSync(path.join(REPO_ROOT, 'dist'), path.join(link, 'dist'), { recursive: true });
	} else {
		symlinkSync(options.packageDir ?? REPO_ROOT, link, 'dir');
	}
	writeFileSync(
		path.join(nodesDir, 'package.json'),
		JSON.stringify({ name: 'installed-nodes', private: true, dependencies: { [PACKAGE_NAME]: PACKAGE_JSON.version } }, null, 2),
	);
	const home: N8nHome = {
		dir,
		install: installation,
		env: { ...baseEnv(installation, dir), ...options.env },
		cwd: options.cwd ?? dir,
		cleanup: async () => {
			if (!keep) await rm(dir, { recursive: true, force: true });
		},
	};
	let imported = false;
	try {
		if (options.credentials?.length) await importCredentials(home, options.credentials);
		if (options.workflows?.length) await importWorkflows(home, options.workflows);
		imported = true;
	} finally {
		if (!imported) await home.cleanup();
	}
	return home;
}

export interface CliResult {
	code: number | null;
	stdout: string;
	stderr: string;
}

const running = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
	if (child.pid === undefined) return;
	try {
		process.kill(-child.pid, signal);
	} catch {
		// the group is already gone
	}
}

function groupAlive(pid: number): boolean {
	try {
		process.kill(-pid, 0);
		return true;
	} catch {
		return false;
	}
}

process.once('exit', () => {
	for (const child of running) killGroup(child, 'SIGKILL');
});

/**
 * Stops every n8n process this process started (SIGTERM to each group, SIGKILL after
 * `graceMs`), e.g. on Ctrl+C. Resolves when they are gone.
 */
export async function stopAllN8n(graceMs = 5000): Promise<void> {
	const children = [...running];
	for (const child of children) killGroup(child, 'SIGTERM');
	const deadline = Date.now() + graceMs;
	while (children.some((child) => child.pid !== undefined && groupAlive(child.pid)) && Date.now() < deadline) {
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	for (const child of children) killGroup(child, 'SIGKILL');
}

/** Spawns one n8n command (own process group, stopped with the others on exit). */
export function spawnN8n(home: N8nHome, args: string[], extraEnv: NodeJS.ProcessEnv = {}): ChildProcess {
	const child = spawn(path.join(home.install.nodeBinDir, 'node'), [home.install.n8nBin, ...args], {
		cwd: home.cwd, // n8n loads a `.env` from its working directory and resolves relative paths against it
		env: { ...home.env, ...extraEnv },
		detached: true, // own process group, so task runners die with it
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	running.add(child);
	child.once('exit', () => {
		running.delete(child);
		// anything n8n left behind in its group (task runners) goes too
		killGroup(child, 'SIGKILL');
	});
	return child;
}

/** Runs one n8n CLI command to completion (killed with its group after `timeoutMs`). */
export async function runN8nCli(
	home: N8nHome,
	args: string[],
	options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
	const child = spawnN8n(home, args, options.env);
	let stdout = '';
	let stderr = '';
	child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
	child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
	const timer = setTimeout(() => killGroup(child, 'SIGKILL'), options.timeoutMs ?? 120_000);
	try {
		const code = await new Promise<number | null>((resolve, reject) => {
			child.once('error', reject);
			child.once('close', (exitCode) => resolve(exitCode));
		});
		return { code, stdout, stderr };
	} finally {
		clearTimeout(timer);
	}
}

async function runChecked(home: N8nHome, args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult> {
	const result = await runN8nCli(home, args, { env });
	if (result.code !== 0) {
		throw new Error(`n8n ${args.join(' ')} exited with ${result.code}:\n${tail(result.stdout + result.stderr)}`);
	}
	return result;
}

function tail(text: string, lines = 40): string {
	return text.split('\n').slice(-lines).join('\n');
}

export async function importCredentials(home: N8nHome, credentials: CredentialFixture[]): Promise<void> {
	const file = path.join(home.dir, `credentials-${Date.now()}.json`);
	writeFileSync(file, JSON.stringify(credentials));
	await runChecked(home, ['import:credentials', `--input=${file}`]);
}

export async function importWorkflows(home: N8nHome, workflows: WorkflowFixture[]): Promise<void> {
	const file = path.join(home.dir, `workflows-${Date.now()}.json`);
	// n8n 2.0.0 stores an imported workflow only with a versionId (NOT NULL, and its import makes
	// none up: "SQLITE_CONSTRAINT: NOT NULL constraint failed: workflow_entity.versionId"); an
	// export from n8n carries one. Later 2.x replace it with their own; 1.x are left as they were.
	const withVersion = (workflow: WorkflowFixture) =>
		n8nMajor(home.install) >= 2 && !workflow.versionId ? { ...workflow, versionId: randomUUID() } : workflow;
	writeFileSync(file, JSON.stringify(workflows.map((workflow) => ({ active: false, settings: {}, ...withVersion(workflow) }))));
	await runChecked(home, ['import:workflow', `--input=${file}`]);
}

/**
 * Records the workflow's current version in its history when n8n's import did not: n8n 2.0.0's
 * `import:workflow` writes no `workflow_history` row, and its `publish:workflow` then fails with
 * `Version "<versionId>" not found for workflow "<id>"` (a workflow saved in the editor has one;
 * later 2.x record it at import, so nothing is written there). Call it with no n8n running.
 * Returns whether a row was added.
 */
export function recordImportedVersion(home: N8nHome, workflowId: string): boolean {
	const db = openDatabase(home, { write: true });
	try {
		const { changes } = db
			.prepare(
				'INSERT INTO workflow_history (versionId, workflowId, authors, nodes, connections) ' +
					"SELECT w.versionId, w.id, 'import', w.nodes, w.connections FROM workflow_entity w " +
					'WHERE w.id = ? AND NOT EXISTS (SELECT 1 FROM workflow_history h WHERE h.versionId = w.versionId)',
			)
			.run(workflowId);
		return Number(changes) > 0;
	} finally {
		db.close();
	}
}

/**
 * Cuts the run JSON out of `n8n execute --rawOutput` output, where n8n's logger mixes it with
 * log lines: the last block from a line `{` to a line `}` that parses as a run.
 */
export function extractRunJson(output: string): IRun | undefined {
	const lines = output.split(/\r?\n/);
	let found: IRun | undefined;
	for (let start = 0; start < lines.length; start++) {
		if (lines[start] !== '{') continue;
		for (let end = start + 1; end < lines.length; end++) {
			if (lines[end] !== '}') continue;
			try {
				const parsed = JSON.parse(lines.slice(start, end + 1).join('\n')) as IRun;
				if (parsed?.data?.resultData) {
					found = parsed;
					start = end;
					break;
				}
			} catch {
				// a `}` inside the block: keep looking further down
			}
		}
	}
	return found;
}

export interface RunErrorInfo {
	message: string;
	description?: string | null;
	httpCode?: string | null;
	nodeName?: string;
	name?: string;
}

export interface ExecuteResult {
	/** The run's status, or `unknown` when no run JSON could be found in the output. */
	status: ExecutionStatus | 'unknown';
	exitCode: number | null;
	run?: IRun;
	runData: IRunData;
	error?: RunErrorInfo;
	/** Everything n8n printed (stdout, then stderr). */
	raw: string;
	/** Items of one node output (default: output 0 of the last run). */
	items(nodeName: string, options?: { output?: number; runIndex?: number }): INodeExecutionData[];
	json(nodeName: string, options?: { output?: number; runIndex?: number }): IDataObject[];
}

/** `n8n execute --id=<workflowId> --rawOutput` (~3-4 s, most of it n8n's start-up). */
export async function executeWorkflow(
	home: N8nHome,
	workflowId: string,
	options: {
		timeoutMs?: number;
		/**
		 * Extra environment, e.g. `WEBHOOK_URL` of a running `n8n start` of the same home: then
		 * `$execution.resumeUrl` points at it, and a Wait node's execution (left `waiting` by
		 * this command) is resumed there.
		 */
		env?: NodeJS.ProcessEnv;
	} = {},
): Promise<ExecuteResult> {
	const result = await runN8nCli(home, ['execute', `--id=${workflowId}`, '--rawOutput'], {
		timeoutMs: options.timeoutMs ?? 180_000,
		// its own broker port, so it can run beside an `n8n start`
		env: { ...options.env, N8N_RUNNERS_BROKER_PORT: String(await freePort()) },
	});
	const raw = `${result.stdout}${result.stderr}`;
	const run = extractRunJson(result.stdout) ?? extractRunJson(raw);
	const runData = run?.data.resultData.runData ?? {};
	const items: ExecuteResult['items'] = (nodeName, opts = {}) => {
		const tasks = runData[nodeName];
		if (!tasks?.length) return [];
		return tasks[opts.runIndex ?? tasks.length - 1]?.data?.main?.[opts.output ?? 0] ?? [];
	};
	const stored = run?.data.resultData.error as
		| (RunErrorInfo & { node?: { name?: string }; httpCode?: string | null })
		| undefined;
	return {
		status: runStatus(run),
		exitCode: result.code,
		run,
		runData,
		error: stored
			? {
					message: stored.message,
					description: stored.description,
					httpCode: stored.httpCode,
					nodeName: stored.node?.name ?? run?.data.resultData.lastNodeExecuted,
					name: stored.name,
				}
			: undefined,
		raw,
		items,
		json: (nodeName, opts) => items(nodeName, opts).map((item) => item.json),
	};
}

/** Where a binary from a run lies on disk (n8n's default filesystem mode). */
export function binaryPath(home: N8nHome, binary: IBinaryData): string {
	const paths = binaryPaths(home, binary);
	return paths.find((file) => existsSync(file)) ?? paths[0];
}

/** Where n8n may have put a binary from a run, most likely first. */
function binaryPaths(home: N8nHome, binary: IBinaryData): string[] {
	if (!binary.id) throw new Error('This binary is stored inline (no id); read binary.data instead');
	const separator = binary.id.indexOf(':');
	const fileId = binary.id.slice(separator + 1);
	// n8n 1.x (and 2.0.0) keep filesystem binary data in `.n8n/binaryData`, later 2.x in `.n8n/storage`
	const folders = n8nMajor(home.install) < 2 ? ['binaryData'] : ['storage', 'binaryData'];
	return folders.map((folder) => path.join(home.dir, '.n8n', folder, fileId));
}

/**
 * A printed run's status. n8n before ~1.85 prints the run of `n8n execute` still marked
 * `running` (the final status is set when it is saved): then the run itself tells.
 */
function runStatus(run: IRun | undefined): ExecutionStatus | 'unknown' {
	if (!run) return 'unknown';
	if (run.status !== 'running' || !run.stoppedAt) return run.status;
	if (run.waitTill) return 'waiting';
	return run.data.resultData.error ? 'error' : 'success';
}

/** The bytes of a binary from a run's output. */
export async function readBinary(home: N8nHome, binary: IBinaryData): Promise<Buffer> {
	if (!binary.id) return Buffer.from(binary.data, 'base64');
	const file = binaryPath(home, binary);
	if (!existsSync(file) && file.includes(`${path.sep}executions${path.sep}temp${path.sep}`)) {
		// n8n 1.x and 2.0.0: a webhook-started execution writes binary data under executions/temp
		// and moves it to the execution's folder when it is saved; the run data keeps the temp id
		for (const candidate of binaryPaths(home, binary)) {
			const executions = path.resolve(candidate, '..', '..', '..');
			if (!existsSync(executions)) continue;
			for (const execution of readdirSync(executions)) {
				const moved = path.join(executions, execution, 'binary_data', path.basename(candidate));
				if (existsSync(moved)) return await readFile(moved);
			}
		}
	}
	return await readFile(file);
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', resolve);
	});
	const { port } = server.address() as { port: number };
	await new Promise((resolve) => server.close(resolve));
	return port;
}

export interface RunningN8n {
	baseUrl: string;
	port: number;
	pid: number;
	/** Production URL of a webhook path. */
	webhookUrl(webhookPath: string): string;
	/** What the process printed so far. */
	output(): string;
	/** SIGTERM to the whole process group, SIGKILL after 10 s; resolves when it is gone. */
	stop(): Promise<void>;
}

/** What `n8n start` prints once the editor, REST API, webhooks and published workflows are up. */
const STARTED_LINE = 'Editor is now accessible via';

/**
 * A CORS preflight for the webhook's method answers 204 once the published workflow's webhook
 * is registered (404/500 while n8n is still starting). The method is not known here: GET or
 * POST will do.
 */
async function webhookIsLive(url: string): Promise<boolean> {
	for (const method of ['POST', 'GET']) {
		try {
			const response = await fetch(url, {
				method: 'OPTIONS',
				headers: { Origin: 'http://127.0.0.1', 'Access-Control-Request-Method': method },
				signal: AbortSignal.timeout(2000),
			});
			await response.arrayBuffer();
			if (response.status === 204) return true;
		} catch {
			// not listening yet
		}
	}
	return false;
}

/**
 * Publishes `publish` (workflow ids), starts `n8n start`, and waits until `waitForWebhook`
 * (a webhook path) is live, or for `/healthz` when no path is given.
 */
export async function startN8n(
	home: N8nHome,
	options: {
		port?: number;
		publish?: string[];
		waitForWebhook?: string;
		timeoutMs?: number;
		/** Host name in the editor and webhook URLs (default 127.0.0.1; `npm run dev` uses localhost). */
		host?: string;
		/** Address to listen on (default 127.0.0.1). */
		listenAddress?: string;
		env?: NodeJS.ProcessEnv;
		/** Called with each chunk n8n prints (e.g. to pass it through). */
		onOutput?: (chunk: string) => void;
	} = {},
): Promise<RunningN8n> {
	for (const id of options.publish ?? []) {
		// n8n 1.x has no publish:workflow; its update:workflow --active is what 2.x deprecated
		const args = n8nMajor(home.install) < 2 ? ['update:workflow', `--id=${id}`, '--active=true'] : ['publish:workflow', `--id=${id}`];
		if (n8nMajor(home.install) >= 2) recordImportedVersion(home, id);
		await runChecked(home, args);
	}

	const port = options.port ?? (await freePort());
	const host = options.host ?? '127.0.0.1';
	const baseUrl = `http://${host}:${port}`;
	const child = spawnN8n(home, ['start'], {
		N8N_PORT: String(port),
		N8N_LISTEN_ADDRESS: options.listenAddress ?? '127.0.0.1',
		N8N_HOST: host,
		WEBHOOK_URL: `${baseUrl}/`,
		N8N_EDITOR_BASE_URL: `${baseUrl}/`,
		N8N_RUNNERS_BROKER_PORT: String(await freePort()),
		...options.env,
	});
	let output = '';
	const collect = (chunk: string) => {
		output += chunk;
		options.onOutput?.(chunk);
	};
	child.stdout?.setEncoding('utf8').on('data', collect);
	child.stderr?.setEncoding('utf8').on('data', collect);
	const exited = new Promise<void>((resolve) => {
		if (child.exitCode !== null || child.signalCode !== null) resolve();
		else child.once('exit', () => resolve());
	});
	let stopped = false;

	const stop = async () => {
		if (!stopped) {
			stopped = true;
			killGroup(child, 'SIGTERM');
			const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 10_000);
			await exited;
			clearTimeout(timer);
		}
		const pid = child.pid;
		for (let i = 0; pid !== undefined && groupAlive(pid) && i < 50; i++) {
			killGroup(child, 'SIGKILL');
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
	};

	// `/healthz` answers before the routes (webhooks, waiting webhooks, REST) are mounted and the
	// published workflows activated; n8n prints this line once all of that is done.
	const listen = options.listenAddress ?? '127.0.0.1';
	const probeBase = ['127.0.0.1', '0.0.0.0', '::'].includes(listen) ? `http://127.0.0.1:${port}` : baseUrl;
	const probeUrl = options.waitForWebhook ? `${probeBase}/webhook/${options.waitForWebhook}` : `${probeBase}/healthz`;
	const deadline = Date.now() + (options.timeoutMs ?? 120_000);
	let exitedEarly = false;
	void exited.then(() => (exitedEarly = true));
	for (;;) {
		const started = output.includes(STARTED_LINE);
		const ready =
			started &&
			(options.waitForWebhook
				? await webhookIsLive(probeUrl)
				: await fetch(probeUrl)
						.then(async (response) => (await response.arrayBuffer(), response.ok))
						.catch(() => false));
		if (ready) break;
		if (exitedEarly || Date.now() > deadline) {
			const why = exitedEarly ? 'exited' : `was not ready within ${options.timeoutMs ?? 120_000} ms`;
			await stop();
			throw new Error(`n8n start ${why} (waiting for ${started ? probeUrl : `"${STARTED_LINE}"`}):\n${tail(output)}`);
		}
		await new Promise((resolve) => setTimeout(resolve, 250));
	}

	return {
		baseUrl,
		port,
		pid: child.pid as number,
		webhookUrl: (webhookPath) => `${baseUrl}/webhook/${webhookPath}`,
		output: () => output,
		stop,
	};
}

export interface ExecutionRow {
	id: number;
	workflowId: string;
	status: ExecutionStatus;
	mode: string;
	finished: boolean;
	startedAt: string | null;
	stoppedAt: string | null;
}

interface SqliteDatabase {
	prepare(sql: string): {
		all(...params: unknown[]): unknown[];
		get(...params: unknown[]): unknown;
		run(...params: unknown[]): { changes: number | bigint };
	};
	close(): void;
}

/** The home's database, read-only unless `write` (only with no n8n of this home running). */
function openDatabase(home: N8nHome, options: { write?: boolean } = {}): SqliteDatabase {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { DatabaseSync } = require('node:sqlite') as {
		DatabaseSync: new (file: string, options: { readOnly: boolean; timeout?: number }) => SqliteDatabase;
	};
	return new DatabaseSync(path.join(home.dir, '.n8n', 'database.sqlite'), { readOnly: !options.write, timeout: 5000 });
}

/** An execution's startedAt/stoppedAt as epoch ms (SQLite stores "2026-12-02 16:31:20.123", UTC). */
export function executionTimeMs(value: unknown): number {
	if (value instanceof Date) return value.getTime();
	const text = String(value);
	return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
}

/** Executions n8n stored in this home, oldest first (optionally of one workflow). */
export function listExecutions(home: N8nHome, filter: { workflowId?: string } = {}): ExecutionRow[] {
	const db = openDatabase(home);
	try {
		const sql =
			'SELECT id, workflowId, status, mode, finished, startedAt, stoppedAt FROM execution_entity' +
			(filter.workflowId ? ' WHERE workflowId = ?' : '') +
			' ORDER BY id';
		const rows = db.prepare(sql).all(...(filter.workflowId ? [filter.workflowId] : [])) as Array<
			Omit<ExecutionRow, 'finished'> & { finished: number }
		>;
		return rows.map((row) => ({ ...row, finished: row.finished === 1 }));
	} finally {
		db.close();
	}
}

/** n8n stores run data in the "flatted" format: every string and object is an index into one list. */
export function unflatten(list: unknown[]): unknown {
	const done = new Map<number, unknown>();
	const resolve = (index: number): unknown => {
		if (done.has(index)) return done.get(index);
		const raw = list[index];
		if (raw === null || typeof raw !== 'object') {
			done.set(index, raw);
			return raw;
		}
		const out: Record<string, unknown> | unknown[] = Array.isArray(raw) ? [] : {};
		done.set(index, out);
		for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
			(out as Record<string, unknown>)[key] = typeof value === 'string' ? resolve(Number(value)) : value;
		}
		return out;
	};
	return resolve(0);
}

/** The stored run data of one execution (webhook-started runs included), or undefined. */
export function getExecution(home: N8nHome, executionId: number): (ExecutionRow & { data: IRun['data'] }) | undefined {
	const row = listExecutions(home).find((execution) => execution.id === executionId);
	if (!row) return undefined;
	const db = openDatabase(home);
	try {
		const stored = db.prepare('SELECT data FROM execution_data WHERE executionId = ?').get(executionId) as
			| { data: string }
			| undefined;
		if (!stored) return undefined;
		return { ...row, data: unflatten(JSON.parse(stored.data) as unknown[]) as IRun['data'] };
	} finally {
		db.close();
	}
}

/** Statuses after which an execution does not change any more. */
export const FINAL_STATUSES: readonly ExecutionStatus[] = ['success', 'error', 'crashed', 'canceled'];

/**
 * Polls n8n's database until an execution matching `filter` (of `workflowId`, with an id above
 * `afterId`, or exactly `executionId`) has reached a final status, and returns it with its run
 * data. Throws after `timeoutMs` naming the status it was left in.
 */
export async function waitForExecution(
	home: N8nHome,
	filter: { workflowId?: string; executionId?: number; afterId?: number },
	timeoutMs = 60_000,
): Promise<ExecutionRow & { data: IRun['data'] }> {
	const deadline = Date.now() + timeoutMs;
	let last: ExecutionRow | undefined;
	for (;;) {
		const rows = listExecutions(home, { workflowId: filter.workflowId }).filter(
			(row) =>
				(filter.executionId === undefined || row.id === filter.executionId) &&
				(filter.afterId === undefined || row.id > filter.afterId),
		);
		last = rows.at(-1);
		if (last && FINAL_STATUSES.includes(last.status)) {
			const stored = getExecution(home, last.id);
			if (stored) return stored;
		}
		if (Date.now() > deadline) {
			throw new Error(
				`No finished execution of ${JSON.stringify(filter)} within ${timeoutMs} ms` +
					(last ? ` (execution ${last.id} is "${last.status}")` : ' (none was started)'),
			);
		}
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}
