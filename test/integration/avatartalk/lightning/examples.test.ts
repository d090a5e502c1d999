/**
 * examples/avatartalk-lightning-pay-per-video.json and examples/avatartalk-livekit-session.json,
 * run as a user would import them, against the emulator (the fixed emulator URLs, the pay step's
 * and the pay-per-video steps' Server URL, are pointed at this test's emulator).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { TokenVerifier } from 'livekit-server-sdk';

import { decodeBolt11 } from '../../../../nodes/AvatarTalk/bolt11';
import { fixture } from '../../../emulator/media';
import { lightningState } from '../../../emulator/providers/avatartalkLightning';
import type { Emulator } from '../../../emulator/server';
import { runWorkflow } from '../../../harness';
import type { WorkflowJson } from '../../../harness';
import { REPO_ROOT } from '../../../harness/types';
import { retargetEmulatorUrls } from '../../../e2e/exampleRunner';
import { useEmulator } from '../../../helpers/emulatorSetup';
import { PUBLIC_LIGHTNING_OPERATIONS } from '../../../helpers/workflows';
import { expectMp4 } from '../../../helpers/mp4';
import { bodyOf, credentialsFor, httpRequestStandIn, readWriteFileStandIn, startLightningEmulator } from './helpers';

type Example = WorkflowJson & { id: string; name: string };
const load = (name: string) => JSON.parse(readFileSync(path.join(REPO_ROOT, 'examples', `${name}.json`), 'utf8')) as Example;

let emulator: Emulator;
let outDir: string;

useEmulator(startLightningEmulator, (e) => (emulator = e));
beforeAll(() => {
	outDir = mkdtempSync(path.join(tmpdir(), 'avatartalk-lightning-example-'));
});
afterAll(() => {
	rmSync(outDir, { recursive: true, force: true });
});

function checkConventions(workflow: Example, id: string) {
	expect(workflow.id).toBe(id);
	expect(workflow.name).toMatch(/^AvatarTalk: /);
	expect(workflow.nodes[0].type).toBe('n8n-nodes-base.manualTrigger');
	expect(workflow.nodes.filter((n) => n.type === 'n8n-nodes-base.stickyNote').length).toBeGreaterThanOrEqual(1);
	for (const node of workflow.nodes.filter((n) => n.type === 'n8n-nodes-talking-avatars.avatarTalk')) {
		if (node.parameters.resource === 'lightning' && PUBLIC_LIGHTNING_OPERATIONS.includes(String(node.parameters.operation))) {
			// pay-per-video shows no credential: none saved, the server is the emulator's fixed origin
			expect({ node: node.name, credentials: node.credentials }).toEqual({ node: node.name, credentials: undefined });
			expect({ node: node.name, options: node.parameters.options }).toMatchObject({ node: node.name, options: { serverUrl: 'http://127.0.0.1:18600' } });
			continue;
		}
		expect(node.credentials?.avatarTalkApi).toEqual({ id: 'cred-avatartalk', name: 'AvatarTalk account' });
		if (node.credentials?.liveKitApi) expect(node.credentials.liveKitApi).toEqual({ id: 'cred-livekit', name: 'LiveKit account' });
	}
}

describe('example: avatartalk-lightning-pay-per-video', () => {
	const workflow = load('avatartalk-lightning-pay-per-video');

	it('follows the conventions; the pay step is labelled emulator-only with a note on real wallets', () => {
		checkConventions(workflow, 'ex-avatartalk-lightning');
		const pay = workflow.nodes.find((n) => n.type === 'n8n-nodes-base.httpRequest');
		expect(pay?.name).toBe('Pay invoice (emulator only)');
		expect(pay?.parameters.url).toBe('http://127.0.0.1:18600/__emulator/lightning/pay');
		const notes = workflow.nodes.filter((n) => n.type === 'n8n-nodes-base.stickyNote').map((n) => String(n.parameters.content));
		expect(notes.some((c) => /emulator only/i.test(c) && /real wallet/i.test(c) && /pay the invoice yourself/i.test(c))).toBe(true);
		const write = workflow.nodes.find((n) => n.type === 'n8n-nodes-base.readWriteFile');
		expect(write?.parameters).toMatchObject({ operation: 'write', fileName: 'demo-output/avatartalk-lightning-pay-per-video.mp4' });
	});

	it('requests, pays through the emulator, waits for payment, generates and writes a real MP4', async () => {
		const runnable = retargetEmulatorUrls(structuredClone(workflow), emulator);
		expect(runnable.nodes.find((n) => n.name === 'Pay invoice (emulator only)')?.parameters.url).toBe(`${emulator.urls.avatarTalk}/__emulator/lightning/pay`);
		const result = await runWorkflow(runnable, {
			credentials: credentialsFor(emulator),
			nodeTypes: { 'n8n-nodes-base.httpRequest': httpRequestStandIn, 'n8n-nodes-base.readWriteFile': readWriteFileStandIn(outDir) },
		});
		expect(result.error).toBeUndefined();
		expect(result.status).toBe('success');
		expect(result.executedNodes).toEqual([
			'When clicking ‘Execute workflow’',
			'Request Video',
			'Pay invoice (emulator only)',
			'Wait for Payment',
			'Generate Video',
			'Write Video',
		]);
		const invoice = result.json('Request Video')[0].bolt11_invoice as string;
		expect(decodeBolt11(invoice).amountMsat).toBe(BigInt(result.json('Request Video')[0].amount as number) * 1000n);
		expect(result.json('Wait for Payment')[0]).toMatchObject({ invoice, status: 'paid' });
		const log = emulator.requests({ service: 'avatarTalk' }).map((r) => `${r.method} ${r.path}`);
		expect(log[0]).toBe('POST /lightning/request-video/text');
		expect(log).toContain(`GET /lightning/payment/${invoice}`);
		expect(log.at(-1)).toBe('POST /lightning/generate-video');
		const generate = emulator.requests({ service: 'avatarTalk', path: '/lightning/generate-video' })[0];
		expect(bodyOf(generate)).toEqual({ bolt11_invoice: invoice, avatar: 'european_woman', emotion: 'happy', language: 'en' });
		expect(lightningState(emulator).payments.get(invoice)?.status).toBe('paid');
		const written = readFileSync(path.join(outDir, 'demo-output/avatartalk-lightning-pay-per-video.mp4'));
		expectMp4(written);
		expect(written.equals(fixture('sample.mp4'))).toBe(true);
	});
});

describe('example: avatartalk-livekit-session', () => {
	const workflow = load('avatartalk-livekit-session');

	it('follows the conventions', () => {
		checkConventions(workflow, 'ex-avatartalk-livekit-session');
		expect(workflow.nodes.find((n) => n.name === 'Create LiveKit Session')?.credentials?.liveKitApi).toBeDefined();
	});

	it('creates a session with tokens signed from the LiveKit credential, then deletes it', async () => {
		const result = await runWorkflow(workflow, { credentials: credentialsFor(emulator) });
		expect(result.error).toBeUndefined();
		expect(result.executedNodes).toEqual(['When clicking ‘Execute workflow’', 'Create LiveKit Session', 'Delete LiveKit Session']);
		const taskId = result.json('Create LiveKit Session')[0].task_id as string;
		expect(result.json('Delete LiveKit Session')[0]).toEqual({ task_id: taskId, deleted: true, status: `Task ${taskId} deleted successfully` });
		const [create, remove] = emulator.requests({ service: 'avatarTalk' });
		const body = bodyOf(create) as Record<string, string>;
		expect(body).toMatchObject({ room_name: 'n8n-demo-room', livekit_url: emulator.urls.liveKit, avatar: 'european_woman', emotion: 'happy' });
		const claims = await new TokenVerifier(emulator.keys.liveKitKey, emulator.keys.liveKitSecret).verify(body.room_token);
		expect(claims.video).toMatchObject({ room: 'n8n-demo-room', roomJoin: true, canPublish: true });
		expect(`${remove.method} ${remove.path}`).toBe(`DELETE /livekit/delete-session/${taskId}`);
		expect(lightningState(emulator).deletedSessions.map((s) => s.task_id)).toContain(taskId);
	});
});
