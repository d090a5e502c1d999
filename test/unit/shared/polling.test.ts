/**
 * pollUntil and RequestPacer on a fake clock (test/helpers/fakeClock.ts): every wait is exact,
 * and a loaded machine cannot make a gap look longer or shorter than it is.
 */
import type { INode, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { RequestPacer, formatDuration, pollUntil } from '../../../nodes/shared/polling';
import { advance, fakeElapsed, runToEnd, useFakeClock, useRealClock } from '../../helpers/fakeClock';

const node = { id: '1', name: 'Poller', type: 't', typeVersion: 1, position: [0, 0], parameters: {} } as INode;
const ctx = { getNode: () => node } as unknown as IExecuteFunctions;

beforeEach(() => useFakeClock());
afterEach(() => useRealClock());

describe('pollUntil', () => {
	it('checks until done, waiting the interval (growing with backoff, capped) between checks', async () => {
		const at: number[] = [];
		let n = 0;
		const result = await runToEnd(
			pollUntil(ctx, {
				check: async () => {
					at.push(fakeElapsed());
					return ++n;
				},
				isDone: (v) => v === 5,
				describe: (v) => `at ${v}`,
				timeoutMs: 10_000,
				intervalMs: 100,
				backoffFactor: 2,
				maxIntervalMs: 350,
			}),
		);
		expect(result).toBe(5);
		// Uncapped the waits would be 100, 200, 400, 800 ms; capped at 350 they are 100, 200, 350, 350.
		expect(at).toEqual([0, 100, 300, 650, 1000]);
	});

	it('never overruns its deadline and says what it was waiting for', async () => {
		const at: number[] = [];
		const error = await runToEnd(
			pollUntil(ctx, {
				check: async () => {
					at.push(fakeElapsed());
					return 'processing';
				},
				isDone: () => false,
				describe: (v) => `job 7 is still ${v}`,
				timeoutMs: 1000,
				intervalMs: 700,
				itemIndex: 2,
			}).catch((e: unknown) => e),
		);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as NodeOperationError).message).toBe('Timed out after 1 s: job 7 is still processing');
		expect((error as NodeOperationError).context.itemIndex).toBe(2);
		// Checks at 0 and 700 ms, then the last wait shrinks to 300 ms (a full one would end at 1400).
		expect(at).toEqual([0, 700, 1000]);
		expect(fakeElapsed()).toBe(1000);
	});

	it('stops at once when the signal fires, mid-wait', async () => {
		const controller = new AbortController();
		let checks = 0;
		let outcome: unknown;
		const polling = pollUntil(ctx, {
			check: async () => ++checks,
			isDone: () => false,
			describe: () => '',
			timeoutMs: 60_000,
			intervalMs: 10_000,
			signal: controller.signal,
		}).then(
			() => 'resolved',
			(e: unknown) => (outcome = e),
		);
		await advance(100);
		expect(checks).toBe(1);
		expect(outcome).toBeUndefined();
		controller.abort();
		await advance(0); // no timer needs to fire for the cancel to arrive
		await polling;
		expect((outcome as Error).message).toBe('The execution was cancelled');
		expect(fakeElapsed()).toBe(100);
		expect(checks).toBe(1);
	});
});

describe('RequestPacer', () => {
	it('lets a burst up to the limit through, then spaces the rest by the window', async () => {
		const pacer = new RequestPacer(ctx, 3, 1000);
		const times: number[] = [];
		await runToEnd(
			(async () => {
				for (let i = 0; i < 5; i++) {
					await pacer.take();
					times.push(fakeElapsed());
				}
			})(),
		);
		// three at once; the 4th when the 1st leaves the window (+1 ms), the 5th with it
		expect(times).toEqual([0, 0, 0, 1001, 1001]);
	});

	it('is shared: concurrent takers together stay under the limit in every window', async () => {
		const pacer = new RequestPacer(ctx, 4, 1000);
		const times = await runToEnd(
			Promise.all(
				Array.from({ length: 10 }, async () => {
					await pacer.take();
					return fakeElapsed();
				}),
			),
		);
		times.sort((a, b) => a - b);
		expect(times.filter((t) => t === 0)).toHaveLength(4);
		for (const t of times) expect(times.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(4);
		expect(times[9]).toBeLessThan(3000);
	});

	it('a cancel stops a waiting taker at once', async () => {
		const pacer = new RequestPacer(ctx, 1, 60_000);
		await pacer.take();
		const controller = new AbortController();
		let outcome: unknown;
		const waiting = pacer.take(controller.signal).catch((e: unknown) => (outcome = e));
		await advance(5000);
		expect(outcome).toBeUndefined();
		controller.abort();
		await advance(0);
		await waiting;
		expect((outcome as Error).message).toBe('The execution was cancelled');
		expect(fakeElapsed()).toBe(5000);
	});
});

describe('formatDuration', () => {
	it('reads naturally', () => {
		expect(formatDuration(250)).toBe('250 ms');
		expect(formatDuration(90_000)).toBe('90 s');
		expect(formatDuration(10 * 60_000)).toBe('10 min');
		expect(formatDuration(3 * 3600_000)).toBe('3.0 h');
	});
});
