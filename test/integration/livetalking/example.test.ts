/**
 * examples/livetalking-record-and-download.json, run as a user would import it, against the
 * emulator: start recording, speak, stop, download the recording from S3 and write it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { fixture } from '../../emulator/media';
import type { Emulator } from '../../emulator/server';
import { startEmulator } from '../../emulator/server';
import { useEmulator } from '../../helpers/emulatorSetup';
import { REPO_ROOT } from '../../harness/types';
import { runWorkflow } from '../../harness';
import type { WorkflowJson } from '../../harness';
import { readWriteFileStandIn, waitStandIn } from '../musetalk/helpers';

let emulator: Emulator;
let outDir: string;
const workflow = JSON.parse(readFileSync(path.join(REPO_ROOT, 'examples', 'livetalking-record-and-download.json'), 'utf8')) as WorkflowJson & {
	id: string;
	name: string;
};

useEmulator(startEmulator, (e) => (emulator = e));
beforeAll(() => {
	outDir = mkdtempSync(path.join(tmpdir(), 'livetalking-example-'));
});
afterAll(() => {
	rmSync(outDir, { recursive: true, force: true });
});

describe('example: livetalking-record-and-download', () => {
	it('follows the conventions (id, name, trigger, sticky notes, credential reference)', () => {
		expect(workflow.id).toBe('ex-livetalking-record-and-download');
		expect(workflow.name).toMatch(/^LiveTalking/);
		expect(workflow.nodes[0].type).toBe('n8n-nodes-base.manualTrigger');
		expect(workflow.nodes.some((n) => n.type === 'n8n-nodes-base.stickyNote')).toBe(true);
		for (const node of workflow.nodes.filter((n) => n.type === 'n8n-nodes-talking-avatars.liveTalking')) {
			expect(node.credentials).toEqual({ liveTalkingApi: { id: 'cred-livetalking', name: 'LiveTalking account' } });
		}
	});

	it('records, speaks, stops, downloads without credentials on S3 and writes the MP4', async () => {
		const result = await runWorkflow(workflow, {
			credentials: { liveTalkingApi: { baseUrl: emulator.urls.liveTalking, firebaseToken: emulator.keys.liveTalking } },
			nodeTypes: { 'n8n-nodes-base.readWriteFile': readWriteFileStandIn(outDir), 'n8n-nodes-base.wait': waitStandIn },
		});
		expect(result.error).toBeUndefined();
		expect(result.status).toBe('success');
		expect(result.executedNodes).toEqual([
			'When clicking ‘Execute workflow’',
			'Start Recording',
			'Send Text',
			'Let the Avatar Speak',
			'Stop Recording',
			'Download Recording',
			'Write Recording',
		]);
		const calls = emulator.requests({ service: 'liveTalking' }).map((r) => `${r.path} ${r.body}`);
		expect(calls).toEqual([
			'/api/v1/avatar/recording {"session_id":123456789,"action":"start"}',
			'/api/v1/avatar/send-text {"session_id":123456789,"text":"Hello! This recording was made by an n8n workflow.","interrupt":true}',
			'/api/v1/avatar/recording {"session_id":123456789,"action":"stop"}',
			'/api/v1/avatar/recording/download {"session_id":123456789,"title":"n8n demo recording"}',
		]);
		const s3 = emulator.requests({ service: 's3' });
		expect(s3).toHaveLength(1);
		expect(s3[0].headers.authorization).toBeUndefined();
		expect(readFileSync(path.join(outDir, 'demo-output/livetalking-record-and-download.mp4')).equals(fixture('sample.mp4'))).toBe(true);
	});
});
