import { NodeOperationError } from 'n8n-workflow';

import type { RequestContext } from './http';
import { cancellableSleep } from './http';

export interface PollOptions<T> {
	/** Fetches the current state once. */
	check: () => Promise<T>;
	/** True when waiting is over (success or a terminal failure: the caller decides which). */
	isDone: (state: T) => boolean;
	/** Words for the timeout message: "job 123 is still processing (progress 40%)". */
	describe: (state: T | undefined) => string;
	timeoutMs: number;
	intervalMs: number;
	/** Each wait grows by this factor up to maxIntervalMs (1 = fixed interval). */
	backoffFactor?: number;
	maxIntervalMs?: number;
	signal?: AbortSignal;
	itemIndex?: number;
	/** Called after each check (progress reporting, counting polls in tests). */
	onCheck?: (state: T) => void;
}

/**
 * Checks until done, with a deadline that is never overrun (the last wait is shortened to fit),
 * a growing interval, and an immediate stop when the signal fires.
 */
export async function pollUntil<T>(ctx: RequestContext, options: PollOptions<T>): Promise<T> {
	const deadline = Date.now() + options.timeoutMs;
	const factor = options.backoffFactor ?? 1;
	const maxInterval = options.maxIntervalMs ?? options.intervalMs;
	let interval = options.intervalMs;
	let last: T | undefined;
	for (;;) {
		last = await options.check();
		options.onCheck?.(last);
		if (options.isDone(last)) return last;
		const remaining = deadline - Date.now();
		if (remaining <= 0) {
			throw new NodeOperationError(
				ctx.getNode(),
				`Timed out after ${formatDuration(options.timeoutMs)}: ${options.describe(last)}`,
				{
					itemIndex: options.itemIndex,
					description: 'Raise the timeout, or let a webhook resume the workflow instead of waiting here.',
				},
			);
		}
		await cancellableSleep(ctx, Math.min(interval, remaining), options.signal, options.itemIndex);
		interval = Math.min(maxInterval, Math.round(interval * factor));
	}
}

export function formatDuration(ms: number): string {
	if (ms < 1000) return `${ms} ms`;
	const seconds = Math.round(ms / 1000);
	if (seconds < 120) return `${seconds} s`;
	const minutes = Math.round(seconds / 60);
	return minutes < 120 ? `${minutes} min` : `${(minutes / 60).toFixed(1)} h`;
}

/**
 * Client-side pacing: at most `perMinute` requests in any 60 s window, shared by every item of
 * one execution (a sliding window, so bursts up to the limit pass at once).
 */
export class RequestPacer {
	private readonly sent: number[] = [];

	constructor(
		private readonly ctx: RequestContext,
		private readonly perMinute: number,
		private readonly windowMs = 60_000,
	) {}

	async take(signal?: AbortSignal): Promise<void> {
		for (;;) {
			const now = Date.now();
			while (this.sent.length && now - this.sent[0] >= this.windowMs) this.sent.shift();
			if (this.sent.length < this.perMinute) {
				this.sent.push(now);
				return;
			}
			await cancellableSleep(this.ctx, this.sent[0] + this.windowMs - now + 1, signal);
		}
	}
}
