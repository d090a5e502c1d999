/**
 * Every MultiTalk operation against the emulator: what is sent (request log, headers included),
 * what comes out, and the provider's errors as NodeApiErrors.
 */
import type { INodeParameters } from 'n8n-workflow';

import { fixture } from '../../emulator/media';
import { multiTalkState } from '../../emulator/providers/multitalk';
import type { Emulator } from '../../emulator/server';
import {
	NODE,
	apiRequests,
	expectApiError,
	expectInputError,
	items,
	runMultiTalk,
	startMultiTalkEmulator,
	startReceiver,
	submitParams,
	waitFor,
} from './helpers';
import { useEmulator } from '../../helpers/emulatorSetup';

jest.setTimeout(60_000);

let emulator: Emulator;

useEmulator(startMultiTalkEmulator, (e) => (emulator = e));

async function submitOne(extra: INodeParameters = {}): Promise<string> {
	const result = await runMultiTalk(emulator, submitParams(extra));
	expect(result.status).toBe('success');
	return String(result.json(NODE)[0].job_id);
}

async function completedJob(): Promise<string> {
	const id = await submitOne();
	await waitFor(() => multiTalkState(emulator).jobs.get(id)?.status === 'completed');
	return id;
}

describe('Submit', () => {
	it('sends one audio URL as a string, with the Bearer key, and returns the job', async () => {
		const result = await runMultiTalk(emulator, submitParams());
		expect(result.status).toBe('success');
		const [out] = result.json(NODE);
		expect(out).toMatchObject({ status: 'pending', message: 'Job submitted successfully' });
		expect(out.job_id).toMatch(/^[0-9a-f-]{36}$/);
		const [sent] = apiRequests(emulator, 'POST', '/api/v1/generate');
		expect(sent.headers.authorization).toBe(`Bearer ${emulator.keys.multiTalk}`);
		expect(sent.headers['content-type']).toMatch(/application\/json/);
		expect(JSON.parse(sent.body)).toEqual({
			prompt: 'A person speaking naturally with clear lip sync',
			image_s3_url: 's3://my-bucket/images/person.png',
			audio_s3_urls: 's3://my-bucket/audio/1.wav',
		});
		expect(result.items(NODE)[0].pairedItem).toEqual({ item: 0 });
	});

	it('sends several audio URLs as an array, plus every option, bucket, prefix and webhook', async () => {
		const result = await runMultiTalk(
			emulator,
			submitParams({
				audio: { urls: [{ url: 's3://my-bucket/audio/1.wav' }, { url: 's3://my-bucket/audio/2.wav' }] },
				webhookUrl: 'https://example.com/hook?x=1',
				options: {
					resolution: '720p',
					sampleSteps: 30,
					audioType: 'para',
					audioCfg: 4.5,
					colorCorrection: 0.8,
					outputS3Bucket: 'out-bucket',
					outputS3Prefix: 'videos/2024/',
				},
			}),
		);
		expect(result.status).toBe('success');
		expect(JSON.parse(apiRequests(emulator, 'POST', '/api/v1/generate')[0].body)).toEqual({
			prompt: 'A person speaking naturally with clear lip sync',
			image_s3_url: 's3://my-bucket/images/person.png',
			audio_s3_urls: ['s3://my-bucket/audio/1.wav', 's3://my-bucket/audio/2.wav'],
			output_s3_bucket: 'out-bucket',
			output_s3_prefix: 'videos/2024/',
			webhook_url: 'https://example.com/hook?x=1',
			options: { resolution: '720p', sample_steps: 30, audio_type: 'para', audio_cfg: 4.5, color_correction: 0.8 },
		});
	});

	it('accepts a list of audio URLs from an expression', async () => {
		const result = await runMultiTalk(emulator, submitParams({ audio: { urls: [{ url: '={{ $json.audios }}' }] } }), {
			items: [{ json: { audios: ['s3://my-bucket/a.wav', 's3://my-bucket/b.wav'] } }],
		});
		expect(result.status).toBe('success');
		expect(JSON.parse(apiRequests(emulator, 'POST', '/api/v1/generate')[0].body).audio_s3_urls).toEqual([
			's3://my-bucket/a.wav',
			's3://my-bucket/b.wav',
		]);
	});

	const invalid: Array<[string, INodeParameters, RegExp]> = [
		['empty prompt', { prompt: '  ' }, /^Prompt: must not be empty/],
		['an https image URL', { imageS3Url: 'https://my-bucket.s3.amazonaws.com/p.png' }, /^Reference Image S3 URL: ".*" is not a valid S3 URL/],
		['an image URL without key', { imageS3Url: 's3://my-bucket' }, /^Reference Image S3 URL: /],
		['an upper-case bucket', { imageS3Url: 's3://My_Bucket/p.png' }, /^Reference Image S3 URL: /],
		['no audio', { audio: {} }, /^Audio S3 URLs: needs at least one audio file/],
		['a bad second audio URL', { audio: { urls: [{ url: 's3://b-1/a.wav' }, { url: 'b-1/b.wav' }] } }, /^Audio S3 URLs \(entry 2\): "b-1\/b.wav" is not a valid S3 URL/],
		['a bad output bucket', { options: { outputS3Bucket: 'Bad Bucket' } }, /^Output S3 Bucket: /],
		['a bad webhook URL', { webhookUrl: 'ftp://example.com/x' }, /^Webhook URL: "ftp:\/\/example.com\/x" is not a valid URL/],
		['resolution 1080p', { options: { resolution: '1080p' } }, /^Resolution: "1080p" is not a valid value/],
		['9 sample steps', { options: { sampleSteps: 9 } }, /^Sample Steps: 9 is out of range/],
		['51 sample steps', { options: { sampleSteps: 51 } }, /^Sample Steps: 51 is out of range/],
		['20.5 sample steps', { options: { sampleSteps: 20.5 } }, /^Sample Steps: 20.5 is not a whole number/],
		['audio type mix', { options: { audioType: 'mix' } }, /^Audio Type: "mix" is not a valid value/],
		['audio CFG 2.9', { options: { audioCfg: 2.9 } }, /^Audio CFG: 2.9 is out of range/],
		['audio CFG 5.1', { options: { audioCfg: 5.1 } }, /^Audio CFG: 5.1 is out of range/],
		['color correction -0.1', { options: { colorCorrection: -0.1 } }, /^Color Correction: -0.1 is out of range/],
		['color correction 1.1', { options: { colorCorrection: 1.1 } }, /^Color Correction: 1.1 is out of range/],
	];
	it.each(invalid)('rejects %s before sending anything', async (_label, extra, message) => {
		const result = await runMultiTalk(emulator, submitParams(extra));
		const error = expectInputError(result, message);
		expect(error.description).toMatch(/^Allowed: /);
		expect(apiRequests(emulator)).toHaveLength(0);
	});

	it('validates every item first: one bad item among three submits nothing', async () => {
		const result = await runMultiTalk(emulator, submitParams({ imageS3Url: '={{ $json.image }}' }), {
			items: [{ json: { image: 's3://my-bucket/1.png' } }, { json: { image: 'not-s3' } }, { json: { image: 's3://my-bucket/3.png' } }],
		});
		const error = expectInputError(result, /^Reference Image S3 URL: "not-s3"/);
		expect(error.context.itemIndex).toBe(1);
		expect(apiRequests(emulator)).toHaveLength(0);
	});

	it('with Continue On Fail, the bad item becomes an error item and the others are submitted', async () => {
		const result = await runMultiTalk(emulator, submitParams({ imageS3Url: '={{ $json.image }}' }), {
			items: [{ json: { image: 's3://my-bucket/1.png' } }, { json: { image: 'not-s3' } }, { json: { image: 's3://my-bucket/3.png' } }],
			onError: 'continueRegularOutput',
		});
		expect(result.status).toBe('success');
		const out = result.items(NODE);
		expect(out).toHaveLength(3);
		expect(out.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(out[0].json.job_id).toBeDefined();
		expect(out[1].json.error).toMatch(/^Reference Image S3 URL/);
		expect(out[2].json.job_id).toBeDefined();
		expect(apiRequests(emulator, 'POST', '/api/v1/generate')).toHaveLength(2);
	});

	it('never repeats a submit after a 500 (the job may have started)', async () => {
		emulator.addFault({ service: 'multiTalk', path: '/api/v1/generate', fault: { kind: 'status', status: 500, body: { error: 'Internal Server Error', detail: 'GPU node crashed', request_id: 'req_1' } }, times: 1 });
		const result = await runMultiTalk(emulator, submitParams());
		const error = expectApiError(result, '500');
		expect(error.message).toBe('MultiTalk: GPU node crashed [Internal Server Error]');
		expect(apiRequests(emulator, 'POST', '/api/v1/generate')).toHaveLength(1);
	});

	it('repeats a submit refused with 503 (nothing was started)', async () => {
		emulator.addFault({ service: 'multiTalk', path: '/api/v1/generate', fault: { kind: 'rateLimit', status: 503, retryAfter: '0' }, times: 1 });
		const result = await runMultiTalk(emulator, submitParams());
		expect(result.status).toBe('success');
		expect(apiRequests(emulator, 'POST', '/api/v1/generate').map((r) => r.status)).toEqual([503, 200]);
	});

	it('shows the API’s own 400 message when the service rejects the input', async () => {
		// the node's checks pass; the emulator's own validation then refuses the missing prompt
		emulator.addFault({ service: 'multiTalk', path: '/api/v1/generate', fault: { kind: 'status', status: 400, body: { error: 'Bad Request', detail: 'image_s3_url: image must be 896x448', request_id: 'req_2' } }, times: 1 });
		const result = await runMultiTalk(emulator, submitParams());
		const error = expectApiError(result, '400');
		expect(error.message).toBe('MultiTalk: image_s3_url: image must be 896x448 [Bad Request]');
	});
});

describe('Get', () => {
	it('returns status, progress and result', async () => {
		const id = await completedJob();
		emulator.clearLog();
		const result = await runMultiTalk(emulator, { resource: 'job', operation: 'get', jobId: id });
		expect(result.status).toBe('success');
		expect(result.json(NODE)[0]).toMatchObject({
			job_id: id,
			status: 'completed',
			progress: 100,
			error: null,
			result: { success: true, s3_output: `s3://multitalk-outputs/outputs/video_${id}.mp4`, frames: 81 },
		});
		const [sent] = apiRequests(emulator);
		expect(sent).toMatchObject({ method: 'GET', path: `/api/v1/jobs/${id}` });
		expect(sent.headers.authorization).toBe(`Bearer ${emulator.keys.multiTalk}`);
	});

	it('takes the job ID from the incoming item by default, one request per item', async () => {
		const a = await submitOne();
		const b = await submitOne();
		emulator.clearLog();
		const result = await runMultiTalk(emulator, { resource: 'job', operation: 'get' }, { items: [{ json: { job_id: a } }, { json: { job_id: b } }] });
		expect(result.json(NODE).map((j) => j.job_id)).toEqual([a, b]);
		expect(apiRequests(emulator).map((r) => r.path).sort()).toEqual([`/api/v1/jobs/${a}`, `/api/v1/jobs/${b}`].sort());
	});

	it('an unknown job is a 404 NodeApiError with the API’s message', async () => {
		const result = await runMultiTalk(emulator, { resource: 'job', operation: 'get', jobId: 'nope-123' });
		const error = expectApiError(result, '404');
		expect(error.message).toBe('MultiTalk: Job nope-123 not found [Not Found]');
		expect(error.description).toMatch(/Check the Job ID "nope-123"/);
	});

	it('rejects a job ID with a slash before sending anything', async () => {
		const result = await runMultiTalk(emulator, { resource: 'job', operation: 'get', jobId: '../health' });
		expectInputError(result, /^Job ID: "..\/health" is not a valid ID/);
		expect(apiRequests(emulator)).toHaveLength(0);
	});
});

describe('List', () => {
	it('returns the most recent jobs, newest first, one item per job', async () => {
		const ids = [await submitOne(), await submitOne(), await submitOne()];
		emulator.clearLog();
		const result = await runMultiTalk(emulator, { resource: 'job', operation: 'list', limit: 2 });
		expect(result.status).toBe('success');
		const out = result.json(NODE);
		expect(out.map((j) => j.job_id)).toEqual([ids[2], ids[1]]);
		expect(Object.keys(out[0]).sort()).toEqual(['created_at', 'job_id', 'status', 'updated_at']);
		expect(apiRequests(emulator)[0]).toMatchObject({ method: 'GET', path: '/api/v1/jobs', query: { limit: '2' } });
	});

	it('reflects job states as they change', async () => {
		const id = await submitOne({ prompt: 'still working #stuck' });
		await waitFor(() => multiTalkState(emulator).jobs.get(id)?.status === 'processing');
		let result = await runMultiTalk(emulator, { resource: 'job', operation: 'list', limit: 1 });
		expect(result.json(NODE)[0]).toMatchObject({ job_id: id, status: 'processing' });
		await runMultiTalk(emulator, { resource: 'job', operation: 'cancel', jobId: id });
		result = await runMultiTalk(emulator, { resource: 'job', operation: 'list', limit: 1 });
		expect(result.json(NODE)[0]).toMatchObject({ job_id: id, status: 'cancelled' });
	});

	it.each([0, 101, 2.5])('rejects limit %s before sending anything', async (limit) => {
		const result = await runMultiTalk(emulator, { resource: 'job', operation: 'list', limit });
		expectInputError(result, /^Limit: /);
		expect(apiRequests(emulator)).toHaveLength(0);
	});
});

describe('Cancel', () => {
	it('cancels a pending or processing job', async () => {
		const id = await submitOne({ prompt: 'long one #stuck' });
		const result = await runMultiTalk(emulator, { resource: 'job', operation: 'cancel', jobId: id });
		expect(result.status).toBe('success');
		expect(result.json(NODE)[0]).toEqual({ job_id: id, status: 'cancelled', message: 'Job cancelled' });
		expect(apiRequests(emulator, 'DELETE')).toHaveLength(1);
		expect(apiRequests(emulator, 'DELETE')[0].path).toBe(`/api/v1/jobs/${id}`);
		expect(multiTalkState(emulator).jobs.get(id)?.status).toBe('cancelled');
	});

	it('cancelling a cancelled job succeeds (also when the first answer was lost)', async () => {
		const id = await submitOne({ prompt: 'long one #stuck' });
		emulator.clearLog();
		emulator.addFault({ service: 'multiTalk', method: 'DELETE', path: `/api/v1/jobs/${id}`, fault: { kind: 'truncate' }, times: 1 });
		const result = await runMultiTalk(emulator, { resource: 'job', operation: 'cancel', jobId: id });
		expect(result.status).toBe('success');
		expect(result.json(NODE)[0]).toEqual({ job_id: id, status: 'cancelled', message: 'Job already cancelled' });
		// the cut answer, the repeat (400: already cancelled), then a look at the job
		const log = apiRequests(emulator);
		expect(log.map((r) => `${r.method} ${r.fault ?? r.status}`)).toEqual(['DELETE truncate', 'DELETE 400', 'GET 200']);
		expect(multiTalkState(emulator).jobs.get(id)?.status).toBe('cancelled');
	});

	it('a finished job cannot be cancelled: the API’s 400 message', async () => {
		const id = await completedJob();
		const result = await runMultiTalk(emulator, { resource: 'job', operation: 'cancel', jobId: id });
		const error = expectApiError(result, '400');
		expect(error.message).toBe(`MultiTalk: Job ${id} is already completed and cannot be cancelled [Bad Request]`);
		expect(error.description).toMatch(/Only pending or processing jobs can be cancelled/);
		expect(error.description).toMatch(/MultiTalk answered HTTP 400/);
	});
});

describe('Get Download URL', () => {
	it('returns a presigned link on the storage origin, valid for the chosen time', async () => {
		const id = await completedJob();
		emulator.clearLog();
		const result = await runMultiTalk(emulator, { resource: 'job', operation: 'getDownloadUrl', jobId: id, expiration: 120 });
		expect(result.status).toBe('success');
		const [out] = result.json(NODE);
		expect(out).toMatchObject({ job_id: id, expires_in: 120, s3_uri: `s3://multitalk-outputs/outputs/video_${id}.mp4` });
		expect(String(out.download_url).startsWith(`${emulator.urls.s3}/multitalk-outputs/outputs/video_${id}.mp4?`)).toBe(true);
		expect(apiRequests(emulator)[0]).toMatchObject({ path: `/api/v1/jobs/${id}/download`, query: { expiration: '120' } });
		expect(result.items(NODE)[0].binary).toBeUndefined();
	});

	it('downloads the MP4 as binary without sending the credential to the storage origin', async () => {
		const id = await completedJob();
		emulator.clearLog();
		const result = await runMultiTalk(emulator, {
			resource: 'job',
			operation: 'getDownloadUrl',
			jobId: id,
			downloadVideo: true,
			binaryPropertyName: 'video',
		});
		expect(result.status).toBe('success');
		const binary = result.items(NODE)[0].binary?.video;
		expect(binary).toMatchObject({ mimeType: 'video/mp4', fileName: `video_${id}.mp4` });
		expect((await result.readBinary(binary!)).equals(fixture('sample.mp4'))).toBe(true);
		const s3 = emulator.requests({ service: 's3' });
		expect(s3).toHaveLength(1);
		expect(s3[0].headers.authorization).toBeUndefined();
		expect(JSON.stringify(s3[0].headers)).not.toContain(emulator.keys.multiTalk);
		expect(apiRequests(emulator)[0].headers.authorization).toBe(`Bearer ${emulator.keys.multiTalk}`);
	});

	it('a job that is not finished yet: the API’s 400 with a hint', async () => {
		const id = await submitOne({ prompt: 'x #stuck' });
		const result = await runMultiTalk(emulator, { resource: 'job', operation: 'getDownloadUrl', jobId: id });
		const error = expectApiError(result, '400');
		expect(error.message).toMatch(new RegExp(`^MultiTalk: Job ${id} is not completed \\(status: (pending|processing)\\) \\[Bad Request\\]$`));
		expect(error.description).toMatch(/wait for the job first/);
	});

	it.each([0, 86401])('rejects expiration %s before sending anything', async (expiration) => {
		const result = await runMultiTalk(emulator, { resource: 'job', operation: 'getDownloadUrl', jobId: 'abc', expiration });
		expectInputError(result, /^Link Valid For \(Seconds\): /);
		expect(apiRequests(emulator)).toHaveLength(0);
	});
});

describe('Service', () => {
	it('Health answers with the API status', async () => {
		const result = await runMultiTalk(emulator, { resource: 'service', operation: 'health' });
		expect(result.status).toBe('success');
		expect(result.json(NODE)[0]).toMatchObject({ status: 'healthy', version: 'v1' });
		expect(apiRequests(emulator)[0].headers.authorization).toBe(`Bearer ${emulator.keys.multiTalk}`);
	});

	it('a wrong API key is a 401 with the API’s message, and the key never shows', async () => {
		const result = await runMultiTalk(emulator, { resource: 'service', operation: 'health' }, { apiKey: 'wrong-key-123' });
		const error = expectApiError(result, '401');
		expect(error.message).toBe('MultiTalk: Invalid or missing API key [Unauthorized]');
		expect(JSON.stringify(result.error?.stored)).not.toContain('wrong-key-123');
	});

	it('Test Webhook makes MultiTalk call the URL and reports how it went', async () => {
		const receiver = await startReceiver();
		try {
			const result = await runMultiTalk(emulator, { resource: 'service', operation: 'testWebhook', webhookUrl: `${receiver.url}/hook` });
			expect(result.status).toBe('success');
			expect(result.json(NODE)[0]).toMatchObject({ success: true, status_code: 200, webhook_url: `${receiver.url}/hook` });
			expect(JSON.parse(apiRequests(emulator, 'POST', '/api/v1/webhook-test')[0].body)).toEqual({ webhook_url: `${receiver.url}/hook` });
			expect(receiver.calls).toHaveLength(1);
			expect(JSON.parse(receiver.calls[0].body)).toMatchObject({ job_id: 'webhook-test', status: 'test' });
		} finally {
			await receiver.close();
		}
	});

	it('Test Webhook reports a receiver that answers 500', async () => {
		const receiver = await startReceiver(() => 500);
		try {
			const result = await runMultiTalk(emulator, { resource: 'service', operation: 'testWebhook', webhookUrl: receiver.url });
			expect(result.json(NODE)[0]).toMatchObject({ success: false, status_code: 500 });
		} finally {
			await receiver.close();
		}
	});

	it('Test Webhook rejects a URL that is not http(s) before sending anything', async () => {
		const result = await runMultiTalk(emulator, { resource: 'service', operation: 'testWebhook', webhookUrl: 'not a url' }, { items: items(1) });
		expectInputError(result, /^Webhook URL: "not a url" is not a valid URL/);
		expect(apiRequests(emulator)).toHaveLength(0);
	});
});
