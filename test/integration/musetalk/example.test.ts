/**
 * examples/musetalk-session-generate.json, run as a user would import it, against the emulator:
 * the session becomes ready, the video is generated and both files are written.
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
import { readWriteFileStandIn } from './helpers';

let emulator: Emulator;
let outDir: string;
const workflow = JSON.parse(readFileSync(path.join(REPO_ROOT, 'examples', 'musetalk-session-generate.json'), 'utf8')) as WorkflowJson & {
	id: string;
	name: string;
};

useEmulator(async () => await startEmulator({ settings: { museTalkPrepareMs: 100 } }), (e) => (emulator = e));
beforeAll(() => {
	outDir = mkdtempSync(path.join(tmpdir(), 'musetalk-example-'));
});
afterAll(() => {
	rmSync(outDir, { recursive: true, force: true });
});

describe('example: musetalk-session-generate', () => {
	it('follows the conventions (id, name, trigger, sticky notes, credential reference)', () => {
		expect(workflow.id).toBe('ex-musetalk-session-generate');
		expect(workflow.name).toMatch(/^MuseTalk/);
		const types = workflow.nodes.map((n) => n.type);
		expect(types[0]).toBe('n8n-nodes-base.manualTrigger');
		expect(types).toContain('n8n-nodes-base.stickyNote');
		for (const node of workflow.nodes.filter((n) => n.type === 'n8n-nodes-talking-avatars.museTalk')) {
			expect(node.credentials).toEqual({ museTalkApi: { id: 'cred-musetalk', name: 'MuseTalk account' } });
		}
	});

	it('creates a ready session, generates the video and writes the MP4 and MP3', async () => {
		const result = await runWorkflow(workflow, {
			credentials: { museTalkApi: { baseUrl: emulator.urls.museTalk, apiKey: '' } },
			nodeTypes: { 'n8n-nodes-base.readWriteFile': readWriteFileStandIn(outDir) },
		});
		expect(result.error).toBeUndefined();
		expect(result.status).toBe('success');
		expect(result.executedNodes).toEqual(['When clicking ‘Execute workflow’', 'Create Session', 'Generate Video', 'Write Video', 'Write Audio']);
		expect(result.json('Create Session')[0].status).toBe('ready');
		const sessionId = result.json('Create Session')[0].session_id;
		const [generate] = emulator.requests({ service: 'museTalk', path: '/api/v1/generate/text-to-video' });
		expect(JSON.parse(generate.body)).toMatchObject({ session_id: sessionId, voice_id: 'JBFqnCBsd6RMkjVDRZzb' });
		expect(readFileSync(path.join(outDir, 'demo-output/musetalk-session-generate.mp4')).equals(fixture('sample.mp4'))).toBe(true);
		expect(readFileSync(path.join(outDir, 'demo-output/musetalk-session-generate.mp3')).equals(fixture('sample.mp3'))).toBe(true);
	});
});
