/**
 * MultiTalk Trigger: the real webhook() in n8n-core's WebhookContext behind a stand-in of n8n's
 * webhook path (webhookHost.ts), fed by hand and by the emulator's own webhook delivery.
 */
import type { IDataObject } from 'n8n-workflow';

import { fixture } from '../../emulator/media';
import { multiTalkState } from '../../emulator/providers/multitalk';
import type { Emulator } from '../../emulator/server';
import { forgetProcessState, ledgerEntries, processClaims } from '../../../nodes/MultiTalk/trigger/delivery';
import type { DeliveryLedger } from '../../../nodes/MultiTalk/trigger/delivery';
import { NODE, credentialsFor, runMultiTalk, startMultiTalkEmulator, submitParams, waitFor } from './helpers';
import { WebhookHost, triggerWorkflow } from './webhookHost';
import { useEmulator } from '../../helpers/emulatorSetup';

jest.setTimeout(60_000);

let emulator: Emulator;
let host: WebhookHost | undefined;

useEmulator(startMultiTalkEmulator, (e) => (emulator = e));
beforeEach(() => {
	multiTalkState(emulator).reset();
	forgetProcessState();
});
afterEach(async () => {
	await multiTalkState(emulator).idle();
	await host?.close();
	host = undefined;
});

async function startHost(parameters: IDataObject = {}, mode?: 'manual'): Promise<WebhookHost> {
	host = await new WebhookHost({
		workflow: triggerWorkflow(parameters),
		triggerName: 'MultiTalk Trigger',
		credentials: credentialsFor(emulator),
		mode,
	}).start();
	return host;
}

function payload(extra: IDataObject = {}): IDataObject {
	return {
		job_id: '550e8400-e29b-41d4-a716-446655440000',
		status: 'completed',
		timestamp: '2024-01-20T12:05:00Z',
		result: { success: true, s3_output: 's3://bucket/outputs/video_123.mp4', duration: 5.2, frames: 81, processing_time: 45.3 },
		error: null,
		...extra,
	};
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
	const response = await fetch(url, {
		method: 'POST',
		headers: { 'content-type': 'application/json', ...headers },
		body: typeof body === 'string' ? body : JSON.stringify(body),
	});
	return { status: response.status, body: (await response.json().catch(() => undefined)) as IDataObject | undefined };
}

describe('receiving', () => {
	it('starts the workflow with the documented payload', async () => {
		const h = await startHost();
		const answer = await post(h.webhookUrl, payload());
		expect(answer).toEqual({ status: 200, body: { message: 'Workflow was started' } });
		await h.idle();
		expect(h.executions).toHaveLength(1);
		expect(h.executions[0].items.map((i) => i.json)).toEqual([payload()]);
		expect(h.executions[0].run.status).toBe('success');
		expect(h.executions[0].run.json('Next')).toEqual([payload()]);
	});

	it.each([
		['invalid JSON', '{"job_id": "a", "status": ', /not valid JSON/],
		['plain text', 'job finished', /not valid JSON/],
		['a JSON array', '[{"job_id":"a","status":"completed"}]', /must be a JSON object/],
		['an empty body', '', /must be a JSON object/],
		['no job_id', JSON.stringify({ status: 'completed' }), /job_id is missing/],
		['no status', JSON.stringify({ job_id: 'a' }), /status is missing/],
		['a result that is not an object', JSON.stringify({ job_id: 'a', status: 'completed', result: 'x' }), /result must be an object/],
	])('answers %s with 400 and starts nothing', async (_label, body, detail) => {
		const h = await startHost();
		const answer = await post(h.webhookUrl, body);
		expect(answer.status).toBe(400);
		expect(answer.body).toMatchObject({ error: 'Bad Request', detail: expect.stringMatching(detail) });
		await h.idle();
		expect(h.executions).toHaveLength(0);
	});

	it('answers a form-encoded body with 400', async () => {
		const h = await startHost();
		const answer = await post(h.webhookUrl, 'job_id=a&status=completed', { 'content-type': 'application/x-www-form-urlencoded' });
		expect(answer.status).toBe(400);
		await h.idle();
		expect(h.executions).toHaveLength(0);
	});
});

describe('secret', () => {
	it('refuses calls without the secret or with a wrong one (401), accepts it in the query or the header', async () => {
		const h = await startHost({ secret: 's3cr3t-value' });
		expect((await post(h.webhookUrl, payload())).status).toBe(401);
		expect((await post(`${h.webhookUrl}?secret=wrong`, payload())).status).toBe(401);
		expect((await post(`${h.webhookUrl}?secret=s3cr3t-valuE`, payload())).status).toBe(401);
		expect((await post(h.webhookUrl, payload(), { 'x-multitalk-secret': 's3cr3t-value-and-more' })).status).toBe(401);
		const refused = await post(h.webhookUrl, '{"broken', {});
		expect(refused.status).toBe(401); // the secret is checked before the body
		expect(refused.body).toEqual({ error: 'Unauthorized', detail: 'Missing or wrong webhook secret' });
		await h.idle();
		expect(h.executions).toHaveLength(0);

		expect((await post(`${h.webhookUrl}?secret=s3cr3t-value`, payload({ job_id: 'job-q' }))).status).toBe(200);
		expect((await post(h.webhookUrl, payload({ job_id: 'job-h' }), { 'x-multitalk-secret': 's3cr3t-value' })).status).toBe(200);
		await h.idle();
		expect(h.executions.map((e) => e.items[0].json.job_id)).toEqual(['job-q', 'job-h']);
		expect(JSON.stringify(h.executions.map((e) => e.items))).not.toContain('s3cr3t-value');
	});
});

describe('status filter', () => {
	it('starts only for the selected endings and acknowledges the others', async () => {
		const h = await startHost({ statuses: ['completed'] });
		const ignored = await post(h.webhookUrl, payload({ status: 'failed', result: null, error: 'CUDA out of memory' }));
		expect(ignored).toEqual({ status: 200, body: { received: true, started: false, reason: 'status "failed" is not selected' } });
		expect((await post(h.webhookUrl, payload({ status: 'cancelled' }))).body).toMatchObject({ started: false });
		expect((await post(h.webhookUrl, payload({ status: 'test', job_id: 'webhook-test' }))).body).toMatchObject({ started: false });
		expect((await post(h.webhookUrl, payload())).body).toEqual({ message: 'Workflow was started' });
		await h.idle();
		expect(h.executions.map((e) => e.items[0].json.status)).toEqual(['completed']);
	});

	it('by default starts for completed, failed and cancelled', async () => {
		const h = await startHost();
		for (const status of ['completed', 'failed', 'cancelled', 'processing', 'test']) await post(h.webhookUrl, payload({ status }));
		await h.idle();
		expect(h.executions.map((e) => e.items[0].json.status)).toEqual(['completed', 'failed', 'cancelled']);
	});

	it('test notifications start the workflow when selected, every time', async () => {
		const h = await startHost({ statuses: ['test'] });
		await post(h.webhookUrl, payload({ job_id: 'webhook-test', status: 'test' }));
		await post(h.webhookUrl, payload({ job_id: 'webhook-test', status: 'test' }));
		await h.idle();
		expect(h.executions).toHaveLength(2);
	});
});

describe('exactly once', () => {
	it('the same (job_id, status) starts one execution; the copies are acknowledged as duplicates', async () => {
		const h = await startHost();
		const answers = [];
		for (let i = 0; i < 4; i++) answers.push(await post(h.webhookUrl, payload({ timestamp: `2024-01-20T12:05:0${i}Z` })));
		expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
		expect(answers.slice(1).every((a) => a.body?.reason === 'duplicate')).toBe(true);
		// another ending of the same job, and another job, are new events
		await post(h.webhookUrl, payload({ status: 'failed' }));
		await post(h.webhookUrl, payload({ job_id: 'other-job' }));
		await h.idle();
		expect(h.executions.map((e) => `${e.items[0].json.job_id}:${e.items[0].json.status}`)).toEqual([
			'550e8400-e29b-41d4-a716-446655440000:completed',
			'550e8400-e29b-41d4-a716-446655440000:failed',
			'other-job:completed',
		]);
	});

	it('copies arriving at the same moment start one execution', async () => {
		const h = await startHost();
		const answers = await Promise.all(Array.from({ length: 6 }, () => post(h.webhookUrl, payload())));
		expect(answers.every((a) => a.status === 200)).toBe(true);
		await h.idle();
		expect(h.executions).toHaveLength(1);
		expect(answers.filter((a) => a.body?.reason === 'duplicate')).toHaveLength(5);
	});

	it('survives a restart: the record is in the workflow’s stored static data', async () => {
		const h = await startHost();
		await post(h.webhookUrl, payload());
		await h.idle();
		const stored = h.staticData['node:MultiTalk Trigger'] as DeliveryLedger;
		expect(Object.keys(ledgerEntries(stored))).toEqual(['550e8400-e29b-41d4-a716-446655440000:completed']);
		h.restart();
		expect(processClaims.size).toBe(0);
		const again = await post(h.webhookUrl, payload());
		expect(again.body).toMatchObject({ reason: 'duplicate' });
		await h.idle();
		expect(h.executions).toHaveLength(1);
	});

	it('events handled at the same time are all kept in the stored record (no lost update)', async () => {
		// two different jobs: the first is slow (its video download waits on storage), the second
		// fast; each request loads its own copy of the static data and saves it when done
		const ids: string[] = [];
		for (let i = 0; i < 2; i++) {
			const result = await runMultiTalk(emulator, submitParams());
			ids.push(String(result.json(NODE)[0].job_id));
		}
		await waitFor(() => ids.every((id) => multiTalkState(emulator).jobs.get(id)?.status === 'completed'));
		emulator.addFault({ service: 's3', fault: { kind: 'delay', ms: 600 }, times: 1 });
		const h = await startHost({ downloadVideo: true });
		const slow = post(h.webhookUrl, payload({ job_id: ids[0] }));
		await new Promise((r) => setTimeout(r, 150));
		await post(h.webhookUrl, payload({ job_id: ids[1] }));
		await slow;
		await h.idle();
		expect(h.executions).toHaveLength(2);
		const stored = h.staticData['node:MultiTalk Trigger'] as DeliveryLedger;
		expect(Object.keys(ledgerEntries(stored)).sort()).toEqual(ids.map((id) => `${id}:completed`).sort());
		// so after a restart both are still recognised
		h.restart();
		for (const id of ids) expect((await post(h.webhookUrl, payload({ job_id: id }))).body).toMatchObject({ reason: 'duplicate' });
		await h.idle();
		expect(h.executions).toHaveLength(2);
	});

	it('test-URL calls (manual mode) are never deduplicated', async () => {
		const h = await startHost({}, 'manual');
		await post(h.webhookUrl, payload());
		await post(h.webhookUrl, payload());
		await h.idle();
		expect(h.executions).toHaveLength(2);
	});

	it('with MultiTalk’s own retries and duplicate deliveries: one execution per job', async () => {
		const h = await startHost();
		// every delivery is sent twice, and the first two attempts of each count as failed (a lost
		// answer), so the trigger sees 2 x 3 calls per job
		Object.assign(emulator.settings, { multiTalkWebhookDuplicates: 2, multiTalkWebhookIgnoreResponses: 2, multiTalkWebhookBackoffMs: 30 });
		try {
			const result = await runMultiTalk(emulator, submitParams({ webhookUrl: h.webhookUrl, prompt: '={{ $json.prompt }}' }), {
				items: [{ json: { prompt: 'one' } }, { json: { prompt: 'two #fail' } }],
			});
			expect(result.status).toBe('success');
			const ids = result.json(NODE).map((j) => String(j.job_id));
			await waitFor(() => ids.every((id) => ['completed', 'failed'].includes(multiTalkState(emulator).jobs.get(id)!.status)));
			await multiTalkState(emulator).idle();
			await h.idle();
			const attempts = multiTalkState(emulator).webhookAttempts;
			expect(attempts).toHaveLength(12);
			expect(h.calls.filter((c) => c.status === 200)).toHaveLength(12);
			for (const id of ids) {
				const mine = attempts.filter((a) => a.jobId === id && a.delivery === 1);
				expect(mine.map((a) => a.attempt)).toEqual([1, 2, 3]);
				// exponential backoff: 30 ms, then 60 ms
				expect(mine[1].at - mine[0].at).toBeGreaterThanOrEqual(28);
				expect(mine[2].at - mine[1].at).toBeGreaterThanOrEqual(58);
			}
			expect(h.executions.map((e) => e.items[0].json.status).sort()).toEqual(['completed', 'failed']);
			expect(h.executions.map((e) => e.items[0].json.job_id).sort()).toEqual([...ids].sort());
			const failed = h.executions.find((e) => e.items[0].json.status === 'failed')!;
			expect(failed.items[0].json).toMatchObject({ result: null, error: expect.stringMatching(/CUDA out of memory/) });
		} finally {
			for (const key of ['multiTalkWebhookDuplicates', 'multiTalkWebhookIgnoreResponses']) delete emulator.settings[key];
			emulator.settings.multiTalkWebhookBackoffMs = 20;
		}
	});
});

describe('video download on completed', () => {
	async function completedJob(): Promise<string> {
		const result = await runMultiTalk(emulator, submitParams());
		const id = String(result.json(NODE)[0].job_id);
		await waitFor(() => multiTalkState(emulator).jobs.get(id)?.status === 'completed');
		return id;
	}

	it('answers at once, then attaches the MP4, fetched without the credential from storage', async () => {
		const id = await completedJob();
		emulator.clearLog();
		// slow storage: the answer must not wait for the download
		emulator.addFault({ service: 's3', fault: { kind: 'delay', ms: 4000 }, times: 1 });
		const h = await startHost({ downloadVideo: true, binaryPropertyName: 'video' });
		const answer = await post(h.webhookUrl, payload({ job_id: id }));
		expect(answer).toEqual({ status: 200, body: { message: 'Workflow was started' } });
		// an order, not a speed: when the answer came, storage had not answered the download yet
		expect(emulator.requests({ service: 's3' }).filter((r) => r.status !== undefined)).toHaveLength(0);
		await h.idle();
		expect(h.executions).toHaveLength(1);
		const [item] = h.executions[0].items;
		expect(item.json).toMatchObject({ job_id: id, status: 'completed', expires_in: 3600, s3_uri: `s3://multitalk-outputs/outputs/video_${id}.mp4` });
		expect(item.binary?.video).toMatchObject({ mimeType: 'video/mp4', fileName: `video_${id}.mp4` });
		expect((await h.executions[0].run.readBinary(item.binary!.video)).equals(fixture('sample.mp4'))).toBe(true);
		const api = emulator.requests({ service: 'multiTalk' });
		expect(api.map((r) => r.path)).toEqual([`/api/v1/jobs/${id}/download`]);
		expect(api[0].headers.authorization).toBe(`Bearer ${emulator.keys.multiTalk}`);
		const s3 = emulator.requests({ service: 's3' });
		expect(s3).toHaveLength(1);
		expect(s3[0].headers.authorization).toBeUndefined();
	});

	it('does not download for failed jobs', async () => {
		const h = await startHost({ downloadVideo: true });
		await post(h.webhookUrl, payload({ status: 'failed', result: null, error: 'boom' }));
		await h.idle();
		expect(h.executions).toHaveLength(1);
		expect(h.executions[0].items[0].binary).toBeUndefined();
		expect(emulator.requests()).toHaveLength(0);
	});

	it('a failed download still starts the workflow, with the reason', async () => {
		const h = await startHost({ downloadVideo: true });
		const answer = await post(h.webhookUrl, payload({ job_id: 'unknown-job' }));
		expect(answer.status).toBe(200);
		await h.idle();
		expect(h.executions).toHaveLength(1);
		expect(h.executions[0].items[0].json.download_error).toBe('MultiTalk: Job unknown-job not found [Not Found]');
		expect(h.executions[0].items[0].binary).toBeUndefined();
	});
});

describe('lifecycle', () => {
	it('registers locally: checkExists is false until create, and false again after delete', async () => {
		const h = await startHost();
		expect(await h.lifecycle('checkExists')).toBe(false);
		expect(await h.lifecycle('create')).toBe(true);
		expect(await h.lifecycle('checkExists')).toBe(true);
		expect((h.staticData['node:MultiTalk Trigger'] as IDataObject).listeningOn).toBe(h.webhookUrl);
		await post(h.webhookUrl, payload());
		await h.idle();
		expect(await h.lifecycle('delete')).toBe(true);
		expect(await h.lifecycle('checkExists')).toBe(false);
		// the delivery record outlives unpublishing, so a late retry is still recognised
		expect(Object.keys(ledgerEntries(h.staticData['node:MultiTalk Trigger'] as DeliveryLedger))).toHaveLength(1);
	});
});
