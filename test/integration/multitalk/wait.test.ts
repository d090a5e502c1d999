/**
 * Waiting for jobs: Wait for Job and Submit and Wait, one item and many at once (the batch
 * limit, shared polling, pacing, 429s), failures, timeouts and cancellation.
 */
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { INodeParameters } from 'n8n-workflow';

import { fixture } from '../../emulator/media';
import { maxOverlap, multiTalkState } from '../../emulator/providers/multitalk';
import type { Emulator } from '../../emulator/server';
import { useEmulator } from '../../helpers/emulatorSetup';
import {
	NODE,
	apiRequests,
	expectApiError,
	items,
	runMultiTalk,
	startMultiTalkEmulator,
	submitParams,
	waitFor,
} from './helpers';

jest.setTimeout(60_000);

let emulator: Emulator;
useEmulator(startMultiTalkEmulator, (e) => (emulator = e), { settings: 'asStarted', reset: (e) => multiTalkState(e).reset() });

const fast = { pollIntervalSeconds: 0.1 };

function submitAndWait(extra: INodeParameters = {}): INodeParameters {
	return submitParams({ operation: 'submitAndWait', ...fast, ...extra });
}

async function submitDirect(prompt = 'hello'): Promise<string> {
	const result = await runMultiTalk(emulator, submitParams({ prompt }));
	return String(result.json(NODE)[0].job_id);
}

function jobsOf(ids: string[]) {
	const state = multiTalkState(emulator);
	return ids.map((id) => state.jobs.get(id)!);
}

describe('one job', () => {
	it('Submit and Wait returns the completed job with the MP4 as binary "data"', async () => {
		const result = await runMultiTalk(emulator, submitAndWait());
		expect(result.status).toBe('success');
		const [item] = result.items(NODE);
		expect(item.json).toMatchObject({ status: 'completed', progress: 100, result: { success: true } });
		expect(item.json.download_url).toMatch(new RegExp(`^${emulator.urls.s3}/`));
		const binary = item.binary?.data;
		expect(binary).toMatchObject({ mimeType: 'video/mp4', fileExtension: 'mp4' });
		expect(binary?.fileName).toMatch(/^video_[0-9a-f-]+\.mp4$/);
		expect((await result.readBinary(binary!)).equals(fixture('sample.mp4'))).toBe(true);
		// submit once, poll the job, get a link, fetch it from storage without the key
		expect(apiRequests(emulator, 'POST', '/api/v1/generate')).toHaveLength(1);
		expect(apiRequests(emulator, 'GET', /^\/api\/v1\/jobs\/[^/]+$/).length).toBeGreaterThanOrEqual(1);
		expect(apiRequests(emulator, 'GET', /\/download$/)).toHaveLength(1);
		const s3 = emulator.requests({ service: 's3' });
		expect(s3).toHaveLength(1);
		expect(s3[0].headers.authorization).toBeUndefined();
	});

	it('Wait for Job without download returns the job only', async () => {
		const id = await submitDirect();
		emulator.clearLog();
		const result = await runMultiTalk(emulator, { resource: 'job', operation: 'waitForJob', jobId: id, downloadVideo: false, ...fast });
		expect(result.status).toBe('success');
		expect(result.items(NODE)[0].json).toMatchObject({ job_id: id, status: 'completed' });
		expect(result.items(NODE)[0].binary).toBeUndefined();
		expect(apiRequests(emulator, 'GET', /\/download$/)).toHaveLength(0);
		expect(emulator.requests({ service: 's3' })).toHaveLength(0);
		// the first check happens at once: a finished job costs a single request
		emulator.clearLog();
		const again = Date.now();
		const done = await runMultiTalk(emulator, { resource: 'job', operation: 'waitForJob', jobId: id, downloadVideo: false, pollIntervalSeconds: 30 });
		expect(done.status).toBe('success');
		expect(apiRequests(emulator)).toHaveLength(1);
		// not after the 30 s interval (generous for a busy machine)
		expect(Date.now() - again).toBeLessThan(10_000);
	});

	it('puts the video in the chosen binary field', async () => {
		const result = await runMultiTalk(emulator, submitAndWait({ binaryPropertyName: 'video' }));
		expect(Object.keys(result.items(NODE)[0].binary ?? {})).toEqual(['video']);
	});

	it('a failed job fails the item with the job’s error', async () => {
		const result = await runMultiTalk(emulator, submitAndWait({ prompt: 'this one #fail' }));
		const error = expectApiError(result);
		expect(error.message).toMatch(/^MultiTalk: Job [0-9a-f-]+ failed: CUDA out of memory: generation failed at step 10 of 20 \[job_failed\]$/);
		expect(error.description).toMatch(/Return the Job as Output/);
		expect(apiRequests(emulator, 'GET', /\/download$/)).toHaveLength(0);
	});

	it('a failed job is returned as data when asked', async () => {
		const result = await runMultiTalk(emulator, submitAndWait({ prompt: 'this one #fail', onJobFailure: 'output' }));
		expect(result.status).toBe('success');
		expect(result.items(NODE)[0].json).toMatchObject({ status: 'failed', error: expect.stringMatching(/CUDA out of memory/) });
		expect(result.items(NODE)[0].binary).toBeUndefined();
	});

	it('an unreadable input file fails the job with MultiTalk’s reason', async () => {
		const result = await runMultiTalk(emulator, submitAndWait({ imageS3Url: 's3://my-bucket/missing/person.png' }));
		const error = expectApiError(result);
		expect(error.message).toMatch(/failed: Could not read input file: NoSuchKey \(s3:\/\/my-bucket\/missing\/person.png\)/);
	});

	it('a job cancelled elsewhere fails the waiting item', async () => {
		const id = await submitDirect('long #stuck');
		const waiting = runMultiTalk(emulator, { resource: 'job', operation: 'waitForJob', jobId: id, ...fast });
		await waitFor(() => apiRequests(emulator, 'GET', `/api/v1/jobs/${id}`).length >= 2);
		await runMultiTalk(emulator, { resource: 'job', operation: 'cancel', jobId: id });
		const result = await waiting;
		const error = expectApiError(result);
		expect(error.message).toBe(`MultiTalk: Job ${id} was cancelled: no reason given [job_cancelled]`);
	});

	it('times out at the deadline, saying where the job is', async () => {
		const id = await submitDirect('long #stuck');
		await waitFor(() => multiTalkState(emulator).jobs.get(id)?.status === 'processing');
		const started = Date.now();
		const result = await runMultiTalk(emulator, { resource: 'job', operation: 'waitForJob', jobId: id, timeoutMinutes: 0.01, pollIntervalSeconds: 0.25 });
		const elapsed = Date.now() - started;
		expect(result.status).toBe('error');
		expect(result.error?.error).toBeInstanceOf(NodeOperationError);
		expect(result.error?.message).toBe(`Timed out after 600 ms: job ${id} is still processing (progress 0%)`);
		expect(elapsed).toBeGreaterThanOrEqual(590);
		// the job never finishes: only the deadline ends it this early (the exact deadline is checked
		// on a fake clock in test/unit/shared/polling.test.ts and unit/multitalk/jobWatcher.test.ts)
		expect(elapsed).toBeLessThan(10_000);
	});

	it('stops at once when the execution is cancelled', async () => {
		const controller = new AbortController();
		const running = runMultiTalk(emulator, submitAndWait({ prompt: 'long #stuck', pollIntervalSeconds: 30 }), { signal: controller.signal });
		await waitFor(() => apiRequests(emulator, 'POST', '/api/v1/generate').length === 1);
		await new Promise((r) => setTimeout(r, 100));
		const abortedAt = Date.now();
		controller.abort();
		const result = await running;
		expect(result.status).toBe('canceled');
		expect(result.settled).toBe(true);
		// polls 30 s apart: ending within 10 s can only be the cancel cutting the wait (generous for a
		// busy machine; the 1 s promise is measured in reliability/cancellation.test.ts)
		expect(Date.now() - abortedAt).toBeLessThan(10_000);
	});
});

describe('many items at once', () => {
	it('never has more than "Items in Parallel" in flight, and reaches it', async () => {
		emulator.settings.multiTalkConcurrentJobs = 100; // the plan would not mask the node's limit
		// Each job processes for 2.5 s, so a wave's submits (sent together) all land before its first
		// job can finish, however busy the machine (at 300 ms, one finished first: overlap 9 of 10).
		emulator.settings.multiTalkJobMs = 2500;
		// Checks every 0.5 s: at 0.1 s, 2.5 s jobs cost ~50 list rounds, and with the submits, result
		// reads and downloads the run passed MultiTalk's 100 requests a minute, so the node's own
		// pacer held it for the rest of the minute (the 20-job case ran past 60 s on a busy machine).
		const result = await runMultiTalk(emulator, submitAndWait({ maxConcurrentJobs: 4, downloadVideo: false, pollIntervalSeconds: 0.5 }), { items: items(12) });
		expect(result.status).toBe('success');
		const out = result.items(NODE);
		expect(out).toHaveLength(12);
		expect(out.map((i) => i.pairedItem)).toEqual(Array.from({ length: 12 }, (_, i) => ({ item: i })));
		expect(out.every((i) => i.json.status === 'completed')).toBe(true);
		const jobs = jobsOf(out.map((i) => String(i.json.job_id)));
		// three waves of four, not twelve jobs one after the other (an overlap, not a speed: a busy
		// machine cannot fail it)
		expect(maxOverlap(jobs, 'submittedAt')).toBe(4);
		expect(maxOverlap(jobs, 'startedAt')).toBeLessThanOrEqual(4);
		// the request log agrees: the 5th submit comes only after a first job was seen finished
		const submits = apiRequests(emulator, 'POST', '/api/v1/generate').map((r) => r.at).sort((a, b) => a - b);
		const firstFinished = Math.min(...jobs.map((j) => j.timeline.finishedAt!));
		expect(submits[4]).toBeGreaterThanOrEqual(firstFinished);
	});

	it('with the default limit of 10 and the plan’s 10 slots: 20 jobs in about two waves, all downloaded', async () => {
		emulator.settings.multiTalkJobMs = 2500; // see above: the overlap must not depend on speed (and checks every 0.5 s)
		const result = await runMultiTalk(emulator, submitAndWait({ pollIntervalSeconds: 0.5 }), { items: items(20) });
		expect(apiRequests(emulator).length).toBeLessThan(100); // inside one minute's allowance: never paced
		expect(result.status).toBe('success');
		const out = result.items(NODE);
		expect(out).toHaveLength(20);
		for (const item of out) expect(item.binary?.data?.mimeType).toBe('video/mp4');
		const jobs = jobsOf(out.map((i) => String(i.json.job_id)));
		expect(maxOverlap(jobs, 'submittedAt')).toBe(10);
		expect(maxOverlap(jobs, 'startedAt')).toBeLessThanOrEqual(10);
		expect(multiTalkState(emulator).maxProcessing).toBeLessThanOrEqual(10);
		expect(new Set(out.map((i) => i.json.job_id)).size).toBe(20);
		expect(emulator.requests({ service: 's3' }).every((r) => r.headers.authorization === undefined)).toBe(true);
	});

	it('polls all waiting jobs with one list request per round instead of one request per job', async () => {
		// 3 s jobs checked every 0.2 s: enough rounds that one list per round is clearly fewer requests
		// than one per job even when a busy machine slows the rounds (1.2 s gave 6 rounds, and the
		// end-of-job reads alone then reached the per-job count: 20 vs 18)
		emulator.settings.multiTalkJobMs = 3000;
		const ids = await Promise.all(Array.from({ length: 6 }, () => submitDirect('batch')));
		emulator.clearLog();
		const result = await runMultiTalk(emulator, { resource: 'job', operation: 'waitForJob', downloadVideo: false, pollIntervalSeconds: 0.2 }, {
			items: ids.map((job_id) => ({ json: { job_id } })),
		});
		expect(result.status).toBe('success');
		expect(result.json(NODE).map((j) => j.job_id)).toEqual(ids);
		const lists = apiRequests(emulator, 'GET', '/api/v1/jobs');
		expect(lists.length).toBeGreaterThanOrEqual(3);
		expect(lists.every((r) => r.query.limit === '100')).toBe(true);
		for (const id of ids) {
			// once at the end (for the result), plus at most the very first check
			expect(apiRequests(emulator, 'GET', `/api/v1/jobs/${id}`).length).toBeLessThanOrEqual(2);
		}
		const perJobPolling = (lists.length * ids.length) / 2;
		expect(apiRequests(emulator).length).toBeLessThan(perJobPolling);
	});

	it('a 429 from MultiTalk is waited out (Retry-After) and every job still goes through', async () => {
		emulator.settings.multiTalkRateLimit = 4;
		emulator.settings.multiTalkRateWindowMs = 1000;
		const started = Date.now();
		const result = await runMultiTalk(emulator, submitParams(), { items: items(7) });
		expect(result.status).toBe('success');
		expect(result.json(NODE).every((j) => j.status === 'pending')).toBe(true);
		const submits = apiRequests(emulator, 'POST', '/api/v1/generate');
		const limited = submits.filter((r) => r.status === 429);
		expect(limited.length).toBeGreaterThan(0);
		expect(submits.filter((r) => r.status === 200)).toHaveLength(7);
		expect(multiTalkState(emulator).order.length).toBeGreaterThanOrEqual(7);
		// the first refused request waited for Retry-After (1 s) before it was sent again
		expect(Date.now() - started).toBeGreaterThanOrEqual(900);
	});

	it('paces requests on the client: "Requests Per Minute" holds back the rest of the batch', async () => {
		const id = await submitDirect();
		emulator.clearLog();
		const controller = new AbortController();
		const running = runMultiTalk(emulator, { resource: 'job', operation: 'get', jobId: id, batchSettings: { requestsPerMinute: 3 } }, {
			items: items(6),
			signal: controller.signal,
		});
		// three go at once; the fourth is held for the minute (watched for 0.5 s more)
		await waitFor(() => apiRequests(emulator).length >= 3);
		await new Promise((r) => setTimeout(r, 500));
		expect(apiRequests(emulator)).toHaveLength(3);
		const abortedAt = Date.now();
		controller.abort();
		const result = await running;
		expect(result.status).toBe('canceled');
		expect(Date.now() - abortedAt).toBeLessThan(10_000); // not the 60 s the pacer would hold it
		expect(apiRequests(emulator)).toHaveLength(3);
	});

	it('cancelling the execution stops every wait of the batch at once', async () => {
		const controller = new AbortController();
		const running = runMultiTalk(emulator, submitAndWait({ prompt: 'long #stuck', pollIntervalSeconds: 0.2 }), {
			items: items(5),
			signal: controller.signal,
		});
		await waitFor(() => apiRequests(emulator, 'POST', '/api/v1/generate').length === 5);
		await new Promise((r) => setTimeout(r, 300));
		const abortedAt = Date.now();
		controller.abort();
		const result = await running;
		const endedAt = Date.now();
		expect(result.status).toBe('canceled');
		expect(endedAt - abortedAt).toBeLessThan(10_000); // generous; the 1 s promise: reliability/cancellation.test.ts
		// A wait left running would keep polling every 0.2 s: watch for 1 s. A poll already on its way
		// at the cancel may arrive a little later on a busy machine: at most one.
		await new Promise((r) => setTimeout(r, 1000));
		expect(apiRequests(emulator).filter((r) => r.at > endedAt).length).toBeLessThanOrEqual(1);
	});

	it('one failed job stops the batch with its error (no Continue On Fail)', async () => {
		const started = Date.now();
		const result = await runMultiTalk(emulator, submitAndWait({ prompt: '={{ $json.prompt }}' }), {
			items: [{ json: { prompt: 'ok #stuck' } }, { json: { prompt: 'bad #fail' } }, { json: { prompt: 'ok #stuck' } }],
		});
		expect(result.status).toBe('error');
		expect(result.error?.error).toBeInstanceOf(NodeApiError);
		expect(result.error?.message).toMatch(/failed: CUDA out of memory/);
		expect(result.error?.itemIndex).toBe(1);
		// the other two never finish: only the failure ends the run this early (generous)
		expect(Date.now() - started).toBeLessThan(10_000);
	});

	it('with Continue On Fail, a failed job becomes an error item and the others complete', async () => {
		const result = await runMultiTalk(emulator, submitAndWait({ prompt: '={{ $json.prompt }}', downloadVideo: false }), {
			items: [{ json: { prompt: 'ok' } }, { json: { prompt: 'bad #fail' } }, { json: { prompt: 'ok' } }],
			onError: 'continueRegularOutput',
		});
		expect(result.status).toBe('success');
		const out = result.json(NODE);
		expect(out[0].status).toBe('completed');
		expect(out[1].error).toMatch(/failed: CUDA out of memory/);
		expect(out[1].code).toBe('job_failed');
		expect(out[2].status).toBe('completed');
	});
});
