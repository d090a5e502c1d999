/**
 * Runs the example workflows of examples/ in a real n8n against the emulator: shared by the
 * end-to-end suite (test/e2e/examples.test.ts) and `npm run demo` (test/e2e/demo.ts).
 *
 * Every examples/*.json is picked up, imported as it is (only the fixed `npm run emulator`
 * origins, 127.0.0.1:18600-18608, are pointed at the emulator actually running) and run the way
 * its first node asks:
 * - `execute`: a Manual Trigger workflow, run with `n8n execute`.
 * - `resume`:  a Manual Trigger workflow that sleeps in a Wait node until a webhook calls
 *              `$execution.resumeUrl`. `n8n execute` runs it until the Wait (the execution is left
 *              `waiting` in the database), with WEBHOOK_URL pointing at the home's running
 *              `n8n start`, which receives the call and finishes the execution.
 * - `trigger`: a workflow started by a trigger node (MultiTalk Trigger, Webhook): published,
 *              served by `n8n start`, and set off by a starter for that trigger type (e.g. a
 *              MultiTalk job submitted with the trigger's Production URL as its webhook_url).
 * One n8n home for all of them; `n8n start` runs only when an example needs it.
 *
 * Files the workflows write (Read/Write Files from Disk, relative `demo-output/...` paths) land
 * under `outputRoot/demo-output/`: n8n runs with `outputRoot` as its working directory, and file
 * access is restricted to that folder (N8N_RESTRICT_FILE_ACCESS_TO).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import type { IBinaryData, IDataObject, INode, INodeExecutionData, IRunData } from 'n8n-workflow';

import type { Emulator } from '../emulator/server';
import { startEmulator } from '../emulator/server';
import type { ServiceName } from '../emulator/types';
import { SERVICE_NAMES } from '../emulator/types';
import { expectFragmentedMp4, expectMp4, inspectMp4 } from '../helpers/mp4';
import type { CredentialFixture, ExecuteResult, N8nHome, RunningN8n, WorkflowFixture } from './n8nRunner';
import {
	REPO_ROOT,
	createN8nHome,
	ensureBuilt,
	executeWorkflow,
	listExecutions,
	provisionN8n,
	readBinary,
	startN8n,
	waitForExecution,
} from './n8nRunner';

export const EXAMPLES_DIR = path.join(REPO_ROOT, 'examples');
/** The folder (relative to n8n's working directory) the examples write their files to. */
export const OUTPUT_DIR_NAME = 'demo-output';
/** First port of `npm run emulator` (one port per service, in SERVICE_NAMES order). */
export const CLI_PORT_BASE = 18600;

export type ExampleKind = 'execute' | 'resume' | 'trigger';

export interface Example {
	/** File name without `.json`, e.g. `avatartalk-streamed-to-disk`. */
	slug: string;
	file: string;
	workflow: WorkflowFixture;
	kind: ExampleKind;
	/** The node that starts it (Manual Trigger, or the trigger node). */
	startNode: INode;
}

const MANUAL_TRIGGER = 'n8n-nodes-base.manualTrigger';
const STICKY_NOTE = 'n8n-nodes-base.stickyNote';
const WAIT = 'n8n-nodes-base.wait';
export const READ_WRITE_FILE = 'n8n-nodes-base.readWriteFile';

/** Nodes with no main input: where an execution starts. */
function startNodes(workflow: WorkflowFixture): INode[] {
	const targets = new Set<string>();
	for (const outputs of Object.values(workflow.connections)) {
		for (const branch of outputs.main ?? []) for (const connection of branch ?? []) targets.add(connection.node);
	}
	return workflow.nodes.filter((node) => node.type !== STICKY_NOTE && !targets.has(node.name) && !node.disabled);
}

/** How an example runs (see the file comment). */
export function classify(workflow: WorkflowFixture): { kind: ExampleKind; startNode: INode } {
	const starts = startNodes(workflow);
	const manual = starts.find((node) => node.type === MANUAL_TRIGGER);
	if (manual) {
		const waitsForWebhook = workflow.nodes.some(
			(node) => node.type === WAIT && !node.disabled && ['webhook', 'form'].includes(String(node.parameters.resume)),
		);
		return { kind: waitsForWebhook ? 'resume' : 'execute', startNode: manual };
	}
	if (starts.length !== 1) {
		throw new Error(`${workflow.name}: expected one start node (a Manual Trigger or a trigger), found ${starts.map((n) => n.name).join(', ') || 'none'}`);
	}
	return { kind: 'trigger', startNode: starts[0] };
}

/**
 * The order to run examples in one home: plain `n8n execute` ones first, then those needing
 * `n8n start` (see `ExamplesSession.startServer`); by file name within each group.
 */
export function runOrder(examples: Example[]): Example[] {
	const rank: Record<ExampleKind, number> = { execute: 0, resume: 1, trigger: 2 };
	return [...examples].sort((a, b) => rank[a.kind] - rank[b.kind] || a.file.localeCompare(b.file));
}

/** Every examples/*.json, sorted by file name. */
export function loadExamples(dir = EXAMPLES_DIR): Example[] {
	return readdirSync(dir)
		.filter((file) => file.endsWith('.json'))
		.sort()
		.map((file) => {
			const workflow = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as WorkflowFixture;
			if (typeof workflow.id !== 'string' || !workflow.id) throw new Error(`examples/${file} has no "id" (n8n import:workflow needs one)`);
			return { slug: file.replace(/\.json$/, ''), file, workflow, ...classify(workflow) };
		});
}

/** The credentials the examples reference (fixed ids and names), pointing at `emulator`. */
export function emulatorCredentials(emulator: Emulator): CredentialFixture[] {
	const { urls, keys } = emulator;
	return [
		{ id: 'cred-avatartalk', name: 'AvatarTalk account', type: 'avatarTalkApi', data: { apiKey: keys.avatarTalk, baseUrl: urls.avatarTalk } },
		{ id: 'cred-multitalk', name: 'MultiTalk account', type: 'multiTalkApi', data: { apiKey: keys.multiTalk, baseUrl: urls.multiTalk } },
		{ id: 'cred-musetalk', name: 'MuseTalk account', type: 'museTalkApi', data: { baseUrl: urls.museTalk, apiKey: keys.museTalk ?? '' } },
		{ id: 'cred-livetalking', name: 'LiveTalking account', type: 'liveTalkingApi', data: { baseUrl: urls.liveTalking, firebaseToken: keys.liveTalking } },
		{ id: 'cred-avatar', name: 'AvaTar account', type: 'avaTarApi', data: { baseUrl: urls.avaTar, wsUrl: urls.avaTarWs, apiKey: keys.avaTar ?? '' } },
		{ id: 'cred-livekit', name: 'LiveKit account', type: 'liveKitApi', data: { url: urls.liveKit, apiKey: keys.liveKitKey, apiSecret: keys.liveKitSecret } },
		// n8n's own OpenAI credential, its Base URL on the emulator's scripted chat model (AI Agent examples)
		{ id: 'cred-openai', name: 'OpenAI account (emulator)', type: 'openAiApi', data: { apiKey: keys.openAi, url: urls.openAi } },
	];
}

/**
 * Points the fixed `npm run emulator` origins an example may name (e.g. the emulator-only
 * Lightning pay step, http://127.0.0.1:18600/__emulator/lightning/pay) at `emulator`'s
 * origins. A no-op when the emulator runs on those very ports.
 */
export function retargetEmulatorUrls<T>(value: T, emulator: Emulator, portBase = CLI_PORT_BASE): T {
	const origins = new Map<number, string>();
	SERVICE_NAMES.forEach((name: ServiceName, index) => origins.set(portBase + index, new URL(emulator.url(name)).host));
	const pattern = /\b(https?|wss?):\/\/(?:127\.0\.0\.1|localhost):(\d{5})\b/g;
	const rewrite = (text: string) =>
		text.replace(pattern, (match, scheme: string, port: string) => {
			const host = origins.get(Number(port));
			return host ? `${scheme}://${host}` : match;
		});
	const walk = (item: unknown): unknown => {
		if (typeof item === 'string') return rewrite(item);
		if (Array.isArray(item)) return item.map(walk);
		if (item && typeof item === 'object') {
			return Object.fromEntries(Object.entries(item as Record<string, unknown>).map(([key, inner]) => [key, walk(inner)]));
		}
		return item;
	};
	return walk(value) as T;
}

// ---- starting trigger workflows ----------------------------------------------------------

export interface TriggerContext {
	emulator: Emulator;
	/** The trigger node's Production URL in the running n8n. */
	productionUrl: string;
	node: INode;
}

/** Sets off a published trigger workflow the way its service would, per trigger node type. */
export const TRIGGER_STARTERS: Record<string, (context: TriggerContext) => Promise<void>> = {
	/** Submits a MultiTalk job whose webhook_url is the trigger's Production URL (as a user would). */
	'n8n-nodes-talking-avatars.multiTalkTrigger': async ({ emulator, productionUrl, node }) => {
		const secret = String(node.parameters.secret ?? '');
		const webhookUrl = secret ? `${productionUrl}?secret=${encodeURIComponent(secret)}` : productionUrl;
		const response = await fetch(`${emulator.urls.multiTalk}/generate`, {
			method: 'POST',
			headers: { authorization: `Bearer ${emulator.keys.multiTalk}`, 'content-type': 'application/json' },
			body: JSON.stringify({
				prompt: 'A presenter announcing that the video is ready',
				image_s3_url: 's3://my-bucket/images/presenter.png',
				audio_s3_urls: 's3://my-bucket/audio/ready.wav',
				webhook_url: webhookUrl,
			}),
		});
		const text = await response.text();
		if (!response.ok) throw new Error(`MultiTalk emulator refused the job (${response.status}): ${text}`);
	},
};

/** The webhook path of a trigger node (`<webhookId>/<path>`, or its own full path). */
export function triggerWebhookPath(node: INode): string {
	if (node.type === 'n8n-nodes-base.webhook') return String(node.parameters.path);
	if (!node.webhookId) throw new Error(`${node.name}: a trigger node without webhookId`);
	return `${node.webhookId}/webhook`;
}

// ---- media checks --------------------------------------------------------------------------

export type MediaKind = 'mp4' | 'fmp4' | 'mp3' | 'wav';

/** What a file's name says it should be. */
export function mediaKindOf(fileName: string, data?: Buffer): MediaKind | undefined {
	const extension = path.extname(fileName).toLowerCase();
	if (extension === '.mp4') return data && inspectMp4(data).boxes.includes('moof') ? 'fmp4' : 'mp4';
	if (extension === '.mp3') return 'mp3';
	if (extension === '.wav') return 'wav';
	return undefined;
}

/**
 * Checks bytes are a real file of that kind; returns a problem or undefined. MP4: with GPAC's
 * mp4box.js (test/helpers/mp4.ts: ftyp first, moov, mdat, a video track with samples, nothing
 * cut short; fMP4: init segment, then moof+mdat pairs). MP3: ID3 tag or an MPEG audio frame.
 */
export function mediaProblem(data: Buffer, kind: MediaKind): string | undefined {
	try {
		if (kind === 'mp4' || kind === 'fmp4') {
			if (kind === 'fmp4') expectFragmentedMp4(data);
			else expectMp4(data);
			return undefined;
		}
		if (kind === 'mp3') {
			const id3 = data.subarray(0, 3).toString('latin1') === 'ID3';
			const frameSync = data.length > 2 && data[0] === 0xff && (data[1] & 0xe0) === 0xe0;
			if (!id3 && !frameSync) return 'not an MP3 (neither an ID3 tag nor an MPEG audio frame at the start)';
			if (data.length < 1024) return `an MP3 of only ${data.length} bytes`;
			return undefined;
		}
		if (data.subarray(0, 4).toString('latin1') !== 'RIFF' || data.subarray(8, 12).toString('latin1') !== 'WAVE') {
			return 'not a WAV (no RIFF/WAVE header)';
		}
		return undefined;
	} catch (error) {
		return (error as Error).message;
	}
}

// ---- running -------------------------------------------------------------------------------

function tail(text: string, lines = 25): string {
	return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export interface WrittenFile {
	/** The Read/Write Files node that wrote it. */
	node: string;
	/** As the workflow named it (relative to n8n's working directory). */
	fileName: string;
	absolutePath: string;
	exists: boolean;
	bytes: number;
	/** The binary the node wrote (MIME type, size, file name as n8n stored them). */
	binary?: IBinaryData;
}

export interface ExampleRun {
	example: Example;
	status: string;
	seconds: number;
	/** The workflow's error (message and node), when it failed. */
	error?: string;
	runData: IRunData;
	files: WrittenFile[];
	/** Everything n8n printed for this run (`execute` and `resume`). */
	output: string;
	/** What went wrong on the way but was recovered from (a retried start-up, say). */
	notes: string[];
	items(nodeName: string): INodeExecutionData[];
	json(nodeName: string): IDataObject[];
}

/**
 * What the example checks (exampleChecks.ts, examples-config.ts) need from a session: the
 * single-process one below, or queue mode's (test/e2e/queue/queueExamples.ts).
 */
export interface ExampleSessionLike {
	readonly emulator: Emulator;
	readonly home: N8nHome;
	/** n8n's working directory: the files land in `<outputRoot>/demo-output/`. */
	readonly outputRoot: string;
	/** The bytes of a binary from a run's output, wherever this n8n stores binary data. */
	readBinary(binary: IBinaryData): Promise<Buffer>;
	run(example: Example): Promise<ExampleRun>;
	close(): Promise<void>;
}

/** An ExampleRun from what an execution left (its status, error and run data). */
export function exampleRun(
	example: Example,
	outcome: { status: string; error?: string; runData: IRunData; output: string; notes: string[]; started: number },
	outputRoot: string,
): ExampleRun {
	const { runData } = outcome;
	const items = (nodeName: string) => {
		const tasks = runData[nodeName];
		return tasks?.at(-1)?.data?.main?.[0] ?? [];
	};
	return {
		example,
		status: outcome.status,
		seconds: (Date.now() - outcome.started) / 1000,
		error: outcome.error,
		runData,
		files: writtenFiles(example, runData, outputRoot),
		output: outcome.output,
		notes: outcome.notes,
		items,
		json: (nodeName) => items(nodeName).map((item) => item.json),
	};
}

/** The files each Read/Write Files (write) node of the run says it wrote, as found on disk. */
function writtenFiles(example: Example, runData: IRunData, outputRoot: string): WrittenFile[] {
	const files: WrittenFile[] = [];
	for (const node of example.workflow.nodes) {
		if (node.type !== READ_WRITE_FILE || node.parameters.operation !== 'write') continue;
		const property = String(node.parameters.dataPropertyName ?? 'data');
		for (const task of runData[node.name] ?? []) {
			for (const item of task.data?.main?.[0] ?? []) {
				const fileName = String(item.json.fileName ?? '');
				if (!fileName) continue;
				const absolutePath = path.resolve(outputRoot, fileName);
				const exists = existsSync(absolutePath);
				files.push({
					node: node.name,
					fileName,
					absolutePath,
					exists,
					bytes: exists ? statSync(absolutePath).size : 0,
					binary: item.binary?.[property],
				});
			}
		}
	}
	return files;
}

export interface ExamplesSessionOptions {
	examples: Example[];
	/** n8n's working directory: files land in `<outputRoot>/demo-output/`. */
	outputRoot: string;
	/** Emulator knobs (see test/emulator/providers). */
	emulatorSettings?: Record<string, unknown>;
	/** Progress lines (the demo prints them). */
	log?: (line: string) => void;
	/** Per-run time limit. */
	timeoutMs?: number;
}

/**
 * MultiTalk jobs take 2 s: long enough that the resume-URL example's execution is safely
 * `waiting` before MultiTalk calls back (an early call gets 409 and is retried anyway).
 */
export const DEFAULT_EMULATOR_SETTINGS = { multiTalkJobMs: 2000 };

/** One emulator, one n8n home (and, when needed, one `n8n start`) for a set of examples. */
export class ExamplesSession implements ExampleSessionLike {
	private n8nStarting?: Promise<RunningN8n>;
	private closed = false;

	private constructor(
		readonly options: ExamplesSessionOptions,
		readonly emulator: Emulator,
		readonly home: N8nHome,
	) {}

	get outputRoot(): string {
		return this.options.outputRoot;
	}

	async readBinary(binary: IBinaryData): Promise<Buffer> {
		return await readBinary(this.home, binary);
	}

	static async open(options: ExamplesSessionOptions): Promise<ExamplesSession> {
		const log = options.log ?? (() => undefined);
		log('Building the package (when needed) and provisioning n8n ...');
		ensureBuilt();
		provisionN8n();
		const emulator = await startEmulator({ settings: { ...DEFAULT_EMULATOR_SETTINGS, ...options.emulatorSettings } });
		let opened = false;
		try {
			const outputDir = path.join(options.outputRoot, OUTPUT_DIR_NAME);
			mkdirSync(outputDir, { recursive: true });
			log(`Importing ${options.examples.length} example workflows and the emulator credentials into a fresh n8n home ...`);
			// (createN8nHome removes its folder itself when an import fails)
			const home = await createN8nHome({
				credentials: emulatorCredentials(emulator),
				workflows: options.examples.map((example) => retargetEmulatorUrls(example.workflow, emulator)),
				cwd: options.outputRoot,
				env: { N8N_RESTRICT_FILE_ACCESS_TO: outputDir },
			});
			opened = true;
			return new ExamplesSession(options, emulator, home);
		} finally {
			if (!opened) await emulator.close();
		}
	}

	/**
	 * `n8n start` with the trigger examples published, started once, when the first example
	 * needs it. Never while an `n8n execute` runs: at boot `n8n start` marks executions it finds
	 * `running` as crashed and runs the `new` ones itself (its crash and enqueued-execution
	 * recovery), so run the `execute` examples first (`runOrder()`).
	 */
	private startServer(): Promise<RunningN8n> {
		this.n8nStarting ??= (async () => {
			const triggers = this.options.examples.filter((example) => example.kind === 'trigger');
			this.options.log?.('Starting n8n (for webhooks and waiting executions) ...');
			return await startN8n(this.home, {
				publish: triggers.map((example) => example.workflow.id),
				waitForWebhook: triggers[0] ? triggerWebhookPath(triggers[0].startNode) : undefined,
				timeoutMs: 180_000,
			});
		})();
		// a failed start is reported by the run that needs it
		this.n8nStarting.catch(() => undefined);
		return this.n8nStarting;
	}

	/** The running `n8n start`, if one was needed. */
	async server(): Promise<RunningN8n | undefined> {
		return this.n8nStarting ? await this.n8nStarting : undefined;
	}

	private lastExecutionId(example: Example): number {
		return listExecutions(this.home, { workflowId: example.workflow.id }).at(-1)?.id ?? 0;
	}

	/**
	 * `n8n execute`, run once more when n8n failed before it started the workflow (no run
	 * printed and no execution stored, e.g. a port taken at start-up): nothing ran, so nothing
	 * is repeated. The first attempt's output is kept in `notes`.
	 */
	private async execute(example: Example, env: NodeJS.ProcessEnv, notes: string[]): Promise<ExecuteResult> {
		const timeoutMs = this.options.timeoutMs ?? 180_000;
		for (let attempt = 1; ; attempt++) {
			const before = this.lastExecutionId(example);
			const result = await executeWorkflow(this.home, example.workflow.id, { timeoutMs, env });
			if (result.status !== 'unknown' || this.lastExecutionId(example) > before || attempt === 2) return result;
			notes.push(`n8n execute stopped before running the workflow (exit code ${result.exitCode}); retried. Its last lines:\n${tail(result.raw)}`);
		}
	}

	async run(example: Example): Promise<ExampleRun> {
		// `n8n start` (once, for the first example that needs it) is not part of the run's time
		if (example.kind !== 'execute') await this.startServer().catch(() => undefined);
		const started = Date.now();
		const timeoutMs = this.options.timeoutMs ?? 180_000;
		const notes: string[] = [];
		let status = 'unknown';
		let error: string | undefined;
		let runData: IRunData = {};
		let output = '';
		try {
			const before = this.lastExecutionId(example);
			let fromDatabase = true;
			let waitMs = timeoutMs;
			if (example.kind === 'execute') {
				const result = await this.execute(example, {}, notes);
				output = result.raw;
				if (result.status !== 'unknown') {
					fromDatabase = false;
					({ status, runData } = result);
					if (result.error) error = `${result.error.nodeName ?? '?'}: ${result.error.message}${result.error.description ? ` (${result.error.description})` : ''}`;
				} else {
					// the run JSON could not be read from n8n's output: read what n8n stored
					notes.push(`n8n execute printed no run (exit code ${result.exitCode}); read from the database. Its last lines:\n${tail(result.raw)}`);
					waitMs = 15_000;
				}
			} else {
				const n8n = await this.startServer();
				if (example.kind === 'resume') {
					const result = await this.execute(example, { WEBHOOK_URL: `${n8n.baseUrl}/` }, notes);
					output = result.raw;
					if (result.status !== 'waiting' && result.status !== 'unknown') {
						({ status, runData } = result);
						throw new Error(
							`expected the execution to wait for its webhook, but it ended "${result.status}"` +
								(result.error ? `: ${result.error.nodeName}: ${result.error.message}` : ''),
						);
					}
					if (result.status === 'unknown') notes.push(`n8n execute printed no run (exit code ${result.exitCode}); its last lines:\n${tail(result.raw)}`);
				} else {
					const starter = TRIGGER_STARTERS[example.startNode.type];
					if (!starter) throw new Error(`no way to set off a "${example.startNode.type}" trigger (add one to TRIGGER_STARTERS)`);
					await starter({ emulator: this.emulator, node: example.startNode, productionUrl: n8n.webhookUrl(triggerWebhookPath(example.startNode)) });
				}
			}
			if (fromDatabase) {
				const execution = await waitForExecution(this.home, { workflowId: example.workflow.id, afterId: before }, waitMs);
				status = execution.status;
				runData = execution.data.resultData.runData;
				const stored = execution.data.resultData.error as { message?: string; node?: { name?: string } } | undefined;
				if (stored) error = `${stored.node?.name ?? execution.data.resultData.lastNodeExecuted ?? '?'}: ${stored.message}`;
			}
		} catch (caught) {
			error = [(caught as Error).message, ...notes].join('\n');
			if (status === 'unknown' || status === 'success') status = 'error';
		}
		return exampleRun(example, { status, error, runData, output, notes, started }, this.options.outputRoot);
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		const n8n = await this.n8nStarting?.catch(() => undefined);
		await n8n?.stop();
		await this.home.cleanup();
		await this.emulator.close();
	}
}
