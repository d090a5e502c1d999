/**
 * Every workflow in examples/ in n8n queue mode (queueExamples.ts: one cluster for all of them,
 * binary data in n8n's queue-mode default, `database`), passing the same checks as in
 * single-process n8n (test/e2e/exampleChecks.ts), plus what queue mode adds:
 * - every execution ran on a worker (not on main); the Wait-node example twice, before the Wait
 *   and after MultiTalk's call to its resume URL reached a webhook process through the proxy;
 * - every binary of every run is stored in the database (`database:` ids), and the files the
 *   Write nodes wrote hold exactly those bytes (the MP4 a webhook process or an earlier worker run
 *   stored is what the worker wrote to disk).
 * The same cluster runs with N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE=5 (MiB; the examples' files
 * are far smaller) to show what the cap does to a larger video: a 10 MiB MP4 ends its execution
 * with n8n's error naming the cap, the worker keeps running, and a 4 MiB one then succeeds.
 * (Memory per worker for 100 and 500 MiB videos: `npm run bench:queue-binary`.)
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { IRunData } from 'n8n-workflow';

import { largeMp4Size } from '../../emulator/media';
import { multiTalkState } from '../../emulator/providers/multitalk';
import { checkExampleRun } from '../exampleChecks';
import type { Example } from '../exampleRunner';
import { loadExamples, runOrder } from '../exampleRunner';
import type { QueueExamplesSession as Session } from './queueExamples';
import { LARGE_VIDEO_FILE, QueueExamplesSession, largeVideoExample } from './queueExamples';

jest.setTimeout(20 * 60_000);

const examples = runOrder(loadExamples());
const largeVideo = largeVideoExample();
const MiB = 1024 * 1024;
const CAP_MIB = 5;
let session: Session;
let outputRoot: string;
const timings: Record<string, number> = {};
/** Which worker(s) started each example (1-based), for the log. */
const placement: Record<string, string> = {};

beforeAll(async () => {
	outputRoot = mkdtempSync(path.join(tmpdir(), 'ta-queue-examples-'));
	session = await QueueExamplesSession.open({
		examples: [...examples, largeVideo],
		outputRoot,
		env: { N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE: String(CAP_MIB) },
	});
	timings['cluster start'] = session.startSeconds;
});

afterAll(async () => {
	const started = Date.now();
	await session?.close();
	timings['cluster stop'] = (Date.now() - started) / 1000;
	if (outputRoot) rmSync(outputRoot, { recursive: true, force: true });
	console.log(`queue-mode examples, seconds: ${JSON.stringify(timings)}\nworkers: ${JSON.stringify(placement)}`);
});

beforeEach(() => session?.emulator.clearLog());

/** Every binary id in a run's data. */
function binaryIds(runData: IRunData): string[] {
	const ids: string[] = [];
	for (const tasks of Object.values(runData)) {
		for (const task of tasks) {
			for (const output of task.data?.main ?? []) {
				for (const item of output ?? []) for (const binary of Object.values(item.binary ?? {})) ids.push(binary.id ?? '(inline)');
			}
		}
	}
	return ids;
}

describe.each(examples.map((example) => [`${example.slug} (${example.kind})`, example] as [string, Example]))('%s', (_title, example) => {
	it('runs in queue mode and produces what it promises in single-process n8n', async () => {
		const run = await session.run(example);
		timings[example.slug] = run.seconds;
		placement[example.slug] = run.workers.map((worker) => worker + 1).join(', ');
		await checkExampleRun(session, run);

		const { slug } = example;
		// started on a worker: the Wait-node example twice (before the Wait, after the resume call)
		expect({ slug, startsOnWorkers: run.workers.length }).toEqual({ slug, startsOnWorkers: example.kind === 'resume' ? 2 : 1 });
		for (const id of binaryIds(run.runData)) expect({ slug, id }).toEqual({ slug, id: expect.stringMatching(/^database:/) });
		if (example.kind === 'resume') {
			// MultiTalk called the resume URL on the proxy (the load balancer), which n8n answered
			const jobId = run.json('Submit Job')[0].job_id as string;
			const attempts = multiTalkState(session.emulator).webhookAttempts.filter((a) => a.jobId === jobId && a.ok);
			expect(attempts.map((a) => new URL(a.url).origin)).toEqual([session.cluster.proxyUrl]);
		}
		if (example.kind === 'trigger') {
			// the trigger ran in a webhook process (main serves no production webhooks), the rest on a worker
			const attempts = multiTalkState(session.emulator).webhookAttempts.filter((a) => a.ok);
			expect(attempts.at(-1)?.url.startsWith(session.cluster.proxyUrl)).toBe(true);
		}
	});
});

describe(`binary data in database mode, N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE=${CAP_MIB}`, () => {
	afterEach(() => delete session.emulator.settings.avatarTalkVideoBytes);

	it('a larger video fails its execution with the message naming the cap; the worker lives on', async () => {
		const started = Date.now();
		session.emulator.settings.avatarTalkVideoBytes = 10 * MiB;
		const tooLarge = await session.run(largeVideo);
		expect({ status: tooLarge.status, error: tooLarge.error }).toEqual({
			status: 'error',
			error: expect.stringMatching(
				new RegExp(`^Make the Video: n8n refused to store \\S+\\.mp4: .*size of 10 MB exceeds the max size limit of ${CAP_MIB} MB set for \`database\` mode.*N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE`),
			),
		});
		expect(tooLarge.error).not.toMatch(/cut short/);
		expect(Object.keys(tooLarge.runData)).not.toContain('Write the Video');
		expect(existsSync(path.join(outputRoot, LARGE_VIDEO_FILE))).toBe(false);
		// not a crash: no process exited, and the next video under the cap goes through
		expect(tooLarge.workers).toHaveLength(1);
		const exited = [session.cluster.main, ...session.cluster.webhooks, ...session.cluster.workers].filter((proc) => proc.child.exitCode !== null);
		expect(exited.map((proc) => proc.role)).toEqual([]);
		session.emulator.settings.avatarTalkVideoBytes = 4 * MiB;
		const fits = await session.run(largeVideo);
		expect({ status: fits.status, error: fits.error }).toEqual({ status: 'success', error: undefined });
		expect(statSync(path.join(outputRoot, LARGE_VIDEO_FILE)).size).toBe(largeMp4Size(4 * MiB));
		timings['cap test'] = (Date.now() - started) / 1000;
	});
});
