/**
 * LiveTalking Recording → Download (issue #12, defect 1): the backend's presigned `download_url`
 * is fetched without the Firebase token, also when the storage is served on the backend's own
 * origin (emulator setting `storageOnApiOrigin`), where S3 refuses a request carrying
 * Authorization. A storage failure is the link's error, not LiveTalking's, and never shows the
 * token.
 */
import type { INodeParameters } from 'n8n-workflow';

import { fixture } from '../../emulator/media';
import { S3_ONE_AUTH_MECHANISM, storageFault } from '../../emulator/providers/s3';
import type { Emulator } from '../../emulator/server';
import { startEmulator } from '../../emulator/server';
import { runWorkflow } from '../../harness';
import type { RunResult } from '../../harness';
import { expectApiError, singleNode } from '../musetalk/helpers';
import { useEmulator } from '../../helpers/emulatorSetup';

let emulator: Emulator;

useEmulator(async () => await startEmulator({ settings: { storageOnApiOrigin: true } }), (e) => (emulator = e));

let nextSession = 5000;

async function run(parameters: INodeParameters): Promise<RunResult> {
	return await runWorkflow(singleNode('liveTalking', { requestSettings: { maxAttempts: 1 }, ...parameters }), {
		credentials: { liveTalkingApi: { baseUrl: emulator.urls.liveTalking, firebaseToken: emulator.keys.liveTalking } },
	});
}

/** A session with a stopped recording, ready to download; the log cleared. */
async function recorded(): Promise<number> {
	const sessionId = nextSession++;
	for (const operation of ['start', 'stop']) {
		const result = await run({ resource: 'recording', operation, sessionId: String(sessionId) });
		expect(result.error).toBeUndefined();
	}
	emulator.clearLog();
	return sessionId;
}

const storage = () => emulator.requests({ service: 'liveTalking', path: /^\/storage\// });

it('downloads from storage on the backend’s own origin without the Firebase token', async () => {
	const sessionId = await recorded();
	const result = await run({ resource: 'recording', operation: 'download', sessionId: String(sessionId) });
	expect(result.error).toBeUndefined();
	const [item] = result.items('LiveTalking');
	expect(String(item.json.download_url).startsWith(`${emulator.url('liveTalking')}/storage/avatar-recordings/`)).toBe(true);
	expect((await result.readBinary(item.binary!.data)).equals(fixture('sample.mp4'))).toBe(true);
	expect(emulator.requests({ service: 's3' })).toHaveLength(0);
	const [request] = storage();
	expect(storage()).toHaveLength(1);
	expect(request.status).toBe(200);
	expect(request.headers.authorization).toBeUndefined();
	expect(JSON.stringify(request.headers)).not.toContain(emulator.keys.liveTalking);
	// the backend itself got the token
	expect(emulator.requests({ service: 'liveTalking', path: '/api/v1/avatar/recording/download' })[0].headers.authorization).toBe(
		`Bearer ${emulator.keys.liveTalking}`,
	);
});

it('a storage failure is "The download link answered HTTP 400" with S3’s code and message, never the token', async () => {
	const sessionId = await recorded();
	const token = emulator.keys.liveTalking;
	emulator.addFault(storageFault('liveTalking', 400, 'InvalidArgument', S3_ONE_AUTH_MECHANISM, { ArgumentName: 'Authorization', ArgumentValue: `Bearer ${token}` }));
	const result = await run({ resource: 'recording', operation: 'download', sessionId: String(sessionId) });
	const error = expectApiError(result, '400');
	expect(error.message).toBe(`The download link: ${S3_ONE_AUTH_MECHANISM} [InvalidArgument]`);
	expect(error.description).toMatch(/^The download link answered HTTP 400\. The link came from LiveTalking/);
	expect(error.description).toMatch(/The recording was saved to S3 \(s3_key avatar-recordings\/.+\.mp4, recording_id [0-9a-f-]{36}\)\.$/);
	expect(`${error.message} ${error.description}`).not.toMatch(/LiveTalking answered/);
	expect(JSON.stringify({ message: error.message, description: error.description, context: error.context })).not.toContain(token);
	expect(JSON.stringify(result.run.data.resultData)).not.toContain(token);
});

it('an expired link (storage answers 403 "Request has expired") says to download again', async () => {
	const sessionId = await recorded();
	emulator.settings.liveTalkingLinkExpiresSeconds = 0;
	try {
		await new Promise((resolve) => setTimeout(resolve, 5));
		const result = await run({ resource: 'recording', operation: 'download', sessionId: String(sessionId) });
		const error = expectApiError(result, '403');
		expect(error.message).toBe('The download link: Request has expired [AccessDenied]');
		expect(error.description).toContain('run Download Recording again for a fresh link');
		expect(storage()[0].status).toBe(403);
	} finally {
		delete emulator.settings.liveTalkingLinkExpiresSeconds;
	}
});
