/**
 * `npm run test:matrix [-- <entry>...] [--render]`: runs test/e2e/examples.test.ts (every
 * example workflow in real n8n against the emulator) once per matrix entry (matrix.ts), on that
 * entry's n8n and Node.js, records the outcome of every example in test/matrix/results.json and
 * regenerates the README "Compatibility" table from it.
 * - `<entry>`: only these entries (e.g. `1.82.3@node20`); the others keep their last results.
 * - `--render`: only rewrite the README table from results.json.
 * - `--except-pinned`: skip the pinned n8n (CI: `npm test` has run the examples there already).
 * Each n8n is provisioned once into the cache (scripts/provision-n8n.sh; a first install takes
 * ~10-15 minutes, a sqlite3 build ~5); later runs only start n8n.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { REPO_ROOT } from '../e2e/n8nRunner';
import { loadExamples } from '../e2e/exampleRunner';
import type { EntryResult, MatrixEntry, MatrixResults } from './matrix';
import { MATRIX, RESULTS_FILE, binaryDataModeLabel, entryId, notApplicable, readResults, renderTable, withTable } from './matrix';

const TMP = path.join(__dirname, 'tmp');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const PINNED = (require(path.join(REPO_ROOT, 'package.json')) as { config: { n8nVersion: string } }).config.n8nVersion;
const README = path.join(REPO_ROOT, 'README.md');

interface JestAssertion {
	ancestorTitles: string[];
	title: string;
	status: string;
	duration?: number | null;
	failureMessages: string[];
}

function log(line: string) {
	process.stdout.write(`${line}\n`);
}

function nodeVersionFor(major: number): string {
	const bin = execFileSync('bash', [path.join(REPO_ROOT, 'scripts', 'node-runtime.sh'), String(major)], { encoding: 'utf8' }).trim();
	return execFileSync(path.join(bin, 'node'), ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
}

function runEntry(entry: MatrixEntry): EntryResult {
	const id = entryId(entry);
	const started = Date.now();
	const result: EntryResult = {
		n8n: entry.n8n,
		node: `${entry.node}`,
		binaryDataMode: binaryDataModeLabel(entry),
		minutes: 0,
		examples: {},
	};
	const env = {
		...process.env,
		TALKING_AVATARS_N8N_VERSION: entry.n8n,
		TALKING_AVATARS_NODE_MAJOR: String(entry.node),
		TALKING_AVATARS_BINARY_DATA_MODE: entry.binaryDataMode ?? '',
	};
	try {
		result.node = nodeVersionFor(entry.node);
		log(`== ${id}: provisioning (cached after the first time) ...`);
		execFileSync('bash', [path.join(REPO_ROOT, 'scripts', 'provision-n8n.sh')], {
			env: { ...env, N8N_VERSION: entry.n8n, N8N_NODE_MAJOR: String(entry.node) },
			stdio: ['ignore', 'ignore', 'inherit'],
		});
	} catch (error) {
		result.error = `provisioning failed (${(error as Error).message.split('\n')[0]})`;
		result.minutes = (Date.now() - started) / 60_000;
		return result;
	}
	mkdirSync(TMP, { recursive: true });
	const output = path.join(TMP, `${id}.json`);
	log(`== ${id}: running the examples ...`);
	const jest = spawnSync(
		path.join(REPO_ROOT, 'node_modules', '.bin', 'jest'),
		['--selectProjects', 'e2e', '--runTestsByPath', 'test/e2e/examples.test.ts', '--json', `--outputFile=${output}`],
		{ cwd: REPO_ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] },
	);
	result.minutes = Math.round(((Date.now() - started) / 60_000) * 10) / 10;
	if (!existsSync(output)) {
		result.error = `jest wrote no results (exit ${jest.status})`;
		return result;
	}
	const report = JSON.parse(readFileSync(output, 'utf8')) as { testResults: Array<{ assertionResults: JestAssertion[]; message: string }> };
	const assertions = report.testResults.flatMap((file) => file.assertionResults);
	const examples = loadExamples();
	for (const example of examples) {
		const found = assertions.find((a) => a.ancestorTitles[0]?.startsWith(`${example.slug} (`));
		const skip = notApplicable(example.workflow, entry.node, entry.n8n);
		const seconds = found?.duration ? Math.round(found.duration / 100) / 10 : undefined;
		if (!found || found.status !== 'passed') {
			result.examples[example.slug] = { outcome: 'failed', seconds };
		} else if (skip) {
			result.examples[example.slug] = { outcome: 'not applicable', seconds, reason: skip.reason };
		} else {
			result.examples[example.slug] = { outcome: 'passed', seconds };
		}
	}
	const other = assertions.filter((a) => !examples.some((e) => a.ancestorTitles[0]?.startsWith(`${e.slug} (`)));
	const broken = other.filter((a) => a.status !== 'passed');
	if (broken.length) result.error = `suite checks failed: ${broken.map((a) => a.title).join(', ')}`;
	if (!assertions.length) result.error = `the suite did not run: ${report.testResults[0]?.message.split('\n')[0] ?? 'no results'}`;
	return result;
}

export function renderReadme(results: MatrixResults): boolean {
	const readme = readFileSync(README, 'utf8');
	const next = withTable(readme, renderTable(results));
	if (next === readme) return false;
	writeFileSync(README, next);
	return true;
}

export async function main(args: string[]): Promise<number> {
	const renderOnly = args.includes('--render');
	const wanted = args.filter((arg) => !arg.startsWith('--'));
	const unknown = wanted.filter((id) => !MATRIX.some((entry) => entryId(entry) === id));
	if (unknown.length) {
		log(`Unknown entries: ${unknown.join(', ')}. The matrix: ${MATRIX.map(entryId).join(', ')}`);
		return 2;
	}
	let failed = false;
	if (!renderOnly) {
		for (const entry of MATRIX) {
			if (wanted.length && !wanted.includes(entryId(entry))) continue;
			// CI: the pinned n8n's examples already ran in `npm test`; its row keeps its last result
			if (args.includes('--except-pinned') && entry.n8n === PINNED) continue;
			const result = runEntry(entry);
			// read again just before writing: runs of other entries may have finished meanwhile
			const previous = existsSync(RESULTS_FILE) ? readResults() : { entries: [] };
			const byId = new Map(previous.entries.map((e) => [`${e.n8n}@node${e.node.split('.')[0]}`, e]));
			byId.set(entryId(entry), result);
			const bad = Object.entries(result.examples).filter(([, r]) => r.outcome === 'failed');
			if (result.error || bad.length) failed = true;
			log(`== ${entryId(entry)}: ${result.error ?? `${bad.length ? `FAILED ${bad.map(([s]) => s).join(', ')}` : 'ok'}`} (${result.minutes} min)`);
			const results: MatrixResults = { entries: MATRIX.map((e) => byId.get(entryId(e))).filter((e): e is EntryResult => Boolean(e)) };
			writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, '\t')}\n`);
		}
	}
	const results = readResults();
	if (renderReadme(results)) log('README.md: Compatibility table updated');
	return failed ? 1 : 0;
}
