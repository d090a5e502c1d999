/**
 * `node test/bench/run.js profile-trigger [--quick] [--contenders=webhook,trigger] [--n8n-env=K=V]`:
 * where the time of a webhook call goes, the MultiTalk Trigger against n8n's Webhook node (the
 * contenders of benchmark 4, test/bench/trigger.ts). Each contender gets its own `n8n start`
 * (SQLite) holding only its workflow; after a warm-up, n8n's main thread is CPU-profiled through
 * the inspector (`--inspect`, Profiler domain) while `sequential` calls go one after the other
 * (each waits for its execution to stop) and `concurrent` calls go 8 at a time. Printed per
 * contender: n8n's CPU time per event (utime + stime from /proc), executions/s, and the profile
 * as self time per area (n8n package, this package, GC, idle...) and the functions with the most
 * inclusive time. The raw .cpuprofile files stay in test/bench/tmp/profiles/trigger-*.
 * Not part of `npm run bench`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { N8nHome, RunningN8n } from '../e2e/n8nRunner';
import { createN8nHome, freePort, listExecutions, startN8n } from '../e2e/n8nRunner';
import { waitForPostWebhook } from '../reliability-helpers/realN8n';
import type { BenchOptions } from './lib';
import { TMP_DIR, fmt } from './lib';
import type { Contender } from './trigger';
import { CONTENDERS, IDS, LABELS, PATHS, call, workflows } from './trigger';

interface ProfileNode {
	id: number;
	callFrame: { functionName: string; url: string; lineNumber: number };
	children?: number[];
}
export interface CpuProfile {
	nodes: ProfileNode[];
	samples: number[];
	timeDeltas: number[];
	startTime: number;
	endTime: number;
}

/** A minimal Chrome DevTools Protocol client over the inspector's WebSocket. */
async function inspector(port: number): Promise<{ send: (method: string, params?: object) => Promise<Record<string, unknown>>; close: () => void }> {
	const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
	const ws = new WebSocket(list[0].webSocketDebuggerUrl);
	await new Promise<void>((resolve, reject) => {
		ws.onopen = () => resolve();
		ws.onerror = () => reject(new Error('inspector connection failed'));
	});
	let nextId = 1;
	const pending = new Map<number, (result: Record<string, unknown>) => void>();
	ws.onmessage = (event) => {
		const message = JSON.parse(String(event.data)) as { id?: number; result?: Record<string, unknown> };
		if (message.id !== undefined) pending.get(message.id)?.(message.result ?? {});
	};
	return {
		send: (method, params = {}) =>
			new Promise((resolve) => {
				const id = nextId++;
				pending.set(id, resolve);
				ws.send(JSON.stringify({ id, method, params }));
			}),
		close: () => ws.close(),
	};
}

/** utime + stime of a process (ms). */
function cpuMs(pid: number): number {
	const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
	return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ is 100 on Linux
}

const AREAS: Array<[string, RegExp]> = [
	['this package', /n8n-nodes-talking-avatars|\/work\//],
	['n8n cli', /\/n8n\/dist\//],
	['n8n-core', /n8n-core\//],
	['n8n-workflow', /n8n-workflow\//],
	['typeorm', /typeorm\//],
	['sqlite3', /sqlite3\//],
	['express etc.', /(express|body-parser|router|raw-body|finalhandler|send|on-finished)\//],
	['other node_modules', /node_modules\//],
	['node internals', /^node:|^internal\//],
];

function area(url: string, name: string): string {
	if (!url) return name.startsWith('(') ? name : '(native)';
	return AREAS.find(([, re]) => re.test(url))?.[0] ?? 'other';
}

const frameName = (node: ProfileNode) => {
	const { functionName, url, lineNumber } = node.callFrame;
	const where = url ? ` ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\//, '')}:${lineNumber + 1}` : '';
	return `${functionName || '(anonymous)'}${where}`;
};

/** Self time per area, and inclusive time per function (each function once per sample), ms. */
export function summarize(profile: CpuProfile): { totalMs: number; areas: Array<[string, number]>; inclusive: Array<[string, number]>; self: Array<[string, number]> } {
	const byId = new Map(profile.nodes.map((n) => [n.id, n]));
	const parent = new Map<number, number>();
	for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
	const areas = new Map<string, number>();
	const inclusive = new Map<string, number>();
	const self = new Map<string, number>();
	let totalMs = 0;
	profile.samples.forEach((id, i) => {
		const ms = (profile.timeDeltas[i] ?? 0) / 1000;
		totalMs += ms;
		const node = byId.get(id);
		if (!node) return;
		const a = area(node.callFrame.url, node.callFrame.functionName);
		areas.set(a, (areas.get(a) ?? 0) + ms);
		self.set(frameName(node), (self.get(frameName(node)) ?? 0) + ms);
		const seen = new Set<string>();
		for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
			const frame = byId.get(at) as ProfileNode;
			if (!frame.callFrame.url) continue;
			const name = frameName(frame);
			if (seen.has(name)) continue;
			seen.add(name);
			inclusive.set(name, (inclusive.get(name) ?? 0) + ms);
		}
	});
	const sorted = (m: Map<string, number>) => [...m.entries()].sort((x, y) => y[1] - x[1]);
	return { totalMs, areas: sorted(areas), inclusive: sorted(inclusive), self: sorted(self) };
}

async function stoppedCount(home: N8nHome, contender: Contender): Promise<number> {
	return listExecutions(home, { workflowId: IDS[contender] }).filter((row) => row.stoppedAt !== null).length;
}

async function waitCount(home: N8nHome, contender: Contender, count: number): Promise<void> {
	const deadline = Date.now() + 120_000;
	while ((await stoppedCount(home, contender)) < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
}

export async function runTriggerProfile(argv: string[], options: BenchOptions): Promise<string> {
	const sequential = options.quick ? 20 : 60;
	const concurrent = options.quick ? 60 : 200;
	const only = argv.find((a) => a.startsWith('--contenders='))?.split('=')[1].split(',') as Contender[] | undefined;
	const n8nEnv = Object.fromEntries(argv.filter((a) => a.startsWith('--n8n-env=')).map((a) => a.slice('--n8n-env='.length).split(/=(.*)/s).slice(0, 2)));
	const fixtures = workflows(10_000);
	const dir = path.join(TMP_DIR, 'profiles');
	mkdirSync(dir, { recursive: true });
	const lines = [
		`# CPU profiles of n8n's main thread: ${sequential} calls one after the other, then ${concurrent} calls 8 at a time`,
		'',
		Object.keys(n8nEnv).length ? `n8n settings changed: ${JSON.stringify(n8nEnv)}` : '',
		'',
	];
	for (const contender of only ?? CONTENDERS) {
		const fixture = fixtures.find((w) => w.id === IDS[contender]);
		const home = await createN8nHome({ workflows: fixture ? [fixture] : [], env: { DB_PING_TIMEOUT_MS: '30000', ...n8nEnv } });
		let n8n: RunningN8n | undefined;
		try {
			const inspectPort = await freePort();
			n8n = await startN8n(home, { publish: [IDS[contender]], env: { NODE_OPTIONS: `--inspect=127.0.0.1:${inspectPort}` } });
			const url = n8n.webhookUrl(PATHS[contender]);
			await waitForPostWebhook(url);
			for (let i = 0; i < 10; i++) await call(url);
			await waitCount(home, contender, 10);
			const cdp = await inspector(inspectPort);
			await cdp.send('Profiler.enable');
			await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
			const cpuBefore = cpuMs(n8n.pid);
			await cdp.send('Profiler.start');
			const started = Date.now();
			let bad = 0;
			for (let i = 0; i < sequential; i++) {
				if (!(await call(url)).ok) bad++;
				await waitCount(home, contender, 10 + i + 1);
			}
			const seqMs = Date.now() - started;
			const concStarted = Date.now();
			let next = 0;
			await Promise.all(
				Array.from({ length: 8 }, async () => {
					while (next < concurrent) {
						next++;
						if (!(await call(url)).ok) bad++;
					}
				}),
			);
			await waitCount(home, contender, 10 + sequential + concurrent);
			const concMs = Date.now() - concStarted;
			const { profile } = (await cdp.send('Profiler.stop')) as { profile: CpuProfile };
			const cpu = cpuMs(n8n.pid) - cpuBefore;
			cdp.close();
			const file = path.join(dir, `trigger-${contender}.cpuprofile`);
			writeFileSync(file, JSON.stringify(profile));
			const events = sequential + concurrent;
			const s = summarize(profile);
			const busy = s.totalMs - (s.areas.find(([a]) => a === '(idle)')?.[1] ?? 0);
			lines.push(
				`## ${LABELS[contender]}`,
				'',
				`n8n CPU ${fmt(cpu / events)} ms per event (process, all threads); main thread busy ${fmt(busy / events)} ms per event; sequential ${fmt(seqMs / sequential, 0)} ms per event (call to stopped), concurrent ${fmt(concurrent / (concMs / 1000))} exec/s${bad ? `; ${bad} bad answers` : ''}`,
				'',
				'| area (self time) | ms per event |',
				'| --- | ---: |',
				...s.areas.slice(0, 12).map(([a, ms]) => `| ${a} | ${fmt(ms / events, 2)} |`),
				'',
				'| function (inclusive time, idle excluded) | ms per event |',
				'| --- | ---: |',
				...s.inclusive.slice(0, 45).map(([name, ms]) => `| ${name.replace(/\|/g, '\\|')} | ${fmt(ms / events, 2)} |`),
				'',
				'| function (self time) | ms per event |',
				'| --- | ---: |',
				...s.self.slice(0, 25).map(([name, ms]) => `| ${name.replace(/\|/g, '\\|')} | ${fmt(ms / events, 2)} |`),
				'',
			);
			options.log(`profile ${contender}: ${fmt(cpu / events)} ms CPU per event, ${path.relative(process.cwd(), file)}`);
		} finally {
			await n8n?.stop();
			await home.cleanup();
		}
	}
	return lines.join('\n');
}
