/**
 * The AvatarTalk video/streaming examples, run as a user would import them, against the
 * emulator: conventions, the requests they make, and real MP4 files written to disk.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { runWorkflow } from '../../../harness';
import type { WorkflowJson } from '../../../harness';
import { REPO_ROOT } from '../../../harness/types';
import { avatarTalkState } from '../../../emulator/providers/avatartalk';
import { fixture } from '../../../emulator/media';
import type { Emulator } from '../../../emulator/server';
import { expectFragmentedMp4, expectMp4 } from '../../../helpers/mp4';
import { credentialsFor, exampleStandIns, useAvatarTalkEmulator } from './helpers';

let emulator: Emulator;
let outDir: string;
const load = (name: string) =>
	JSON.parse(readFileSync(path.join(REPO_ROOT, 'examples', `${name}.json`), 'utf8')) as WorkflowJson & { id: string; name: string };
const EXAMPLES = ['avatartalk-streamed-to-disk', 'avatartalk-delayed-get-video', 'avatartalk-continuous-session'];

useAvatarTalkEmulator((e) => (emulator = e));
beforeAll(() => {
	outDir = mkdtempSync(path.join(tmpdir(), 'avatartalk-examples-'));
});
afterAll(() => {
	rmSync(outDir, { recursive: true, force: true });
});

const run = async (name: string) =>
	await runWorkflow(load(name), { credentials: credentialsFor(emulator), nodeTypes: exampleStandIns(outDir) });
const written = (name: string) => readFileSync(path.join(outDir, 'demo-output', `${name}.mp4`));

describe('AvatarTalk examples', () => {
	it.each(EXAMPLES)('%s follows the conventions', (name) => {
		const workflow = load(name);
		expect(workflow.id).toBe(`ex-${name}`);
		expect(workflow.name).toMatch(/^AvatarTalk: /);
		expect(workflow.nodes[0].type).toBe('n8n-nodes-base.manualTrigger');
		expect(workflow.nodes.some((n) => n.type === 'n8n-nodes-base.stickyNote')).toBe(true);
		const avatarTalkNodes = workflow.nodes.filter((n) => n.type === 'n8n-nodes-talking-avatars.avatarTalk');
		expect(avatarTalkNodes.length).toBeGreaterThan(0);
		for (const node of avatarTalkNodes) expect(node.credentials).toEqual({ avatarTalkApi: { id: 'cred-avatartalk', name: 'AvatarTalk account' } });
		const writer = workflow.nodes.find((n) => n.type === 'n8n-nodes-base.readWriteFile');
		expect(writer?.parameters).toMatchObject({ operation: 'write', fileName: `demo-output/${name}.mp4` });
	});

	it('streamed-to-disk: one streamed POST, the MP4 written to disk', async () => {
		const result = await run('avatartalk-streamed-to-disk');
		expect(result.error).toBeUndefined();
		expect(result.executedNodes).toEqual(['When clicking ‘Execute workflow’', 'Stream Video', 'Write Video']);
		const posts = emulator.requests({ method: 'POST', path: '/inference' });
		expect(posts.map((p) => p.query)).toEqual([{ stream: 'true' }]);
		const file = written('avatartalk-streamed-to-disk');
		expect(file.equals(fixture('sample.mp4'))).toBe(true);
		expectMp4(file);
	});

	it('delayed-get-video: nothing generated until Get Video, then the MP4 written', async () => {
		const result = await run('avatartalk-delayed-get-video');
		expect(result.error).toBeUndefined();
		const [created] = result.json('Create Delayed Video');
		expect(created.status).toBe('delayed');
		expect(emulator.requests().map((r) => `${r.method} ${r.path}`)).toEqual([
			'POST /inference',
			`GET /inference/${created.id}/video.mp4`,
		]);
		expect(avatarTalkState(emulator).inferences.get(String(created.id))?.credits_consumed).toBe(2);
		expectMp4(written('avatartalk-delayed-get-video'));
	});

	it('continuous-session: four chunks, one session, one fMP4 written', async () => {
		const result = await run('avatartalk-continuous-session');
		expect(result.error).toBeUndefined();
		expect(result.items('One Item per Chunk')).toHaveLength(4);
		const out = result.items('Continuous Session');
		expect(out).toHaveLength(1);
		expect(out[0].pairedItem).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }, { item: 3 }]);
		expect(emulator.requests({ path: '/ws/continuous' })).toHaveLength(1);
		const session = avatarTalkState(emulator).continuousSessions.at(-1);
		expect(session?.received.filter((m) => m.type === 'text_append')).toHaveLength(4);
		expect(session?.received.map((m) => m.type)).toContain('text_stream_done');
		const info = expectFragmentedMp4(written('avatartalk-continuous-session'));
		expect(info.fragments).toBe(session?.fragmentsSent);
	});
});
