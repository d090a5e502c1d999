import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../../shared/router';
import { buildGenerateBody } from '../../helpers/submitBody';
import type { InputValidator } from '../../../shared/validation';
import { multiTalk } from '../../transport';
import { DEFAULT_MAX_CONCURRENT_JOBS, itemsInParallel, withItemsInParallel } from '../common';
import { readSubmitParameters, submitFields } from './submitFields';

export const description: INodeProperties[] = withItemsInParallel(submitFields, DEFAULT_MAX_CONCURRENT_JOBS, true);

export const concurrency = itemsInParallel(DEFAULT_MAX_CONCURRENT_JOBS, true);

/**
 * POST /generate: starts one video job and returns its job_id at once. Submitting starts paid
 * work, so it is never repeated blindly: only a 429/503 or a refused connection (nothing was
 * started) is retried.
 */
export async function submitJob(op: OperationContext<unknown>, body: IDataObject): Promise<IDataObject> {
	const response = await op.request<IDataObject>(multiTalk, { method: 'POST', url: '/generate', body, idempotent: false });
	return response.body;
}

/** The /generate body, checked. */
export function parse(this: IExecuteFunctions, itemIndex: number, v: InputValidator): IDataObject {
	return buildGenerateBody(readSubmitParameters(this, itemIndex), v);
}

export async function execute(this: IExecuteFunctions, op: OperationContext<IDataObject>): Promise<OperationResult> {
	return { json: await submitJob(op, op.input) };
}
