import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { abortableSleep } from '../../shared/compat';
import type { ApiRequest, ApiResponse, RequestLimits } from '../../shared/http';
import { formatDuration } from '../../shared/polling';
import { cancelledError } from '../../shared/errors';

export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);

/** Ask for the whole list once at least this many jobs are due in the same round. */
const LIST_THRESHOLD = 2;
/** The API's largest page. */
const LIST_LIMIT = 100;
/** Waiters due within this much of each other are checked in the same round. */
const COALESCE_MS = 25;

export interface WatchOptions {
	itemIndex: number;
	timeoutMs: number;
	intervalMs: number;
	/** Wait this long before the first check (just after a submit nothing has happened yet). */
	firstCheckAfterMs?: number;
	limits?: Partial<RequestLimits>;
}

interface Waiter extends WatchOptions {
	jobId: string;
	deadline: number;
	nextCheck: number;
	last?: IDataObject;
	resolve: (job: IDataObject) => void;
	reject: (error: unknown) => void;
}

type Send = (request: ApiRequest) => Promise<ApiResponse<IDataObject>>;

/**
 * Waits for many MultiTalk jobs of one run together. Instead of every item polling its own job
 * (N requests per round), each round sends one `GET /jobs?limit=100` and reads every waiting job's
 * status from it; only jobs that reached an end state (to read their result or error) and jobs
 * the list no longer shows (more than 100 newer jobs) are fetched one by one with
 * `GET /jobs/{id}`. A single due job is simply fetched. So a batch of 10 jobs polled every 10 s
 * costs ~6 requests per minute instead of ~60, well inside the documented 100 per minute.
 *
 * Every job keeps its own deadline (never overrun: the last wait is shortened to fit) and
 * interval, and the run's cancel signal stops every wait at once.
 */
export class JobWatcher {
	private readonly waiters = new Set<Waiter>();
	private running = false;
	private wake: AbortController | undefined;

	constructor(
		private readonly ctx: IExecuteFunctions,
		private readonly signal: AbortSignal,
		private readonly send: Send,
	) {}

	/** Resolves with the job's `GET /jobs/{id}` body once it is completed, failed or cancelled. */
	async wait(jobId: string, options: WatchOptions): Promise<IDataObject> {
		this.throwIfCancelled(options.itemIndex);
		return await new Promise<IDataObject>((resolve, reject) => {
			const now = Date.now();
			const deadline = now + options.timeoutMs;
			this.waiters.add({
				...options,
				jobId,
				deadline,
				nextCheck: Math.min(now + (options.firstCheckAfterMs ?? 0), deadline),
				resolve,
				reject,
			});
			this.wake?.abort();
			if (!this.running) {
				// Start on the next microtask: the other items of the batch register in the same
				// tick, so the very first round already checks them together.
				this.running = true;
				void Promise.resolve().then(async () => await this.loop());
			}
		});
	}

	/** How many jobs are being waited for right now. */
	get size(): number {
		return this.waiters.size;
	}

	private throwIfCancelled(itemIndex: number) {
		if (this.signal.aborted) {
			throw cancelledError(this.ctx.getNode(), itemIndex);
		}
	}

	private settle(waiter: Waiter, outcome: { job: IDataObject } | { error: unknown }) {
		this.waiters.delete(waiter);
		if ('job' in outcome) waiter.resolve(outcome.job);
		else waiter.reject(outcome.error);
	}

	private async loop(): Promise<void> {
		try {
			while (this.waiters.size) {
				if (this.signal.aborted) {
					for (const waiter of [...this.waiters]) {
						this.settle(waiter, {
							error: cancelledError(this.ctx.getNode(), waiter.itemIndex),
						});
					}
					return;
				}
				const next = Math.min(...[...this.waiters].map((w) => w.nextCheck));
				const wait = next - Date.now();
				if (wait > 0) {
					await this.nap(wait);
					continue;
				}
				const horizon = Date.now() + COALESCE_MS;
				const due = [...this.waiters].filter((w) => w.nextCheck <= horizon);
				await this.round(due);
			}
		} catch (error) {
			for (const waiter of [...this.waiters]) this.settle(waiter, { error });
		} finally {
			this.running = false;
		}
	}

	/** Sleeps, waking early when a new job joins or the run is cancelled. */
	private async nap(ms: number): Promise<void> {
		const wake = new AbortController();
		this.wake = wake;
		try {
			await abortableSleep(ms, AbortSignal.any([this.signal, wake.signal]));
		} catch {
			// woken early: the loop looks again
		} finally {
			if (this.wake === wake) this.wake = undefined;
		}
	}

	private async round(due: Waiter[]): Promise<void> {
		let listed: Map<string, IDataObject> | undefined;
		if (due.length >= LIST_THRESHOLD) {
			try {
				const response = await this.send({
					method: 'GET',
					url: '/jobs',
					qs: { limit: LIST_LIMIT },
					itemIndex: due[0].itemIndex,
					limits: due[0].limits,
				});
				const jobs = Array.isArray(response.body.jobs) ? (response.body.jobs as IDataObject[]) : [];
				listed = new Map(jobs.map((job) => [String(job.job_id), job]));
			} catch {
				// fall back to one request per job this round (after a cancel, each of those
				// stops at once with the cancellation)
				listed = undefined;
			}
		}
		const fetchOne: Waiter[] = [];
		for (const waiter of due) {
			const summary = listed?.get(waiter.jobId);
			if (summary && !TERMINAL_STATUSES.has(String(summary.status))) {
				waiter.last = { ...waiter.last, ...summary };
				this.reschedule(waiter);
			} else {
				fetchOne.push(waiter);
			}
		}
		await Promise.all(
			fetchOne.map(async (waiter) => {
				try {
					const response = await this.send({
						method: 'GET',
						url: `/jobs/${encodeURIComponent(waiter.jobId)}`,
						itemIndex: waiter.itemIndex,
						limits: waiter.limits,
						hint: (status) => (status === 404 ? `Check the Job ID "${waiter.jobId}": MultiTalk does not know it.` : undefined),
					});
					waiter.last = response.body;
					if (TERMINAL_STATUSES.has(String(response.body.status))) this.settle(waiter, { job: response.body });
					else this.reschedule(waiter);
				} catch (error) {
					this.settle(waiter, { error });
				}
			}),
		);
	}

	private reschedule(waiter: Waiter): void {
		const now = Date.now();
		const remaining = waiter.deadline - now;
		if (remaining <= 0) {
			const status = String(waiter.last?.status ?? 'unknown');
			const progress = waiter.last?.progress !== undefined ? ` (progress ${String(waiter.last.progress)}%)` : '';
			this.settle(waiter, {
				error: new NodeOperationError(
					this.ctx.getNode(),
					`Timed out after ${formatDuration(waiter.timeoutMs)}: job ${waiter.jobId} is still ${status}${progress}`,
					{
						itemIndex: waiter.itemIndex,
						description:
							'The job keeps running at MultiTalk. Raise "Timeout (Minutes)", fetch it later with Wait for Job, or let a webhook resume the workflow instead of waiting here.',
					},
				),
			});
			return;
		}
		waiter.nextCheck = now + Math.min(waiter.intervalMs, remaining);
	}
}
