/**
 * AvaTar · Realtime → Send Control Event in real n8n (issue #12, defect 4): the server greets
 * every connection (`status` idle "Connected to avatar stream", then a frame) before it reads
 * anything. The node's output must be the answer to its event, not that greeting, with the
 * parameters as the editor saves them (defaults left out: "Next Status Update" for the first,
 * "Avatar Is Idle Again" chosen for the second).
 *
 * Manual Trigger → New Session → Start Listening (default wait) → Stop Listening (idle again),
 * against the emulator running in this process, in one `n8n execute`.
 */
import type { INode } from 'n8n-workflow';

import { emulatorCredentials } from './exampleRunner';
import type { N8nHome, WorkflowFixture } from './n8nRunner';
import { executeWorkflow } from './n8nRunner';
import { useN8nHome } from './n8nHome';
import { avaTarState } from '../emulator/providers/avatar';
import type { Emulator } from '../emulator/server';

// The first run on a machine provisions n8n (~8 min) inside beforeAll.
jest.setTimeout(20 * 60_000);

const TRIGGER = 'When clicking ‘Execute workflow’';
const credentials = { avaTarApi: { id: 'cred-avatar', name: 'AvaTar account' } };

function avaTarNode(name: string, x: number, parameters: INode['parameters']): INode {
	return { id: name, name, type: 'n8n-nodes-talking-avatars.avaTar', typeVersion: 1, position: [x, 0], parameters, credentials };
}

const workflow: WorkflowFixture = {
	id: 'avaTarRealtime01',
	name: 'AvaTar realtime: control events answer, not greeting',
	nodes: [
		{ id: 't', name: TRIGGER, type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
		avaTarNode('New Session', 220, { resource: 'session', operation: 'create' }),
		avaTarNode('Start Listening', 440, { resource: 'realtime', operation: 'sendEvent', sessionId: '={{ $json.session_id }}', event: 'start_listening' }),
		avaTarNode('Stop Listening', 660, {
			resource: 'realtime',
			operation: 'sendEvent',
			sessionId: "={{ $('New Session').item.json.session_id }}",
			event: 'stop_listening',
			waitUntil: 'idle',
			timeLimitSeconds: 20,
		}),
	],
	connections: {
		[TRIGGER]: { main: [[{ node: 'New Session', type: 'main', index: 0 }]] },
		'New Session': { main: [[{ node: 'Start Listening', type: 'main', index: 0 }]] },
		'Start Listening': { main: [[{ node: 'Stop Listening', type: 'main', index: 0 }]] },
	},
};

let emulator: Emulator;
let home: N8nHome | undefined;

useN8nHome({
	onEmulator: (e) => (emulator = e),
	home: () => ({
		credentials: emulatorCredentials(emulator).filter((c) => c.type === 'avaTarApi'),
		workflows: [workflow],
	}),
	onHome: (h) => (home = h),
});

it('Send Control Event outputs the answer to its event, not the greeting sent on connect', async () => {
	const result = await executeWorkflow(home!, workflow.id);
	expect(result.error).toBeUndefined();
	expect(result.status).toBe('success');

	const sessionId = result.json('New Session')[0].session_id as string;
	const greeting = { status: 'idle', message: 'Connected to avatar stream' };

	// Next Status Update (the default): the answer is "listening"
	const [listen] = result.items('Start Listening');
	expect(listen.pairedItem).toEqual({ item: 0 });
	expect(listen.json).toMatchObject({
		session_id: sessionId,
		sent: { event: 'start_listening' },
		endReason: 'status',
		statuses: [{ status: 'listening', message: 'Avatar is now listening...' }],
		lastStatus: 'listening',
		greeting,
		frames: { received: 0, kept: [] },
		events: 1,
	});
	expect(listen.binary).toBeUndefined();

	// Avatar Is Idle Again: ends at the answer's idle; the greeting (which reports the avatar
	// still listening) is apart
	const [stop] = result.items('Stop Listening');
	expect(stop.json).toMatchObject({
		endReason: 'idle',
		statuses: [{ status: 'idle', message: 'Avatar stopped listening' }],
		lastStatus: 'idle',
		greeting: { status: 'listening', message: 'Connected to avatar stream' },
		frames: { received: 0, kept: [] },
	});

	// What the server received on the two sockets: exactly the two events
	expect(avaTarState(emulator).wsLog.map((entry) => [entry.sessionId, entry.type])).toEqual([
		[sessionId, 'start_listening'],
		[sessionId, 'stop_listening'],
	]);
	expect(emulator.requests({ service: 'avaTarWs' }).map((r) => r.path)).toEqual([`/ws/${sessionId}`, `/ws/${sessionId}`]);
});
