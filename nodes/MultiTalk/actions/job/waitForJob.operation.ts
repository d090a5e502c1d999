import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { providerApiError } from '../../../shared/errors';
import type { OperationContext, OperationResult } from '../../../shared/router';
import { downloadJobVideo } from '../../helpers/download';
import { multiTalk } from '../../transport';
import type { WaitSettings } from '../common';
import type { InputValidator } from '../../../shared/validation';
import { DEFAULT_MAX_CONCURRENT_JOBS, itemsInParallel, jobIdField, linkRequest, readJobId, readWaitSettings, waitFields, watchJob, withItemsInParallel } from '../common';

export const description: INodeProperties[] = withItemsInParallel([jobIdField, ...waitFields], DEFAULT_MAX_CONCURRENT_JOBS, true);

export const concurrency = itemsInParallel(DEFAULT_MAX_CONCURRENT_JOBS, true);

/**
 * Waits until the job is completed, failed or cancelled (all items of the run are polled
 * together), then fails the item or returns the job, downloading the video when asked.
 */
export async function finishWaiting(
	ctx: IExecuteFunctions,
	op: OperationContext<unknown>,
	jobId: string,
	wait: WaitSettings,
	justSubmitted: boolean,
	/** Told when the job has ended, before any download. */
	onEnded?: (status: string) => void,
): Promise<INodeExecutionData> {
	const job = await watchJob(ctx, op, jobId, {
		timeoutMs: wait.timeoutMs,
		intervalMs: wait.intervalMs,
		firstCheckAfterMs: justSubmitted ? wait.intervalMs : 0,
	});
	const status = String(job.status);
	onEnded?.(status);
	if (status !== 'completed') {
		if (wait.onJobFailure === 'output') return { json: job };
		const reason = typeof job.error === 'string' && job.error ? job.error : 'no reason given';
		throw providerApiError(ctx.getNode(), {
			provider: multiTalk.name,
			failure: {
				message: `Job ${jobId} ${status === 'cancelled' ? 'was cancelled' : 'failed'}: ${reason}`,
				code: status === 'cancelled' ? 'job_cancelled' : 'job_failed',
			},
			hint: 'To pass failed jobs on as data instead, set "If the Job Fails" to "Return the Job as Output".',
			itemIndex: op.itemIndex,
		});
	}
	if (!wait.downloadVideo) return { json: job };
	const { link, binary } = await downloadJobVideo(ctx, linkRequest(ctx, op, jobId));
	const json: IDataObject = { ...job, download_url: link.download_url, expires_in: link.expires_in, s3_uri: link.s3_uri };
	return { json, binary: { [wait.binaryPropertyName]: binary } };
}

export function parse(this: IExecuteFunctions, itemIndex: number, v: InputValidator): { jobId: string; wait: WaitSettings } {
	return { jobId: v.pathId('Job ID', readJobId(this, itemIndex)), wait: readWaitSettings(this, itemIndex, v) };
}

export async function execute(this: IExecuteFunctions, op: OperationContext<{ jobId: string; wait: WaitSettings }>): Promise<OperationResult> {
	const { jobId, wait } = op.input;
	return await finishWaiting(this, op, jobId, wait, false);
}
