import type { INode, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { RequestPacer, formatDuration, pollUntil } from '../../../nodes/shared/polling';

const node = { id: '1', name: 'Poller', type: 't', typeVersion: 1, position: [0, 0], parameters: {} } as INode;
const ctx = { getNode: () => node } as unknown as IExecuteFunctions;

describe('pollUntil', () => {
	it('checks until done, waiting the interval (growing with backoff) between checks', async () => {
		const at: number[] = [];
		let n = 0;
		const started = Date.now();
		const result = await pollUntil(ctx, {
			check: async () => {
				at.push(Date.now() - started);
				return ++n;
			},
			isDone: (v) => v === 4,
			describe: (v) => `at ${v}`,
			timeoutMs: 10_000,
			intervalMs: 100,
			backoffFactor: 3,
			maxIntervalMs: 150,
		});
		expect(result).toBe(4);
		// Uncapped the waits would be 100, 300, 900 ms; capped they are 100, 150, 150.
		const gaps = at.slice(1).map((t, i) => t - at[i]);
		expect(gaps[0]).toBeGreaterThanOrEqual(95);
		expect(gaps[1]).toBeGreaterThanOrEqual(145);
		expect(gaps[2]).toBeGreaterThanOrEqual(145);
		expect(gaps[2]).toBeLessThan(600);
	});

	it('never overruns its deadline and says what it was waiting for', async () => {
		const started = Date.now();
		const error = await pollUntil(ctx, {
			check: async () => 'processing',
			isDone: () => false,
			describe: (v) => `job 7 is still ${v}`,
			timeoutMs: 1000,
			intervalMs: 700,
			itemIndex: 2,
		}).catch((e: unknown) => e);
		const elapsed = Date.now() - started;
		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as NodeOperationError).message).toBe('Timed out after 1 s: job 7 is still processing');
		expect((error as NodeOperationError).context.itemIndex).toBe(2);
		// Checks at 0 and 700 ms, then the last wait shrinks to 300 ms; a full wait would end at 1400.
		expect(elapsed).toBeGreaterThanOrEqual(995);
		expect(elapsed).toBeLessThan(1350);
	});

	it('stops at once when the signal fires', async () => {
		const controller = new AbortController();
		setTimeout(() => controller.abort(), 100);
		const started = Date.now();
		const error = await pollUntil(ctx, {
			check: async () => 0,
			isDone: () => false,
			describe: () => '',
			timeoutMs: 60_000,
			intervalMs: 10_000,
			signal: controller.signal,
		}).catch((e: unknown) => e);
		expect((error as Error).message).toBe('The execution was cancelled');
		expect(Date.now() - started).toBeLessThan(1000);
	});
});

describe('RequestPacer', () => {
	it('lets a burst up to the limit through, then spaces the rest by the window', async () => {
		const pacer = new RequestPacer(ctx, 3, 1000);
		const started = Date.now();
		const times: number[] = [];
		for (let i = 0; i < 5; i++) {
			await pacer.take();
			times.push(Date.now() - started);
		}
		expect(times.slice(0, 3).every((t) => t < 500)).toBe(true);
		expect(times[3]).toBeGreaterThanOrEqual(990);
		expect(times[4]).toBeGreaterThanOrEqual(990);
	});

	it('is shared: concurrent takers together stay under the limit', async () => {
		const pacer = new RequestPacer(ctx, 4, 1000);
		const started = Date.now();
		const times = await Promise.all(Array.from({ length: 8 }, async () => {
			await pacer.take();
			return Date.now() - started;
		}));
		times.sort((a, b) => a - b);
		expect(times.filter((t) => t < 990)).toHaveLength(4);
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
