/**
 * The compatibility matrix (issue #13): the n8n and Node.js versions the example workflows run
 * on in CI (`npm run test:matrix`, test/matrix/run.js), what does not apply on an entry and
 * why, the results file and the README "Compatibility" table generated from it.
 *
 * Support floor, from what this npm registry resolves (`npm view n8n versions`, each version's
 * `engines` and `n8n-workflow`), see README "Compatibility":
 * - n8n 1.82.3 (n8n-workflow 1.80.1, Node >= 18.17 <= 22): the oldest 1.x tested. It predates
 *   `NodeConnectionTypes` (n8n-workflow 1.83) and `sleep(ms, signal)` (2.36): the fallbacks of
 *   nodes/shared/compat.ts are what make it work. Older 1.x lines are not tested, so not claimed.
 * - n8n 1.123.81 (n8n-workflow 1.120.31, Node >= 20.19 <= 24): the newest 1.x.
 * - n8n 2.0.0 (n8n-workflow 2.0.0, Node >= 20.19 <= 24.x): the oldest 2.x. Its `import:workflow`
 *   stores a workflow only with a `versionId` ("SQLITE_CONSTRAINT: NOT NULL constraint failed:
 *   workflow_entity.versionId"; an export from n8n has one, the examples do not) and records no
 *   workflow history, so its `publish:workflow` fails (`Version "<id>" not found for workflow
 *   "<id>"`); it keeps filesystem binary data in `.n8n/binaryData` as 1.x does. The e2e harness
 *   (test/e2e/n8nRunner.ts) gives imports a versionId, records the history row before publishing
 *   and looks in both folders. The nodes as AI Agent tools fail there as on 1.123 ("Cannot read
 *   properties of undefined (reading 'execute')"; they work on 2.41.1, the versions between are
 *   not bisected).
 * - n8n 2.41.1 (n8n-workflow 2.41.0, Node >= 24): the pinned current 2.x (package.json config).
 * Each on every Node major its `engines` accepts among 20 (the system's), 22 and 24.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface MatrixEntry {
	n8n: string;
	node: 20 | 22 | 24;
	/** N8N_DEFAULT_BINARY_DATA_MODE; undefined: n8n's own default. */
	binaryDataMode?: 'filesystem' | 'default';
}

export const MATRIX: MatrixEntry[] = [
	{ n8n: '1.82.3', node: 20 },
	{ n8n: '1.82.3', node: 22 },
	{ n8n: '1.123.81', node: 22, binaryDataMode: 'filesystem' },
	{ n8n: '1.123.81', node: 24 },
	{ n8n: '2.0.0', node: 20 },
	{ n8n: '2.0.0', node: 22 },
	{ n8n: '2.0.0', node: 24 },
	{ n8n: '2.41.1', node: 24 },
];

/**
 * Entries the issue asks for that this provisioning cannot run yet, and why (README
 * "Compatibility" lists them as not tested).
 */
export const NOT_RUN: Array<{ entry: string; why: string }> = [
	{
		entry: '1.123.81 on Node.js 20',
		why:
			"n8n 1.123.81's expression engine needs isolated-vm 6.2, which ships binaries for Node.js 22 and 24 only and does not " +
			'build from source for Node.js 20 (node-gyp against Node.js 20.20 headers: its C++ needs V8 12, e.g. ' +
			'`v8::SourceLocation`; Node.js 20 has V8 11.3); without it n8n 1.123.81 stops at every command with "Could not ' +
			'initialize the vm expression engine"',
	},
];

/** `1.82.3@node20`: how an entry is named on the command line and in the results. */
export function entryId(entry: Pick<MatrixEntry, 'n8n' | 'node'>): string {
	return `${entry.n8n}@node${entry.node}`;
}

/** The binary data mode an entry runs in, as the README shows it. */
export function binaryDataModeLabel(entry: MatrixEntry): string {
	if (entry.binaryDataMode === 'filesystem') return 'filesystem';
	if (entry.binaryDataMode === 'default') return 'memory';
	// n8n's defaults in regular (non-queue) mode: 1.x keeps binary data in memory, 2.x on disk
	return Number(entry.n8n.split('.')[0]) < 2 ? 'memory (n8n 1.x default)' : 'filesystem (n8n 2.x default)';
}

/** The message every WebSocket operation fails with on a Node.js without WebSocket (nodes/shared/compat.ts). */
export function webSocketRequirementMessage(operation: string): string {
	return `${operation} needs Node.js 22 or newer: this n8n runs on a Node.js without a built-in WebSocket`;
}

interface WorkflowNode {
	type: string;
	parameters: Record<string, unknown>;
	disabled?: boolean;
}

/** Operations that talk over a WebSocket, by node type and resource (as the Operation dropdown names them). */
const WEBSOCKET_OPERATIONS: Array<{ type: string; resource: string; operations: Record<string, string>; default: string }> = [
	{
		type: 'n8n-nodes-talking-avatars.avatarTalk',
		resource: 'stream',
		operations: { streamInference: 'Stream over WebSocket', continuousSession: 'Continuous Session' },
		default: 'streamInference',
	},
	{
		type: 'n8n-nodes-talking-avatars.avaTar',
		resource: 'realtime',
		operations: { sendAudio: 'Send Audio', sendEvent: 'Send Control Event' },
		default: 'sendAudio',
	},
];

export interface NotApplicable {
	/** Why, for the README. */
	reason: string;
	/** What the run must fail with there (the documented message). */
	message: string;
}

const TOOL_NODE = /^n8n-nodes-talking-avatars\.\w+Tool$/;

/** The newest n8n tested where the nodes as AI Agent tools do not work (2.41.1 is where they do). */
export const NEWEST_WITHOUT_TOOLS = '2.0.0';

/** -1, 0 or 1 as version `a` (`1.82.3`) is older than, equal to or newer than `b`. */
export function compareVersions(a: string, b: string): number {
	const [x, y] = [a, b].map((version) => version.split('.').map(Number));
	for (let i = 0; i < Math.max(x.length, y.length); i++) {
		const diff = (x[i] ?? 0) - (y[i] ?? 0);
		if (diff) return Math.sign(diff);
	}
	return 0;
}

/**
 * Why an example cannot work on an entry, or undefined: a WebSocket operation on Node < 22, or
 * the nodes as AI Agent tools on n8n 2.0.0 or older (n8n 1.82 does not know the package's tool
 * node types; n8n 1.123 and 2.0.0 fail building them). `n8nVersion` as `1.82.3`.
 */
export function notApplicable(workflow: { nodes: WorkflowNode[] }, nodeMajor: number, n8nVersion: string): NotApplicable | undefined {
	if (compareVersions(n8nVersion, NEWEST_WITHOUT_TOOLS) <= 0 && workflow.nodes.some((node) => !node.disabled && TOOL_NODE.test(node.type))) {
		const [major, minor] = n8nVersion.split('.').map(Number);
		return {
			reason: major < 2 ? 'the nodes as AI Agent tools need n8n 2.x' : `the nodes as AI Agent tools need an n8n newer than ${NEWEST_WITHOUT_TOOLS}`,
			message: major < 2 && minor < 100 ? 'Unrecognized node type: n8n-nodes-talking-avatars.' : "Cannot read properties of undefined (reading 'execute')",
		};
	}
	if (nodeMajor >= 22) return undefined;
	for (const node of workflow.nodes) {
		if (node.disabled) continue;
		const ws = WEBSOCKET_OPERATIONS.find((entry) => entry.type === node.type && node.parameters.resource === entry.resource);
		if (!ws) continue;
		const operation = ws.operations[String(node.parameters.operation ?? ws.default)];
		if (!operation) continue;
		return {
			reason: `${operation} needs a built-in WebSocket (Node.js >= 22)`,
			message: webSocketRequirementMessage(operation),
		};
	}
	return undefined;
}

// ---- results and the README table ---------------------------------------------------------

export type ExampleOutcome = 'passed' | 'failed' | 'not applicable';

export interface EntryResult {
	n8n: string;
	/** The exact Node.js version it ran on. */
	node: string;
	binaryDataMode: string;
	/** Wall time of the whole entry (n8n start-ups included), in minutes. */
	minutes: number;
	examples: Record<string, { outcome: ExampleOutcome; seconds?: number; reason?: string }>;
	/** When something failed outside the examples (provisioning, start-up). */
	error?: string;
}

export interface MatrixResults {
	/** The matrix entries, in MATRIX order. */
	entries: EntryResult[];
}

export const RESULTS_FILE = path.join(__dirname, 'results.json');
export const README_START = '<!-- compatibility-table:start (generated by npm run test:matrix from test/matrix/results.json) -->';
export const README_END = '<!-- compatibility-table:end -->';

export function readResults(file = RESULTS_FILE): MatrixResults {
	return JSON.parse(readFileSync(file, 'utf8')) as MatrixResults;
}

/** The README "Compatibility" table for these results. */
export function renderTable(results: MatrixResults): string {
	const lines = [
		'| n8n | Node.js | Binary data | Example workflows | Not applicable there, and why |',
		'| --- | --- | --- | --- | --- |',
	];
	for (const entry of results.entries) {
		const outcomes = Object.entries(entry.examples);
		const passed = outcomes.filter(([, r]) => r.outcome === 'passed').length;
		const failed = outcomes.filter(([, r]) => r.outcome === 'failed').map(([slug]) => slug);
		const skipped = outcomes.filter(([, r]) => r.outcome === 'not applicable');
		const ran = outcomes.length - skipped.length;
		let status = entry.error ? `not run: ${entry.error}` : `${passed} of ${ran} pass`;
		if (failed.length) status += `; failing: ${failed.join(', ')}`;
		const notes = skipped.length ? skipped.map(([slug, r]) => `${slug}: ${r.reason}`).join('; ') : '-';
		lines.push(`| ${entry.n8n} | ${entry.node} | ${entry.binaryDataMode} | ${status} | ${notes} |`);
	}
	lines.push('', 'Not run by the matrix yet:');
	for (const { entry, why } of NOT_RUN) lines.push(`- ${entry}: ${why}.`);
	return lines.join('\n');
}

/** README text with the table between the markers replaced. */
export function withTable(readme: string, table: string): string {
	const start = readme.indexOf(README_START);
	const end = readme.indexOf(README_END);
	if (start === -1 || end === -1 || end < start) throw new Error(`README.md lacks the markers ${README_START} ... ${README_END}`);
	return `${readme.slice(0, start + README_START.length)}\n${table}\n${readme.slice(end)}`;
}
