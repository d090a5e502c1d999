import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../../shared/router';
import { buildGenerateBody } from '../../helpers/submitBody';
import { maxConcurrentJobs, maxConcurrentJobsField, mtRequest, prevalidated } from '../common';
import { readSubmitParameters, submitFields } from './submitFields';

export const description: INodeProperties[] = [...submitFields, maxConcurrentJobsField];

export const concurrency = maxConcurrentJobs;

/**
 * POST /generate: starts one video job and returns its job_id at once. Submitting starts paid
 * work, so it is never repeated blindly: only a 429/503 or a refused connection (nothing was
 * started) is retried.
 */
export async function submitJob(ctx: IExecuteFunctions, op: OperationContext, body: IDataObject): Promise<IDataObject> {
	const response = await mtRequest<IDataObject>(ctx, op, { method: 'POST', url: '/generate', body, idempotent: false });
	return response.body;
}

export async function execute(this: IExecuteFunctions, op: OperationContext): Promise<OperationResult> {
	const body = prevalidated(this, op, (itemIndex, v) => buildGenerateBody(readSubmitParameters(this, itemIndex), v));
	return { json: await submitJob(this, op, body) };
}
