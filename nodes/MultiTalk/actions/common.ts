import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { apiRequest } from '../../shared/http';
import type { OperationContext } from '../../shared/router';
import type { InputValidator } from '../../shared/validation';
import type { LinkRequest } from '../helpers/download';
import { JobWatcher } from '../helpers/jobWatcher';
import { DEFAULT_REQUESTS_PER_MINUTE, multiTalk, pacerFor } from '../transport';
import {
	POLL_INTERVAL_LABEL,
	downloadToggle,
	itemsInParallelOption,
	optionsCollection,
	outputBinaryField,
	outputBinaryLabel,
	pollIntervalField,
	readItemsInParallel,
	waitTimeoutField,
	waitTimeoutLabel,
} from '../../shared/fields';

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

const JOBS_AT_ONCE = 'Your MultiTalk plan runs 10 jobs at once, so the whole batch takes about as long as its slowest waves';

/** Node version 1 saved Items in Parallel of the job operations as the top-level `maxConcurrentJobs`. */
const V1 = { '@version': [1] };
/** From version 2 it is Options > Items in Parallel, as in every node. */
const V2 = { '@version': [2] };

/**
 * An operation's fields with Options > Items in Parallel (`options.concurrency`). Submit,
 * Submit and Wait and Wait for Job were saved by node version 1 with a top-level
 * `maxConcurrentJobs`: version 1 nodes keep that field (shown as Items in Parallel, same wording)
 * and their Options without it; version 2 nodes have it in Options. Get, Cancel and Get Download
 * URL (`savedAsV1: false`) had none (5 at once, fixed) and show the option in every version.
 */
export function withItemsInParallel(fields: INodeProperties[], defaultValue: number, savedAsV1: boolean): INodeProperties[] {
	const options = fields.find((f) => f.name === 'options' && f.type === 'collection');
	const rest = fields.filter((f) => f !== options);
	const option = itemsInParallelOption(defaultValue, defaultValue === DEFAULT_MAX_CONCURRENT_JOBS ? JOBS_AT_ONCE : undefined);
	const byName = (a: INodeProperties, b: INodeProperties) => a.displayName.localeCompare(b.displayName);
	const withOption = optionsCollection([...((options?.options ?? []) as INodeProperties[]), option].sort(byName));
	if (!savedAsV1) return [...rest, withOption];
	return [
		...rest,
		{ ...withOption, displayOptions: { show: V2 } },
		...(options ? [{ ...options, displayOptions: { show: V1 } }] : []),
		{ ...option, name: 'maxConcurrentJobs', displayOptions: { show: V1 } },
	];
}

/** The concurrency() of an operation built withItemsInParallel. */
export function itemsInParallel(defaultValue: number, savedAsV1: boolean) {
	return function (this: IExecuteFunctions): number {
		const saved = savedAsV1 && this.getNode().typeVersion < 2 ? this.getNodeParameter('maxConcurrentJobs', 0, defaultValue) : undefined;
		return readItemsInParallel(this, defaultValue, saved);
	};
}

/** Put Video in Field, shown when Download Video is on. */
export const videoOutputField = outputBinaryField({ content: 'video', what: 'the MP4 video', displayOptions: { show: { downloadVideo: [true] } } });

/** The check of Put Video in Field. */
export function readVideoField(ctx: IExecuteFunctions, itemIndex: number, v: InputValidator): string {
	return v.binaryField(outputBinaryLabel('video'), ctx.getNodeParameter('binaryPropertyName', itemIndex, 'data'));
}

/** Fields shared by Wait for Job and Submit and Wait. */
export const waitFields: INodeProperties[] = [
	waitTimeoutField({
		name: 'timeoutMinutes',
		unit: 'Minutes',
		typeOptions: { minValue: 0.01, maxValue: 1440, numberPrecision: 2 },
		default: 10,
		what: 'the job (up to 24 hours)',
		after: 'The job keeps running at MultiTalk',
	}),
	pollIntervalField({
		typeOptions: { minValue: 0.1, maxValue: 3600, numberPrecision: 1 },
		default: 10,
		what: 'the job',
		after: 'all waiting items are checked together (one list request per round), and the node stays under the requests-per-minute limit',
	}),
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
	downloadToggle('video', { what: 'the finished MP4 (through a temporary download link)', otherwise: 'only the job is returned' }),
	videoOutputField,
];

export interface WaitSettings {
	timeoutMs: number;
	intervalMs: number;
	onJobFailure: 'error' | 'output';
	downloadVideo: boolean;
	binaryPropertyName: string;
}

export function readWaitSettings(ctx: IExecuteFunctions, itemIndex: number, v: InputValidator): WaitSettings {
	const timeoutMinutes = v.number(waitTimeoutLabel('Minutes'), ctx.getNodeParameter('timeoutMinutes', itemIndex, 10), { min: 0.01, max: 1440 });
	const interval = v.number(POLL_INTERVAL_LABEL, ctx.getNodeParameter('pollIntervalSeconds', itemIndex, 10), { min: 0.1, max: 3600 });
	const onJobFailure = v.oneOf('If the Job Fails', ctx.getNodeParameter('onJobFailure', itemIndex, 'error'), ['error', 'output'] as const);
	const downloadVideo = ctx.getNodeParameter('downloadVideo', itemIndex, true) as boolean;
	const binaryPropertyName = downloadVideo ? readVideoField(ctx, itemIndex, v) : 'data';
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
