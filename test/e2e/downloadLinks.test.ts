/**
 * Issue #12, defect 1, in real n8n (the built package installed as a community package, runs
 * through `n8n execute`): download links a provider hands back are fetched WITHOUT the
 * credential even when the deployment serves its storage on the API's own origin. The emulator
 * runs with `storageOnApiOrigin`, where its storage answers a request that carries
 * Authorization as S3 does (400 InvalidArgument "Only one auth mechanism allowed"), so before
 * the fix each of these runs failed.
 * - MultiTalk Get Download URL (Download Video on) and Wait for Job (download on);
 * - LiveTalking Recording → Download;
 * - a storage failure is reported as the link's, and the token is nowhere in what n8n shows or
 *   stores, even though the storage's answer echoes it.
 */
import type { INode } from 'n8n-workflow';

import { fixture } from '../emulator/media';
import { multiTalkState } from '../emulator/providers/multitalk';
import { S3_ONE_AUTH_MECHANISM, storageFault } from '../emulator/providers/s3';
import type { Emulator } from '../emulator/server';
import type { LoggedRequest } from '../emulator/types';
import type { N8nHome, WorkflowFixture } from './n8nRunner';
import { executeWorkflow, readBinary } from './n8nRunner';
import { useN8nHome } from './n8nHome';

// The first run on a machine provisions n8n (~8 min, synchronously) inside beforeAll.
jest.setTimeout(20 * 60_000);

const PACKAGE = 'n8n-nodes-talking-avatars';
const TRIGGER = 'When clicking ‘Execute workflow’';

let emulator: Emulator;
let home: N8nHome | undefined;
let completedJobId = '';
let waitingJobId = '';
const SESSION_OK = 424242;
const SESSION_FAILING = 434343;

function workflow(id: string, node: Omit<INode, 'id' | 'typeVersion' | 'position'>): WorkflowFixture {
	return {
		id,
		name: `Download links: ${id}`,
		nodes: [
			{ id: `${id}-t`, name: TRIGGER, type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{ id: `${id}-n`, typeVersion: 1, position: [220, 0], ...node },
		],
		connections: { [TRIGGER]: { main: [[{ node: node.name, type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}

const multiTalkNode = (parameters: INode['parameters']) => ({
	name: 'MultiTalk',
	type: `${PACKAGE}.multiTalk`,
	parameters,
	credentials: { multiTalkApi: { id: 'e2eDlMultiTalk01', name: 'MultiTalk account' } },
});
const liveTalkingNode = (sessionId: number) => ({
	name: 'LiveTalking',
	type: `${PACKAGE}.liveTalking`,
	parameters: { resource: 'recording', operation: 'download', sessionId: String(sessionId) },
	credentials: { liveTalkingApi: { id: 'e2eDlLiveTalk01', name: 'LiveTalking account' } },
});

const workflows = {
	getDownloadUrl: () => workflow('e2e-dl-get-url', multiTalkNode({ resource: 'job', operation: 'getDownloadUrl', jobId: completedJobId, downloadVideo: true })),
	waitForJob: () => workflow('e2e-dl-wait', multiTalkNode({ resource: 'job', operation: 'waitForJob', jobId: waitingJobId, pollIntervalSeconds: 0.5 })),
	liveTalking: () => workflow('e2e-dl-livetalking', liveTalkingNode(SESSION_OK)),
	liveTalkingFailing: () => workflow('e2e-dl-lt-failing', liveTalkingNode(SESSION_FAILING)),
};

async function api(url: string, token: string, body?: unknown) {
	const response = await fetch(url, {
		method: body === undefined ? 'GET' : 'POST',
		headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	expect(response.status).toBe(200);
	return (await response.json()) as Record<string, unknown>;
}

async function submit(prompt: string): Promise<string> {
	const job = await api(`${emulator.urls.multiTalk}/generate`, emulator.keys.multiTalk, {
		prompt,
		image_s3_url: 's3://my-bucket/images/person.png',
		audio_s3_urls: 's3://my-bucket/audio/1.wav',
	});
	return String(job.job_id);
}

async function stoppedRecording(sessionId: number): Promise<void> {
	for (const action of ['start', 'stop']) {
		await api(`${emulator.urls.liveTalking}/api/v1/avatar/recording`, emulator.keys.liveTalking, { session_id: sessionId, action });
	}
}

/** The storage requests on an API origin (none may reach the separate s3 origin). */
function storageRequests(service: 'multiTalk' | 'liveTalking'): LoggedRequest[] {
	expect(emulator.requests({ service: 's3' })).toHaveLength(0);
	return emulator.requests({ service, path: /^\/storage\// });
}

function expectBare(requests: LoggedRequest[], secret: string): void {
	expect(requests).toHaveLength(1);
	expect(requests[0].status).toBe(200);
	expect(requests[0].query['X-Amz-Signature']).toBeTruthy();
	expect(requests[0].headers.authorization).toBeUndefined();
	expect(JSON.stringify(requests[0].headers)).not.toContain(secret);
}

useN8nHome({
	settings: { storageOnApiOrigin: true, multiTalkPendingMs: 20, multiTalkJobMs: 300 },
	onEmulator: (e) => (emulator = e),
	prepare: async () => {
		completedJobId = await submit('A person speaking naturally');
		// still processing when n8n starts: Wait for Job really waits, then downloads
		waitingJobId = await submit('A slower one #ms=4000');
		await stoppedRecording(SESSION_OK);
		await stoppedRecording(SESSION_FAILING);
		for (let i = 0; i < 100 && multiTalkState(emulator).jobs.get(completedJobId)?.status !== 'completed'; i++) {
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
	},
	home: () => ({
		credentials: [
			{ id: 'e2eDlMultiTalk01', name: 'MultiTalk account', type: 'multiTalkApi', data: { apiKey: emulator.keys.multiTalk, baseUrl: emulator.urls.multiTalk } },
			{
				id: 'e2eDlLiveTalk01',
				name: 'LiveTalking account',
				type: 'liveTalkingApi',
				data: { baseUrl: emulator.urls.liveTalking, firebaseToken: emulator.keys.liveTalking },
			},
		],
		workflows: Object.values(workflows).map((make) => make()),
	}),
	onHome: (h) => (home = h),
});

beforeEach(() => {
	emulator.clearLog();
	emulator.clearFaults();
});

it('MultiTalk Get Download URL with Download Video: the MP4 arrives, the storage request carries no Authorization', async () => {
	const result = await executeWorkflow(home!, workflows.getDownloadUrl().id);
	expect(result.error).toBeUndefined();
	expect(result.status).toBe('success');
	const [item] = result.items('MultiTalk');
	expect(String(item.json.download_url).startsWith(`${emulator.url('multiTalk')}/storage/`)).toBe(true);
	expect(item.binary?.data).toMatchObject({ mimeType: 'video/mp4', fileName: `video_${completedJobId}.mp4` });
	expect((await readBinary(home!, item.binary!.data)).equals(fixture('sample.mp4'))).toBe(true);
	expectBare(storageRequests('multiTalk'), emulator.keys.multiTalk);
	// the API itself got the key
	expect(emulator.requests({ service: 'multiTalk', path: `/api/v1/jobs/${completedJobId}/download` })[0].headers.authorization).toBe(
		`Bearer ${emulator.keys.multiTalk}`,
	);
});

it('MultiTalk Wait for Job with download: the MP4 arrives, fetched without the key', async () => {
	const result = await executeWorkflow(home!, workflows.waitForJob().id);
	expect(result.error).toBeUndefined();
	expect(result.status).toBe('success');
	const [item] = result.items('MultiTalk');
	expect(item.json).toMatchObject({ job_id: waitingJobId, status: 'completed' });
	expect((await readBinary(home!, item.binary!.data)).equals(fixture('sample.mp4'))).toBe(true);
	expectBare(storageRequests('multiTalk'), emulator.keys.multiTalk);
});

it('LiveTalking Recording → Download: the MP4 arrives, the storage request carries no Firebase token', async () => {
	const result = await executeWorkflow(home!, workflows.liveTalking().id);
	expect(result.error).toBeUndefined();
	expect(result.status).toBe('success');
	const [item] = result.items('LiveTalking');
	expect(String(item.json.download_url).startsWith(`${emulator.url('liveTalking')}/storage/avatar-recordings/`)).toBe(true);
	expect((await readBinary(home!, item.binary!.data)).equals(fixture('sample.mp4'))).toBe(true);
	expectBare(storageRequests('liveTalking'), emulator.keys.liveTalking);
});

it('a storage failure is "The download link" error with S3’s code and message, and the token shows nowhere', async () => {
	const token = emulator.keys.liveTalking;
	// what S3 answers a request that carried a token: it echoes the header back
	emulator.addFault(storageFault('liveTalking', 400, 'InvalidArgument', S3_ONE_AUTH_MECHANISM, { ArgumentName: 'Authorization', ArgumentValue: `Bearer ${token}` }));
	const result = await executeWorkflow(home!, workflows.liveTalkingFailing().id);
	expect(result.status).toBe('error');
	expect(result.error?.message).toBe(`The download link: ${S3_ONE_AUTH_MECHANISM} [InvalidArgument]`);
	expect(result.error?.httpCode).toBe('400');
	expect(result.error?.description).toMatch(/^The download link answered HTTP 400\. The link came from LiveTalking/);
	expect(result.error?.description).not.toMatch(/LiveTalking answered/);
	// nowhere in what n8n printed (run JSON and logs) nor in the stored run
	expect(result.raw).not.toContain(token);
	expect(JSON.stringify(result.run ?? {})).not.toContain(token);
	expect(storageRequests('liveTalking')[0].headers.authorization).toBeUndefined();
});
