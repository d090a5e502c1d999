import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { apiRequest } from '../../shared/http';
import type { OperationContext } from '../../shared/router';
import type { InputValidator } from '../../shared/validation';
import type { LinkRequest } from '../helpers/download';
import { JobWatcher } from '../helpers/jobWatcher';
import { DEFAULT_REQUESTS_PER_MINUTE, multiTalk, pacerFor } from '../transport';
import { outputBinaryField } from '../../shared/fields';

/** The documented plan limit: 10 jobs at once. */
export const DEFAULT_MAX_CONCURRENT_JOBS = 10;

/**
 * A job picker: From List (List Jobs, newest first), By ID (by default the incoming item's
 * job_id, as before), By URL (the job's API URL). Workflows saved when this was a text field
 * hold a plain string; n8n hands that through as the value, so they keep working (read it with
 * `extractValue: true`, see readJobId).
 */
export const jobIdField: INodeProperties = {
	displayName: 'Job ID',
	name: 'jobId',
	type: 'resourceLocator',
	required: true,
	default: { mode: 'id', value: '={{ $json.job_id }}' },
	description: 'The job: pick it from the list, or give the job_id that Submit Job returned (by default taken from the incoming item)',
	modes: [
		{
			displayName: 'From List',
			name: 'list',
			type: 'list',
			placeholder: 'Select a job…',
			typeOptions: { searchListMethod: 'searchJobs', searchable: true, searchFilterRequired: false },
		},
		{
			displayName: 'By ID',
			name: 'id',
			type: 'string',
			placeholder: '550e8400-e29b-41d4-a716-446655440000',
		},
		{
			displayName: 'By URL',
			name: 'url',
			type: 'string',
			placeholder: 'https://multitalk.example.com/api/v1/jobs/550e8400-e29b-41d4-a716-446655440000',
			validation: [
				{
					type: 'regex',
					properties: { regex: '.*/jobs/[^/?#]+.*', errorMessage: 'Not a MultiTalk job URL (…/api/v1/jobs/<job_id>)' },
				},
			],
			extractValue: { type: 'regex', regex: '/jobs/([^/?#]+)' },
		},
	],
};

/** The Job ID, whether saved as a picker value or (older workflows) as a plain string. */
export function readJobId(ctx: IExecuteFunctions, itemIndex: number): unknown {
	return ctx.getNodeParameter('jobId', itemIndex, '', { extractValue: true });
}

export const maxConcurrentJobsField: INodeProperties = {
	displayName: 'Max Concurrent Jobs',
	name: 'maxConcurrentJobs',
	type: 'number',
	typeOptions: { minValue: 1, maxValue: 100 },
	default: DEFAULT_MAX_CONCURRENT_JOBS,
	description:
		'How many input items are worked on at the same time. Your MultiTalk plan runs 10 jobs at once; more items wait for a free slot, so the whole batch takes about as long as its slowest waves.',
};

/** Fields shared by Wait for Job and Submit and Wait. */
export const waitFields: INodeProperties[] = [
	{
		displayName: 'Timeout (Minutes)',
		name: 'timeoutMinutes',
		type: 'number',
		typeOptions: { minValue: 0.01, maxValue: 1440, numberPrecision: 2 },
		default: 10,
		description: 'Give up waiting after this long (up to 24 hours). The job keeps running at MultiTalk.',
	},
	{
		displayName: 'Poll Interval (Seconds)',
		name: 'pollIntervalSeconds',
		type: 'number',
		typeOptions: { minValue: 0.1, maxValue: 3600, numberPrecision: 1 },
		default: 10,
		description:
			'How often to check the job. All waiting items are checked together (one list request per round), and the node stays under the requests-per-minute limit.',
	},
	{
		displayName: 'If the Job Fails',
		name: 'onJobFailure',
		type: 'options',
		options: [
			{
				name: 'Stop With an Error',
				value: 'error',
				description: 'A failed or cancelled job fails its item with the job’s error',
			},
			{
				name: 'Return the Job as Output',
				value: 'output',
				description: 'A failed or cancelled job is passed on as data (check its status field)',
			},
		],
		default: 'error',
	},
	{
		displayName: 'Download Video',
		name: 'downloadVideo',
		type: 'boolean',
		default: true,
		description: 'Whether to download the finished MP4 into the item as binary data (through a temporary download link)',
	},
	outputBinaryField({ displayOptions: { show: { downloadVideo: [true] } }, hint: 'The name of the output binary field to put the video in' }),
];

export interface WaitSettings {
	timeoutMs: number;
	intervalMs: number;
	onJobFailure: 'error' | 'output';
	downloadVideo: boolean;
	binaryPropertyName: string;
}

export function readWaitSettings(ctx: IExecuteFunctions, itemIndex: number, v: InputValidator): WaitSettings {
	const timeoutMinutes = v.number('Timeout (Minutes)', ctx.getNodeParameter('timeoutMinutes', itemIndex, 10), { min: 0.01, max: 1440 });
	const interval = v.number('Poll Interval (Seconds)', ctx.getNodeParameter('pollIntervalSeconds', itemIndex, 10), { min: 0.1, max: 3600 });
	const onJobFailure = v.oneOf('If the Job Fails', ctx.getNodeParameter('onJobFailure', itemIndex, 'error'), ['error', 'output'] as const);
	const downloadVideo = ctx.getNodeParameter('downloadVideo', itemIndex, true) as boolean;
	const binaryPropertyName = downloadVideo
		? v.text('Put Output File in Field', ctx.getNodeParameter('binaryPropertyName', itemIndex, 'data'), { max: 200 }).trim()
		: 'data';
	return { timeoutMs: Math.round(timeoutMinutes * 60_000), intervalMs: Math.round(interval * 1000), onJobFailure, downloadVideo, binaryPropertyName };
}

/** Node-level "Batch Settings" (shown for every operation). */
export const batchSettingsProperty: INodeProperties = {
	displayName: 'Batch Settings',
	name: 'batchSettings',
	type: 'collection',
	placeholder: 'Add Setting',
	default: {},
	options: [
		{
			displayName: 'Requests Per Minute',
			name: 'requestsPerMinute',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 10000 },
			default: DEFAULT_REQUESTS_PER_MINUTE,
			description:
				'All items of one run together send at most this many requests to MultiTalk per minute (your plan allows 100). If MultiTalk still answers "too many requests", the node waits as long as it asks.',
		},
	],
};

/** How many items run at once: the node's "Max Concurrent Jobs" (10 unless set). */
export function maxConcurrentJobs(this: IExecuteFunctions): number {
	const value = Number(this.getNodeParameter('maxConcurrentJobs', 0, DEFAULT_MAX_CONCURRENT_JOBS));
	return Number.isFinite(value) && value >= 1 ? Math.min(100, Math.floor(value)) : DEFAULT_MAX_CONCURRENT_JOBS;
}

/**
 * What the download helpers (shared with the trigger, which has no item context) need to
 * send their requests for this item: its index, signal, Request Settings and the run's pacer.
 */
export function linkRequest(ctx: IExecuteFunctions, op: OperationContext, jobId: string, expiration?: number): LinkRequest {
	return { jobId, expiration, itemIndex: op.itemIndex, limits: op.limits, signal: op.signal, pacer: pacerFor(ctx, op.shared) };
}

/** Waits for one job among all the run's waiting items (checked together, see JobWatcher). */
export async function watchJob(
	ctx: IExecuteFunctions,
	op: OperationContext,
	jobId: string,
	options: { timeoutMs: number; intervalMs: number; firstCheckAfterMs: number },
): Promise<IDataObject> {
	return await watcherFor(ctx, op).wait(jobId, { ...options, itemIndex: op.itemIndex, limits: op.limits });
}

/** One watcher per run: every waiting item is checked in the same rounds. */
export function watcherFor(ctx: IExecuteFunctions, op: OperationContext): JobWatcher {
	let watcher = op.shared.get('watcher') as JobWatcher | undefined;
	if (!watcher) {
		const pacer = pacerFor(ctx, op.shared);
		watcher = new JobWatcher(ctx, op.signal, async (request) =>
			await apiRequest<IDataObject>(ctx, multiTalk, { ...request, pacer, signal: op.signal }),
		);
		op.shared.set('watcher', watcher);
	}
	return watcher;
}
