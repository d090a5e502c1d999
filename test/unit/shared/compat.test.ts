/**
 * The fallbacks of nodes/shared/compat.ts against what older n8n versions export:
 * - n8n-workflow < 2.36: `sleep(ms)` ignores an abort signal (stood in by a `sleep` that only
 *   waits): `abortableSleep` must still stop at once.
 * - n8n-workflow < 1.83: no `NodeConnectionTypes` export: every node must still load.
 */
jest.mock('n8n-workflow', () => {
	const actual = jest.requireActual('n8n-workflow');
	const rest = { ...actual };
	delete rest.NodeConnectionTypes;
	return {
		...rest,
		// n8n-workflow 1.x / 2.0-2.35: `sleep(ms)`, the signal ignored
		sleep: jest.fn(async (ms: number) => await new Promise<void>((resolve) => setTimeout(resolve, ms))),
	};
});

import * as workflow from 'n8n-workflow';

import { MAIN_CONNECTION, abortableSleep, hasWebSocket } from '../../../nodes/shared/compat';

const NODE_FILES = [
	'../../../nodes/AvatarTalk/AvatarTalk.node',
	'../../../nodes/MultiTalk/MultiTalk.node',
	'../../../nodes/MultiTalk/MultiTalkTrigger.node',
	'../../../nodes/MuseTalk/MuseTalk.node',
	'../../../nodes/LiveTalking/LiveTalking.node',
	'../../../nodes/AvaTar/AvaTar.node',
];

describe('loading on an n8n-workflow without NodeConnectionTypes (n8n < 1.85)', () => {
	it('the stand-in really lacks it', () => {
		expect((workflow as Record<string, unknown>).NodeConnectionTypes).toBeUndefined();
	});

	it.each(NODE_FILES)('%s loads and declares main connections', (file) => {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const exports = require(file) as Record<string, new () => { description: { inputs: unknown; outputs: unknown } }>;
		const [NodeClass] = Object.values(exports);
		const { description } = new NodeClass();
		expect(description.outputs).toEqual(['main']);
		if (!file.endsWith('Trigger.node')) expect(description.inputs).toEqual(['main']);
	});

	it('MAIN_CONNECTION is the value NodeConnectionTypes.Main has where it exists', () => {
		expect(MAIN_CONNECTION).toBe(jest.requireActual('n8n-workflow').NodeConnectionTypes.Main);
	});
});

describe('abortableSleep on an n8n whose sleep ignores the signal', () => {
	beforeEach(() => {
		jest.useFakeTimers();
		(workflow.sleep as jest.Mock).mockClear();
	});
	afterEach(() => jest.useRealTimers());

	const settled = (promise: Promise<void>) => {
		const state = { done: false, error: undefined as unknown };
		promise.then(
			() => (state.done = true),
			(error: unknown) => {
				state.done = true;
				state.error = error;
			},
		);
		return state;
	};
	const flush = async () => {
		for (let i = 0; i < 10; i++) await Promise.resolve();
	};

	it('an abort during a 120 s wait ends it at once, with the signal reason', async () => {
		const controller = new AbortController();
		const state = settled(abortableSleep(120_000, controller.signal));
		await jest.advanceTimersByTimeAsync(100);
		expect(state.done).toBe(false);
		controller.abort(new Error('stopped by the user'));
		await flush(); // no timer advanced: only the abort can end it
		expect(state).toEqual({ done: true, error: new Error('stopped by the user') });
	});

	it('leaves no timer longer than 1 s behind after an abort', async () => {
		const controller = new AbortController();
		const state = settled(abortableSleep(120_000, controller.signal));
		await jest.advanceTimersByTimeAsync(100);
		controller.abort();
		await flush();
		expect(state.done).toBe(true);
		await jest.advanceTimersByTimeAsync(1000);
		expect(jest.getTimerCount()).toBe(0);
	});

	it('an already aborted signal rejects before sleeping', async () => {
		const controller = new AbortController();
		controller.abort(new Error('gone'));
		await expect(abortableSleep(5000, controller.signal)).rejects.toThrow('gone');
		expect(jest.getTimerCount()).toBe(0);
	});

	it('without an abort it waits the whole time, in slices', async () => {
		const state = settled(abortableSleep(2500, new AbortController().signal));
		await jest.advanceTimersByTimeAsync(2499);
		expect(state.done).toBe(false);
		await jest.advanceTimersByTimeAsync(1);
		expect(state).toEqual({ done: true, error: undefined });
		expect((workflow.sleep as jest.Mock).mock.calls.map(([ms]) => ms)).toEqual([1000, 1000, 500]);
	});
});

it('hasWebSocket reflects the global', () => {
	expect(hasWebSocket()).toBe(true);
	const real = globalThis.WebSocket;
	delete (globalThis as { WebSocket?: unknown }).WebSocket;
	try {
		expect(hasWebSocket()).toBe(false);
	} finally {
		globalThis.WebSocket = real;
	}
});
