import type { IExecuteFunctions, NodeApiError } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { asNodeError } from '../../shared/errors';
import type { OperationContext } from '../../shared/router';

/** Where one item of a Submit and Wait run stands at MultiTalk. */
type ItemStage =
	| { stage: 'submitting' }
	| { stage: 'running'; jobId: string }
	| { stage: 'ended'; jobId: string; status: string }
	| { stage: 'done'; jobId: string };

/** Item indexes as short ranges: [5, 6, 7, 9] -> "5–7, 9". */
function ranges(indexes: number[]): string {
	const parts: string[] = [];
	for (let i = 0; i < indexes.length; i++) {
		let j = i;
		while (j + 1 < indexes.length && indexes[j + 1] === indexes[j] + 1) j++;
		parts.push(i === j ? String(indexes[i]) : `${indexes[i]}–${indexes[j]}`);
		i = j;
	}
	return parts.join(', ');
}

/**
 * What every item of a Submit and Wait run has done at MultiTalk, shared by the run's items.
 * When one item's error stops the run (no Continue On Fail), the others stop waiting, but the
 * jobs they submitted keep running at MultiTalk (and cost money) and later items are never
 * submitted. The error then says which: job ids to fetch or cancel, items to run again.
 */
export class BatchLedger {
	private readonly items = new Map<number, ItemStage>();
	private stopped = false;

	constructor(private readonly total: number) {}

	/** Before an item submits; refuses once the run is stopping (nothing new is started). */
	submitting(ctx: IExecuteFunctions, itemIndex: number): void {
		if (this.stopped) throw new NodeOperationError(ctx.getNode(), 'The run was stopped by another item’s error', { itemIndex });
		this.items.set(itemIndex, { stage: 'submitting' });
	}

	submitted(itemIndex: number, jobId: string): void {
		this.items.set(itemIndex, { stage: 'running', jobId });
	}

	/** The job ended (completed, failed or cancelled); its output is not handed over yet. */
	ended(itemIndex: number, jobId: string, status: string): void {
		this.items.set(itemIndex, { stage: 'ended', jobId, status });
	}

	done(itemIndex: number, jobId: string): void {
		this.items.set(itemIndex, { stage: 'done', jobId });
	}

	/**
	 * The error of `itemIndex` as it will stop the run: with what the run leaves behind at
	 * MultiTalk added to its description (and as `context.leftRunning` / `context.notSubmitted`).
	 * Only the first stopping error is annotated; under Continue On Fail nothing stops.
	 */
	stoppingError(ctx: IExecuteFunctions, error: unknown, itemIndex: number): NodeApiError | NodeOperationError {
		const failure = asNodeError(ctx.getNode(), error, itemIndex);
		if (this.stopped || ctx.continueOnFail()) return failure;
		this.stopped = true;
		const running: string[] = [];
		const unfetched: string[] = [];
		const inFlight: number[] = [];
		const notSubmitted: number[] = [];
		const leftRunning: Array<{ job_id: string; item: number }> = [];
		for (let item = 0; item < this.total; item++) {
			if (item === itemIndex) continue;
			const state = this.items.get(item);
			if (!state) notSubmitted.push(item);
			else if (state.stage === 'submitting') inFlight.push(item);
			else if (state.stage === 'running') {
				running.push(`${state.jobId} (item ${item})`);
				leftRunning.push({ job_id: state.jobId, item });
			} else if (state.stage === 'ended' && state.status === 'completed') unfetched.push(`${state.jobId} (item ${item})`);
		}
		if (running.length + unfetched.length + inFlight.length + notSubmitted.length === 0) return failure;

		const lines = ['The run stopped at this error, before the other items were finished (items counted from 0).'];
		if (running.length) {
			lines.push(
				`Still running at MultiTalk (not cancelled): ${running.length === 1 ? 'job' : 'jobs'} ${running.join(', ')}. Fetch their videos later with Wait for Job or stop them with Cancel Job.`,
			);
		}
		if (unfetched.length) {
			lines.push(`Completed but not downloaded: ${unfetched.length === 1 ? 'job' : 'jobs'} ${unfetched.join(', ')} (use Get Download URL).`);
		}
		if (inFlight.length) {
			lines.push(`Being submitted when the run stopped: item ${ranges(inFlight)}; check List Jobs for a job it may have started.`);
		}
		if (notSubmitted.length) {
			lines.push(`Never submitted: ${notSubmitted.length === 1 ? 'item' : 'items'} ${ranges(notSubmitted)} (${notSubmitted.length} of ${this.total}).`);
		}
		failure.description = `${failure.description ? `${failure.description} ` : ''}${lines.join(' ')}`;
		failure.context.leftRunning = leftRunning;
		failure.context.notSubmitted = notSubmitted;
		return failure;
	}
}

/** The run's ledger (one per execution of the node, shared by its items). */
export function batchLedgerFor(ctx: IExecuteFunctions, op: OperationContext): BatchLedger {
	let ledger = op.shared.get('batchLedger') as BatchLedger | undefined;
	if (!ledger) {
		ledger = new BatchLedger(ctx.getInputData().length);
		op.shared.set('batchLedger', ledger);
	}
	return ledger;
}
