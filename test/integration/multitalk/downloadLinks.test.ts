/**
 * MultiTalk's download links (issue #12, defect 1): the presigned `download_url` is fetched
 * without the MultiTalk credential, also when the deployment serves its storage on the API's
 * own origin (emulator setting `storageOnApiOrigin`), where S3 refuses a request carrying
 * Authorization with 400 InvalidArgument. Covers every path that downloads: Get Download URL,
 * Wait for Job, Submit and Wait, and the MultiTalk Trigger's Download Video; and failures of
 * the storage, reported as the link's, not as MultiTalk's.
 */
import { fixture } from '../../emulator/media';
import { multiTalkState } from '../../emulator/providers/multitalk';
import { S3_ONE_AUTH_MECHANISM, storageFault } from '../../emulator/providers/s3';
import type { Emulator } from '../../emulator/server';
import type { LoggedRequest } from '../../emulator/types';
import { forgetProcessState } from '../../../nodes/MultiTalk/trigger/delivery';
import { NODE, credentialsFor, expectApiError, runMultiTalk, startMultiTalkEmulator, submitParams, waitFor } from './helpers';
import type { WebhookHost } from './webhookHost';
import { WebhookHost as Host, triggerWorkflow } from './webhookHost';
import { useEmulator } from '../../helpers/emulatorSetup';

jest.setTimeout(60_000);

let emulator: Emulator;
let host: WebhookHost | undefined;

useEmulator(async () => await startMultiTalkEmulator({ storageOnApiOrigin: true }), (e) => (emulator = e));
beforeEach(() => {
	multiTalkState(emulator).reset();
	emulator.settings.storageOnApiOrigin = true;
	forgetProcessState();
});
afterEach(async () => {
	await multiTalkState(emulator).idle();
	await host?.close();
	host = undefined;
});

const fast = { pollIntervalSeconds: 0.1 };

async function completedJob(): Promise<string> {
	const result = await runMultiTalk(emulator, submitParams());
	const id = String(result.json(NODE)[0].job_id);
	await waitFor(() => multiTalkState(emulator).jobs.get(id)?.status === 'completed');
	emulator.clearLog();
	return id;
}

/** The storage requests: on the MultiTalk origin under /storage/ (none reach the s3 origin). */
function storageRequests(): LoggedRequest[] {
	expect(emulator.requests({ service: 's3' })).toHaveLength(0);
	return emulator.requests({ service: 'multiTalk', path: /^\/storage\// });
}

/** Exactly one storage request, for this job's video, with no credential in it. */
function expectBareStorageRequest(jobId: string): void {
	const storage = storageRequests();
	expect(storage).toHaveLength(1);
	expect(storage[0].path).toBe(`/storage/multitalk-outputs/outputs/video_${jobId}.mp4`);
	expect(storage[0].query['X-Amz-Signature']).toBeTruthy();
	expect(storage[0].headers.authorization).toBeUndefined();
	expect(JSON.stringify(storage[0].headers)).not.toContain(emulator.keys.multiTalk);
	expect(storage[0].status).toBe(200);
}

describe('storage on the API’s own origin: the link goes out without the credential', () => {
	it('Get Download URL with Download Video', async () => {
		const id = await completedJob();
		const result = await runMultiTalk(emulator, { resource: 'job', operation: 'getDownloadUrl', jobId: id, downloadVideo: true });
		expect(result.error).toBeUndefined();
		const [item] = result.items(NODE);
		expect(String(item.json.download_url).startsWith(`${emulator.url('multiTalk')}/storage/`)).toBe(true);
		expect((await result.readBinary(item.binary!.data)).equals(fixture('sample.mp4'))).toBe(true);
		expectBareStorageRequest(id);
		// the API itself still gets the key
		expect(emulator.requests({ service: 'multiTalk', path: `/api/v1/jobs/${id}/download` })[0].headers.authorization).toBe(
			`Bearer ${emulator.keys.multiTalk}`,
		);
	});

	it('Wait for Job with Download Video', async () => {
		const id = await completedJob();
		const result = await runMultiTalk(emulator, { resource: 'job', operation: 'waitForJob', jobId: id, ...fast });
		expect(result.error).toBeUndefined();
		const [item] = result.items(NODE);
		expect(item.json).toMatchObject({ job_id: id, status: 'completed' });
		expect((await result.readBinary(item.binary!.data)).equals(fixture('sample.mp4'))).toBe(true);
		expectBareStorageRequest(id);
	});

	it('Submit and Wait with Download Video', async () => {
		const result = await runMultiTalk(emulator, submitParams({ operation: 'submitAndWait', ...fast }));
		expect(result.error).toBeUndefined();
		const [item] = result.items(NODE);
		expect((await result.readBinary(item.binary!.data)).equals(fixture('sample.mp4'))).toBe(true);
		expectBareStorageRequest(String(item.json.job_id));
	});

	it('the MultiTalk Trigger’s Download Video', async () => {
		const id = await completedJob();
		host = await new Host({
			workflow: triggerWorkflow({ downloadVideo: true }),
			triggerName: 'MultiTalk Trigger',
			credentials: credentialsFor(emulator),
		}).start();
		const answer = await fetch(host.webhookUrl, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ job_id: id, status: 'completed', timestamp: '2024-01-20T12:05:00Z', result: { success: true }, error: null }),
		});
		expect(answer.status).toBe(200);
		await host.idle();
		expect(host.executions).toHaveLength(1);
		const [item] = host.executions[0].items;
		expect(item.json.download_error).toBeUndefined();
		expect((await host.executions[0].run.readBinary(item.binary!.data)).equals(fixture('sample.mp4'))).toBe(true);
		expectBareStorageRequest(id);
	});
});

describe('a failing download link is reported as the storage’s error', () => {
	it('the storage’s own code and message, "The download link answered", no MultiTalk blame, no secret', async () => {
		const id = await completedJob();
		const key = emulator.keys.multiTalk;
		// What S3 answers a request that carried a key (it echoes the header back): even then,
		// only its Code and Message may reach the error.
		emulator.addFault(storageFault('multiTalk', 400, 'InvalidArgument', S3_ONE_AUTH_MECHANISM, { ArgumentName: 'Authorization', ArgumentValue: `Bearer ${key}`, RequestId: '1' }));
		const result = await runMultiTalk(emulator, { resource: 'job', operation: 'getDownloadUrl', jobId: id, downloadVideo: true });
		const error = expectApiError(result, '400');
		expect(error.message).toBe(`The download link: ${S3_ONE_AUTH_MECHANISM} [InvalidArgument]`);
		expect(error.description).toMatch(/^The download link answered HTTP 400\. The link came from MultiTalk/);
		expect(error.description).toContain(`Job ${id} is completed`);
		expect(`${error.message} ${error.description}`).not.toMatch(/MultiTalk answered/);
		expect(JSON.stringify({ message: error.message, description: error.description, context: error.context, cause: error.cause })).not.toContain(key);
		expect(JSON.stringify(result.run.data.resultData)).not.toContain(key);
	});

	it('an expired link: 403 AccessDenied "Request has expired", with what to do', async () => {
		const id = await completedJob();
		emulator.addFault(storageFault('multiTalk', 403, 'AccessDenied', 'Request has expired'));
		const again = await runMultiTalk(emulator, { resource: 'job', operation: 'waitForJob', jobId: id, ...fast });
		const error = expectApiError(again, '403');
		expect(error.message).toBe('The download link: Request has expired [AccessDenied]');
		expect(error.description).toContain('presigned links expire');
	});
});

describe('Submit and Wait with many items: a failed download stops the run and says what it left behind', () => {
	it('12 items, Items in Parallel 5: names the 4 jobs still running and the 7 items never submitted', async () => {
		// item 0 finishes first and its download fails; items 1-4 keep processing; 5-11 wait for a slot
		const prompts = Array.from({ length: 12 }, (_, i) => ({ json: { prompt: i === 0 ? 'first #ms=800' : `item ${i} #stuck` } }));
		emulator.addFault(storageFault('multiTalk', 403, 'AccessDenied', 'Access Denied'));
		const result = await runMultiTalk(emulator, submitParams({ operation: 'submitAndWait', prompt: '={{ $json.prompt }}', maxConcurrentJobs: 5, ...fast }), {
			items: prompts,
		});
		const error = expectApiError(result, '403');
		expect(result.error?.itemIndex).toBe(0);
		expect(error.message).toBe('The download link: Access Denied [AccessDenied]');

		// what MultiTalk really holds: 5 jobs submitted, item 0's completed, 4 still processing
		const submitted = emulator.requests({ service: 'multiTalk', method: 'POST', path: '/api/v1/generate' });
		expect(submitted).toHaveLength(5);
		const jobs = [...multiTalkState(emulator).jobs.values()];
		const byItem = (i: number) => jobs.find((job) => job.request.prompt === (i === 0 ? 'first #ms=800' : `item ${i} #stuck`));
		expect(byItem(0)?.status).toBe('completed');
		const running = [1, 2, 3, 4].map((i) => byItem(i)!);
		for (const job of running) expect(job.status).toBe('processing');

		const description = String(error.description);
		expect(description).toContain(`Job ${byItem(0)!.job_id} is completed`);
		expect(description).toContain(
			`Still running at MultiTalk (not cancelled): jobs ${running.map((job, k) => `${job.job_id} (item ${k + 1})`).join(', ')}.`,
		);
		expect(description).toContain('Wait for Job or stop them with Cancel Job');
		expect(description).toContain('Never submitted: items 5–11 (7 of 12).');
		expect(error.context.leftRunning).toEqual(running.map((job, k) => ({ job_id: job.job_id, item: k + 1 })));
		expect(error.context.notSubmitted).toEqual([5, 6, 7, 8, 9, 10, 11]);
		// the run stopped: nothing was cancelled at MultiTalk, nothing more submitted
		expect(emulator.requests({ service: 'multiTalk', method: 'DELETE' })).toHaveLength(0);
	});

	it('with Continue On Fail the failed download is an error item and every other item completes', async () => {
		emulator.addFault({ service: 'multiTalk', path: /^\/storage\//, fault: { kind: 'status', status: 403, body: '<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>' }, times: 1 });
		const result = await runMultiTalk(emulator, submitParams({ operation: 'submitAndWait', maxConcurrentJobs: 2, ...fast }), {
			items: Array.from({ length: 3 }, () => ({ json: {} })),
			onError: 'continueRegularOutput',
		});
		expect(result.status).toBe('success');
		const out = result.items(NODE);
		expect(out.filter((item) => item.json.error === 'The download link: Access Denied [AccessDenied]')).toHaveLength(1);
		expect(out.filter((item) => item.binary?.data)).toHaveLength(2);
		expect(String(out.find((item) => item.json.error)?.json.description)).not.toContain('Never submitted');
	});
});
