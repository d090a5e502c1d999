/**
 * The example workflows of examples/ in n8n queue mode (queueCluster.ts: one main, two webhook
 * processes behind a round-robin proxy, two workers, Postgres, Redis), run the way users of such
 * a set-up run them, with n8n's default binary data mode there (`database`: every binary in
 * Postgres' `binary_data` table, shared by all processes):
 * - `execute` / `resume`: "Execute workflow" on main (POST /rest/workflows/:id/run as the
 *   editor's owner), which with OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS=true queues the execution
 *   for a worker. A Wait node's `$execution.resumeUrl` points at the proxy (WEBHOOK_URL), so
 *   MultiTalk's call reaches a webhook process, which queues the rest of the execution for a
 *   worker again.
 * - `trigger`: published on every webhook process; set off through the proxy by its service.
 *   The trigger (and its download) runs in a webhook process, the nodes after it on a worker.
 * The run data is read from Postgres once the execution is final, then checked exactly as in
 * single-process n8n (test/e2e/exampleChecks.ts). Which worker ran an execution is read from the
 * workers' "Worker started execution <id>" lines.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { IBinaryData, IRun, IRunData } from 'n8n-workflow';

import type { Emulator } from '../../emulator/server';
import { startEmulator } from '../../emulator/server';
import { ownerSession } from '../../reliability-helpers/realN8n';
import type { OwnerSession } from '../../reliability-helpers/realN8n';
import type { Example, ExampleRun, ExampleSessionLike } from '../exampleRunner';
import {
	DEFAULT_EMULATOR_SETTINGS,
	classify,
	OUTPUT_DIR_NAME,
	TRIGGER_STARTERS,
	emulatorCredentials,
	exampleRun,
	retargetEmulatorUrls,
	triggerWebhookPath,
} from '../exampleRunner';
import type { N8nHome, WorkflowFixture } from '../n8nRunner';
import { FINAL_STATUSES, PACKAGE_NAME, unflatten } from '../n8nRunner';
import type { QueueCluster } from './queueCluster';
import { startQueueCluster } from './queueCluster';

export interface QueueExampleRun extends ExampleRun {
	executionId?: number;
	/** Index of the worker of each time the execution was started on a worker (not in time order). */
	workers: number[];
}

export interface QueueExamplesOptions {
	examples: Example[];
	outputRoot: string;
	/** Extra environment for every n8n process (e.g. N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE). */
	env?: NodeJS.ProcessEnv;
	emulatorSettings?: Record<string, unknown>;
	timeoutMs?: number;
	log?: (line: string) => void;
}

interface StoredExecution {
	id: number;
	status: string;
	data: IRun['data'];
}

export class QueueExamplesSession implements ExampleSessionLike {
	private constructor(
		readonly options: QueueExamplesOptions,
		readonly emulator: Emulator,
		readonly cluster: QueueCluster,
		private readonly owner: OwnerSession,
	) {}

	/** How long the cluster took to start (Postgres database, imports, five n8n processes). */
	startSeconds = 0;

	get home(): N8nHome {
		return this.cluster.home;
	}

	get outputRoot(): string {
		return this.options.outputRoot;
	}

	static async open(options: QueueExamplesOptions): Promise<QueueExamplesSession> {
		const started = Date.now();
		const emulator = await startEmulator({ settings: { ...DEFAULT_EMULATOR_SETTINGS, ...options.emulatorSettings } });
		let cluster: QueueCluster | undefined;
		let session: QueueExamplesSession | undefined;
		try {
			const outputDir = path.join(options.outputRoot, OUTPUT_DIR_NAME);
			mkdirSync(outputDir, { recursive: true });
			const triggers = options.examples.filter((example) => example.kind === 'trigger');
			options.log?.(`Starting n8n in queue mode with ${options.examples.length} workflows ...`);
			cluster = await startQueueCluster({
				credentials: emulatorCredentials(emulator),
				workflows: options.examples.map((example) => retargetEmulatorUrls(example.workflow, emulator)),
				publish: triggers.map((example) => example.workflow.id),
				waitForWebhook: triggers[0] ? triggerWebhookPath(triggers[0].startNode) : undefined,
				cwd: options.outputRoot,
				env: { N8N_RESTRICT_FILE_ACCESS_TO: outputDir, ...options.env },
			});
			const owner = await ownerSession(cluster.mainUrl);
			session = new QueueExamplesSession(options, emulator, cluster, owner);
			session.startSeconds = (Date.now() - started) / 1000;
			return session;
		} finally {
			if (!session) {
				await cluster?.stop().catch(() => undefined);
				await emulator.close();
			}
		}
	}

	/** Bytes of a binary in database mode (`database:<fileId>`, Postgres' binary_data table). */
	async readBinary(binary: IBinaryData): Promise<Buffer> {
		if (!binary.id) return Buffer.from(binary.data, 'base64');
		const [mode, fileId] = [binary.id.slice(0, binary.id.indexOf(':')), binary.id.slice(binary.id.indexOf(':') + 1)];
		if (mode !== 'database') throw new Error(`expected binary data in database mode, found the id ${binary.id}`);
		const [row] = await this.cluster.sql<{ data: Buffer }>('SELECT data FROM binary_data WHERE "fileId" = $1', [fileId]);
		if (!row) throw new Error(`no binary_data row for ${binary.id}`);
		return row.data;
	}

	private async lastExecutionId(workflowId: string): Promise<number> {
		const [row] = await this.cluster.sql<{ id: number | null }>('SELECT max(id)::int AS id FROM execution_entity WHERE "workflowId" = $1', [workflowId]);
		return row?.id ?? 0;
	}

	/** The newest execution of a workflow after `afterId` once it is final, with its run data. */
	private async finalExecution(workflowId: string, afterId: number, timeoutMs: number): Promise<StoredExecution> {
		const deadline = Date.now() + timeoutMs;
		let last: { id: number; status: string } | undefined;
		for (;;) {
			[last] = await this.cluster.sql<{ id: number; status: string }>(
				'SELECT id::int AS id, status FROM execution_entity WHERE "workflowId" = $1 AND id > $2 ORDER BY id DESC LIMIT 1',
				[workflowId, afterId],
			);
			if (last && (FINAL_STATUSES as readonly string[]).includes(last.status)) {
				const [stored] = await this.cluster.sql<{ data: string }>('SELECT data FROM execution_data WHERE "executionId" = $1', [last.id]);
				if (stored) return { ...last, data: unflatten(JSON.parse(stored.data) as unknown[]) as IRun['data'] };
			}
			if (Date.now() > deadline) {
				throw new Error(
					`No finished execution of ${workflowId} within ${timeoutMs} ms` + (last ? ` (execution ${last.id} is "${last.status}")` : ' (none was started)'),
				);
			}
			await new Promise((resolve) => setTimeout(resolve, 250));
		}
	}

	/** "Execute workflow" as the editor does it: main queues the execution for a worker. */
	private async executeManually(example: Example): Promise<void> {
		const response = await fetch(`${this.cluster.mainUrl}/rest/workflows/${example.workflow.id}/run`, {
			method: 'POST',
			headers: { ...this.owner.headers, 'content-type': 'application/json' },
			body: JSON.stringify({ triggerToStartFrom: { name: example.startNode.name } }),
		});
		const text = await response.text();
		if (!response.ok) throw new Error(`POST /rest/workflows/${example.workflow.id}/run answered ${response.status}: ${text.slice(0, 500)}`);
	}

	/** Workers (by index) that logged starting this execution, once per start (not in time order). */
	workersOf(executionId: number): number[] {
		const starts: number[] = [];
		const line = new RegExp(`Worker started execution ${executionId} \\(`, 'g');
		this.cluster.workers.forEach((worker, index) => {
			starts.push(...Array<number>(worker.output().match(line)?.length ?? 0).fill(index));
		});
		return starts;
	}

	async run(example: Example): Promise<QueueExampleRun> {
		const started = Date.now();
		const timeoutMs = this.options.timeoutMs ?? 180_000;
		const notes: string[] = [];
		let status = 'unknown';
		let error: string | undefined;
		let runData: IRunData = {};
		let executionId: number | undefined;
		try {
			const before = await this.lastExecutionId(example.workflow.id);
			if (example.kind === 'trigger') {
				const starter = TRIGGER_STARTERS[example.startNode.type];
				if (!starter) throw new Error(`no way to set off a "${example.startNode.type}" trigger (add one to TRIGGER_STARTERS)`);
				await starter({ emulator: this.emulator, node: example.startNode, productionUrl: this.cluster.webhookUrl(triggerWebhookPath(example.startNode)) });
			} else {
				await this.executeManually(example);
			}
			const execution = await this.finalExecution(example.workflow.id, before, timeoutMs);
			executionId = execution.id;
			status = execution.status;
			runData = execution.data.resultData.runData;
			const stored = execution.data.resultData.error as { message?: string; node?: { name?: string } } | undefined;
			if (stored) error = `${stored.node?.name ?? execution.data.resultData.lastNodeExecuted ?? '?'}: ${stored.message}`;
		} catch (caught) {
			error = (caught as Error).message;
			if (status === 'unknown' || status === 'success') status = 'error';
		}
		const output = [this.cluster.main, ...this.cluster.webhooks, ...this.cluster.workers].map((proc) => proc.output()).join('\n');
		return {
			...exampleRun(example, { status, error, runData, output, notes, started }, this.options.outputRoot),
			executionId,
			workers: executionId === undefined ? [] : this.workersOf(executionId),
		};
	}

	async close(): Promise<void> {
		await this.cluster.stop();
		await this.emulator.close();
	}
}

/**
 * A workflow making one big MP4 in queue mode: AvatarTalk's Generate Inference (mode Stream
 * Video; the emulator serves an MP4 of `emulator.settings.avatarTalkVideoBytes`), then Read/Write
 * Files writes it to `demo-output/large-video.mp4`. Used by the cap test
 * (test/e2e/queue/binaryCap.test.ts) and the memory benchmark (test/bench/queueBinary.ts).
 */
export const LARGE_VIDEO_FILE = 'demo-output/large-video.mp4';
export function largeVideoExample(): Example {
	const workflow: WorkflowFixture = {
		id: 'q-large-video',
		name: 'Queue mode: one large MP4 to disk',
		nodes: [
			{ id: 'lv0', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 'lv1',
				name: 'Make the Video',
				type: `${PACKAGE_NAME}.avatarTalk`,
				typeVersion: 1,
				position: [220, 0],
				parameters: {
					resource: 'video',
					operation: 'generateInference',
					text: 'A long video through queue mode.',
					avatar: 'european_woman',
					emotion: 'neutral',
					language: 'en',
					mode: 'stream',
					binaryPropertyName: 'data',
				},
				credentials: { avatarTalkApi: { id: 'cred-avatartalk', name: 'AvatarTalk account' } },
			},
			{
				id: 'lv2',
				name: 'Write the Video',
				type: 'n8n-nodes-base.readWriteFile',
				typeVersion: 1,
				position: [440, 0],
				parameters: { operation: 'write', fileName: LARGE_VIDEO_FILE, dataPropertyName: 'data', options: {} },
			},
		],
		connections: {
			Start: { main: [[{ node: 'Make the Video', type: 'main', index: 0 }]] },
			'Make the Video': { main: [[{ node: 'Write the Video', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
	return { slug: 'large-video', file: '(test/e2e/queue/queueExamples.ts)', workflow, ...classify(workflow) };
}

/** Resident set size and its peak since the last reset of a process (Linux /proc), bytes. */
export function memoryOf(pid: number): { rss: number; peak: number } {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
	return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** Resets a process's peak RSS (VmHWM) to its current RSS (`echo 5 > /proc/<pid>/clear_refs`). */
export function resetPeak(pid: number): void {
	writeFileSync(`/proc/${pid}/clear_refs`, '5');
}
