/**
 * `npm run demo`: builds the package, starts the emulator, provisions the pinned real n8n
 * (cached in ~/.cache), runs every workflow in examples/ in it and leaves the videos (and other
 * media) they write in demo-output/ at the repository root. Prints one row per file: workflow,
 * status, file, size, seconds. Exit code 1 when an example fails or writes a broken file.
 * Everything it starts (emulator, n8n processes, a temporary n8n home) goes on exit and on
 * Ctrl+C.
 *
 * Compiled by `tsc -p scripts/demo.tsconfig.json` into build/scripts/demo.js.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

import type { ExampleRun } from '../test/e2e/exampleRunner';
import { ExamplesSession, OUTPUT_DIR_NAME, loadExamples, mediaKindOf, mediaProblem, runOrder } from '../test/e2e/exampleRunner';
import { REPO_ROOT, stopAllN8n } from '../test/e2e/n8nRunner';

interface Row {
	workflow: string;
	status: string;
	file: string;
	size: string;
	seconds: string;
}

const log = (line: string) => console.log(`  ${line}`);

function formatSize(bytes: number): string {
	if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
	return `${(bytes / 1024).toFixed(1)} kB`;
}

/** The run's rows, and whether it counts as a success (run ok, every file written and valid). */
function describeRun(run: ExampleRun): { rows: Row[]; ok: boolean; problems: string[] } {
	const problems: string[] = [];
	if (run.status !== 'success') problems.push(run.error ?? `status ${run.status}`);
	const rows: Row[] = [];
	const files = run.files.length ? run.files : [undefined];
	for (const file of files) {
		let status = run.status === 'success' ? 'ok' : 'FAILED';
		if (file && !file.exists) {
			status = 'FAILED';
			problems.push(`${file.fileName} was not written`);
		} else if (file) {
			const bytes = readFileSync(file.absolutePath);
			const kind = mediaKindOf(file.fileName, bytes);
			const problem = kind ? mediaProblem(bytes, kind) : undefined;
			if (problem) {
				status = 'FAILED';
				problems.push(`${file.fileName}: ${problem}`);
			}
		}
		rows.push({
			workflow: file === files[0] ? run.example.slug : '',
			status,
			file: file ? file.fileName : '-',
			size: file?.exists ? formatSize(file.bytes) : '',
			seconds: file === files[0] ? run.seconds.toFixed(1) : '',
		});
	}
	return { rows, ok: problems.length === 0, problems };
}

function printTable(rows: Row[]): void {
	const header: Row = { workflow: 'workflow', status: 'status', file: 'file', size: 'size', seconds: 'seconds' };
	const columns = Object.keys(header) as Array<keyof Row>;
	const width = Object.fromEntries(columns.map((c) => [c, Math.max(...[header, ...rows].map((row) => row[c].length))])) as Record<keyof Row, number>;
	const line = (row: Row) =>
		columns.map((c) => (c === 'size' || c === 'seconds' ? row[c].padStart(width[c]) : row[c].padEnd(width[c]))).join('  ').trimEnd();
	console.log(`\n${line(header)}\n${columns.map((c) => '-'.repeat(width[c])).join('  ')}`);
	for (const row of rows) console.log(line(row));
}

/** Removes what an earlier demo wrote for these examples, so that no old file passes for a new one. */
function clearOldOutputs(outputDir: string, slugs: string[]): void {
	mkdirSync(outputDir, { recursive: true });
	for (const name of readdirSync(outputDir)) {
		if (slugs.some((slug) => name.startsWith(slug))) rmSync(path.join(outputDir, name), { force: true });
	}
}

/** Set by Ctrl+C (or SIGTERM): the run stops, the handler cleans up and exits. */
let interrupted = false;
let session: ExamplesSession | undefined;
let mainDone: Promise<unknown> = Promise.resolve();

function onSignal(signal: NodeJS.Signals): void {
	if (interrupted) return;
	interrupted = true;
	console.log(`\n${signal}: stopping n8n and the emulator ...`);
	void (async () => {
		await stopAllN8n(); // what main() waits for fails at once
		await Promise.race([mainDone, new Promise((resolve) => setTimeout(resolve, 10_000))]);
		await session?.close().catch(() => undefined);
		process.exit(130);
	})();
}

async function main(): Promise<number> {
	const examples = runOrder(loadExamples());
	const outputDir = path.join(REPO_ROOT, OUTPUT_DIR_NAME);
	console.log(`Talking-avatar demo: ${examples.length} example workflows in real n8n, against the built-in emulator.\n`);
	clearOldOutputs(outputDir, examples.map((example) => example.slug));

	const rows: Row[] = [];
	const failures: string[] = [];
	try {
		session = await ExamplesSession.open({ examples, outputRoot: REPO_ROOT, log });
		for (const example of examples) {
			if (interrupted) break;
			log(`Running ${example.slug} (${example.workflow.name}) ...`);
			const run = await session.run(example);
			for (const note of run.notes) log(`note: ${note}`);
			const { rows: exampleRows, ok, problems } = describeRun(run);
			rows.push(...exampleRows);
			if (!ok) failures.push(`${example.slug}: ${problems.join('; ')}`);
		}
	} finally {
		if (!interrupted) await session?.close();
	}
	if (interrupted) return 130;
	printTable(rows);
	const written = rows.filter((row) => row.size).length;
	console.log(`\n${written} files in ${path.relative(process.cwd(), outputDir) || outputDir}/ (MP4s play in any video player).`);
	if (failures.length) {
		console.log(`\n${failures.length} example(s) failed:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
		return 1;
	}
	console.log('All examples ran successfully. Next: `npm run dev` opens them in the n8n editor.');
	return 0;
}

process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
mainDone = main().then(
	(code) => {
		if (!interrupted) process.exit(code); // else the signal handler exits once all is closed
	},
	async (error: unknown) => {
		if (interrupted) return;
		console.error(error instanceof Error ? (error.stack ?? error.message) : error);
		await stopAllN8n();
		await session?.close().catch(() => undefined);
		process.exit(1);
	},
);
