/**
 * `npm run bench` (all three) and `npm run bench:<name>` (one): builds the package when needed,
 * provisions real n8n through the e2e runner, starts the emulator in this process, runs the
 * benchmarks and writes test/bench/results.md (a full run of all three also refreshes the
 * README's Performance section, see readme.ts). `--quick` uses small sizes and one round (for development;
 * its results go to test/bench/tmp/results-quick.md instead).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { ensureBuilt, provisionN8n } from '../e2e/n8nRunner';
import { startEmulator } from '../emulator/server';
import { binaryMarkdown, runBinaryBenchmark } from './binary';
import type { BinaryResult } from './binary';
import { batchInferenceMarkdown, runBatchInferenceBenchmark } from './batchInference';
import type { InferenceResult } from './batchInference';
import { batchWaitMarkdown, runBatchWaitBenchmark } from './batchWait';
import type { WaitResult } from './batchWait';
import type { MachineInfo } from './lib';
import { runBinaryProfile } from './profileBinary';
import { BENCH_DIR, REPO_ROOT, TMP_DIR, keepSeparateSections, loadavg1, machineInfo, parseOptions } from './lib';
import { queueBinary } from './queueBinary';
import { acceptanceNotes, performanceSection, updateReadme } from './readme';
import type { Mode, TriggerResult } from './trigger';
import { MODES, runTriggerBenchmark, triggerMarkdown } from './trigger';
import { runTriggerProfile } from './profileTrigger';

const NAMES = ['binary', 'batch-wait', 'batch-inference', 'trigger'] as const;
type Name = (typeof NAMES)[number];

export interface Results {
	/** The machine at the start of the latest run. */
	machine: MachineInfo;
	/** When and on what each section was measured (a single benchmark run keeps the others). */
	measured?: Partial<Record<'binary' | 'batchWait' | 'batchInference' | 'trigger', MachineInfo>>;
	quick: boolean;
	binary?: BinaryResult;
	batchWait?: WaitResult;
	batchInference?: InferenceResult;
	trigger?: TriggerResult;
}

export async function main(argv: string[]): Promise<number> {
	const which = argv.find((a) => !a.startsWith('--')) ?? 'all';
	if (which === 'render') return render(parseOptions(argv).quick);
	if (which === 'profile-binary') return await profileBinary(argv);
	if (which === 'queue-binary') return await queueBinary(parseOptions(argv));
	if (which === 'queue-binary-cap') return await queueBinary(parseOptions(argv), true);
	if (which === 'profile-trigger') return await profileTrigger(argv);
	if (which !== 'all' && !NAMES.includes(which as Name)) {
		console.error(`Usage: node test/bench/run.js <all|${NAMES.join('|')}|render|profile-binary|profile-trigger|queue-binary|queue-binary-cap> [--quick] [--repeats=N]`);
		return 2;
	}
	// `all` is the Performance section's three; the trigger benchmark runs on its own (bench:trigger)
	const selected: Name[] = which === 'all' ? NAMES.filter((n) => n !== 'trigger') : [which as Name];
	const options = parseOptions(argv);
	const missing = [
		existsSync('/usr/bin/time') ? '' : '/usr/bin/time (GNU time measures peak RSS; Debian/Ubuntu: apt-get install time)',
		spawnSync('sh', ['-c', 'command -v curl']).status === 0 ? '' : 'curl (a contender of the binary benchmark)',
	].filter(Boolean);
	if (missing.length) {
		console.error(`The benchmarks need: ${missing.join(', ')}`);
		return 2;
	}

	options.log('building the package if needed, provisioning n8n (first time: ~8 min)');
	ensureBuilt();
	provisionN8n();
	const load = loadavg1();
	if (load > 1.5) options.log(`note: load average is ${load}; other work on this machine will make the numbers noisy`);
	const machine = machineInfo();
	// a single benchmark replaces its own section of the last results and keeps the others
	const previous = existsSync(jsonFile(options.quick)) && which !== 'all' ? (JSON.parse(readFileSync(jsonFile(options.quick), 'utf8')) as Results) : undefined;
	const results: Results = { ...previous, machine, measured: { ...previous?.measured }, quick: options.quick };

	const emulator = await startEmulator();
	try {
		for (const name of selected) {
			const started = Date.now();
			options.log(`=== ${name} ===`);
			const at = machineInfo();
			if (name === 'binary') {
				results.binary = await runBinaryBenchmark(emulator, options);
				results.measured = { ...results.measured, binary: at };
			}
			if (name === 'batch-wait') {
				results.batchWait = await runBatchWaitBenchmark(emulator, options);
				results.measured = { ...results.measured, batchWait: at };
			}
			if (name === 'batch-inference') {
				results.batchInference = await runBatchInferenceBenchmark(emulator, options);
				results.measured = { ...results.measured, batchInference: at };
			}
			if (name === 'trigger') {
				// --mode=single or --mode=queue runs one topology (the other's last figures are kept)
				const only = argv.find((a) => a.startsWith('--mode='))?.split('=')[1] as Mode | undefined;
				// --n8n-env=KEY=VALUE (repeatable) runs n8n with a setting changed, to find where time goes
				const n8nEnv = Object.fromEntries(argv.filter((a) => a.startsWith('--n8n-env=')).map((a) => a.slice('--n8n-env='.length).split(/=(.*)/s).slice(0, 2)));
				const fresh = await runTriggerBenchmark(options, only && MODES.includes(only) ? [only] : [...MODES], n8nEnv);
				results.trigger = { ...fresh, modes: { ...(only ? previous?.trigger?.modes : {}), ...fresh.modes } };
				results.measured = { ...results.measured, trigger: at };
			}
			options.log(`=== ${name} done in ${Math.round((Date.now() - started) / 1000)} s ===`);
		}
	} finally {
		await emulator.close();
	}

	mkdirSync(TMP_DIR, { recursive: true });
	writeFileSync(jsonFile(options.quick), JSON.stringify(results, null, 1));
	writeOutputs(results, options);
	return 0;
}

/** `profile-binary`: CPU profiles of the large download (see profileBinary.ts). */
async function profileBinary(argv: string[]): Promise<number> {
	const options = parseOptions(argv);
	ensureBuilt();
	const emulator = await startEmulator();
	try {
		const report = await runBinaryProfile(emulator, options);
		mkdirSync(TMP_DIR, { recursive: true });
		writeFileSync(path.join(TMP_DIR, 'profile-binary.md'), report);
		console.log(report);
	} finally {
		await emulator.close();
	}
	return 0;
}

/** `profile-trigger`: CPU profiles of the trigger and the Webhook node under load (see profileTrigger.ts). */
async function profileTrigger(argv: string[]): Promise<number> {
	const options = parseOptions(argv);
	ensureBuilt();
	provisionN8n();
	const report = await runTriggerProfile(argv, options);
	mkdirSync(TMP_DIR, { recursive: true });
	writeFileSync(path.join(TMP_DIR, options.quick ? 'profile-trigger-quick.md' : 'profile-trigger.md'), report);
	console.log(report);
	return 0;
}

/** Where the raw results of the last run are kept (test/bench/tmp, not committed). */
const jsonFile = (quick: boolean) => path.join(TMP_DIR, quick ? 'results-quick.json' : 'results.json');

/** `render`: writes results.md (and the README section) again from the last run's raw results. */
function render(quick: boolean): number {
	const results = JSON.parse(readFileSync(jsonFile(quick), 'utf8')) as Results;
	writeOutputs(results, parseOptions(quick ? ['--quick'] : []));
	return 0;
}

function writeOutputs(results: Results, options: ReturnType<typeof parseOptions>): void {
	const machine = results.machine;
	const file = options.quick ? path.join(TMP_DIR, 'results-quick.md') : path.join(BENCH_DIR, 'results.md');
	let markdown = resultsMarkdown(results);
	if (results.trigger && !results.binary && !results.batchWait && !results.batchInference && existsSync(file)) {
		// the other sections' raw results are not here (test/bench/tmp is not committed): keep
		// them as the file has them and replace only the trigger section
		markdown = spliceTriggerSection(readFileSync(file, 'utf8'), triggerSection(results));
	} else if (!results.trigger && existsSync(file)) {
		// a run of the other benchmarks keeps the trigger section it finds
		const existing = readFileSync(file, 'utf8');
		const start = existing.indexOf(TRIGGER_OPEN);
		const end = existing.indexOf(TRIGGER_CLOSE);
		if (start >= 0 && end > start) markdown = spliceTriggerSection(markdown, existing.slice(start, end + TRIGGER_CLOSE.length + 1));
	}
	// sections other scripts write there (test/bench/queueBinary.ts) stay
	writeFileSync(file, keepSeparateSections(markdown, file));
	options.log(`results written to ${path.relative(REPO_ROOT, file)}`);
	if (results.binary && results.batchWait && results.batchInference) {
		const section = performanceSection({
			machine,
			binary: results.binary,
			batchWait: results.batchWait,
			batchInference: results.batchInference,
		});
		if (options.quick) writeFileSync(path.join(TMP_DIR, 'readme-section-quick.md'), section);
		else {
			updateReadme(section);
			options.log('README.md: Performance section refreshed');
		}
	}
	console.log(`\n${markdown}`);
}

export function resultsMarkdown(results: Results): string {
	const m = results.machine;
	const parts = [
		'# Benchmark results',
		'',
		'Generated by `npm run bench` (test/bench/run-all.ts). Do not edit by hand.',
		'',
		`- Date: ${m.date} (start of the latest run)`,
		`- Machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.ramGb} GB RAM, load average at start ${m.loadavg}`,
		`- n8n ${m.n8nVersion} on Node ${m.node}, headless (\`n8n execute\`, SQLite, binary data mode filesystem, \`N8N_RUNNERS_ENABLED=false\`)`,
		`- Emulator: this repository's stand-ins (test/emulator), in the benchmark process, on 127.0.0.1`,
		results.quick ? '- QUICK MODE: small sizes, one round; not the published numbers' : '',
		'',
	];
	const when = (key: keyof NonNullable<Results['measured']>) => {
		const at = results.measured?.[key];
		return at ? `_Measured ${at.date}, load average at start ${at.loadavg}._\n\n` : '';
	};
	if (results.binary) parts.push(binaryMarkdown(results.binary).replace(/\n\n/, `\n\n${when('binary')}`));
	if (results.batchWait) parts.push(batchWaitMarkdown(results.batchWait).replace(/\n\n/, `\n\n${when('batchWait')}`));
	if (results.batchInference) parts.push(batchInferenceMarkdown(results.batchInference).replace(/\n\n/, `\n\n${when('batchInference')}`));
	if (results.trigger) parts.push(triggerSection(results));
	if (results.binary && results.batchWait && results.batchInference) {
		parts.push(acceptanceNotes({ machine: m, binary: results.binary, batchWait: results.batchWait, batchInference: results.batchInference }));
	}
	return parts.join('\n');
}

const TRIGGER_OPEN = '<!-- bench:trigger -->';
const TRIGGER_CLOSE = '<!-- /bench:trigger -->';

function triggerSection(results: Results): string {
	const at = results.measured?.trigger;
	const when = at ? `_Measured ${at.date}, load average at start ${at.loadavg}._\n\n` : '';
	return `${TRIGGER_OPEN}\n${triggerMarkdown(results.trigger as TriggerResult).replace(/\n\n/, `\n\n${when}`)}${TRIGGER_CLOSE}\n`;
}

/** `markdown` with its trigger section replaced by `section` (inserted before the acceptance targets the first time). */
export function spliceTriggerSection(markdown: string, section: string): string {
	const start = markdown.indexOf(TRIGGER_OPEN);
	const end = markdown.indexOf(TRIGGER_CLOSE);
	if (start >= 0 && end > start) return markdown.slice(0, start) + section + markdown.slice(end + TRIGGER_CLOSE.length + 1);
	const before = markdown.indexOf('## Acceptance targets');
	return before >= 0 ? `${markdown.slice(0, before)}${section}\n${markdown.slice(before)}` : `${markdown}\n${section}`;
}
