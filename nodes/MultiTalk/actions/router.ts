import type { ResourceEntry } from '../../shared/describe';
import { buildOperationMap, buildProperties } from '../../shared/describe';
import * as cancel from './job/cancel.operation';
import * as get from './job/get.operation';
import * as getDownloadUrl from './job/getDownloadUrl.operation';
import * as list from './job/list.operation';
import * as submit from './job/submit.operation';
import * as submitAndWait from './job/submitAndWait.operation';
import * as waitForJob from './job/waitForJob.operation';
import * as health from './service/health.operation';
import * as testWebhook from './service/testWebhook.operation';

export const resources: ResourceEntry[] = [
	{
		name: 'Job',
		value: 'job',
		description: 'Video generation jobs',
		default: 'submitAndWait',
		operations: [
			{ name: 'Cancel', value: 'cancel', action: 'Cancel a job', description: 'Stop a pending or processing job', module: cancel },
			{ name: 'Get', value: 'get', action: 'Get a job', description: 'Get the status, progress and result of a job', module: get },
			{
				name: 'Get Download URL',
				value: 'getDownloadUrl',
				action: 'Get the download URL of a video',
				description: 'Get a temporary link to a finished video, and optionally the video itself',
				module: getDownloadUrl,
			},
			{ name: 'List', value: 'list', action: 'List jobs', description: 'List the most recent jobs', module: list },
			{ name: 'Submit', value: 'submit', action: 'Submit a job', description: 'Start a video job and continue at once', module: submit },
			{
				name: 'Submit and Wait',
				value: 'submitAndWait',
				action: 'Submit a job and wait for the video',
				description: 'Start a video job, wait until it is done and download the video',
				module: submitAndWait,
			},
			{
				name: 'Wait for Job',
				value: 'waitForJob',
				action: 'Wait for a job to finish',
				description: 'Wait until a submitted job is done and download the video',
				module: waitForJob,
			},
		],
	},
	{
		name: 'Service',
		value: 'service',
		description: 'API status and webhook checks',
		default: 'health',
		operations: [
			{ name: 'Health', value: 'health', action: 'Check API health', description: 'Check that the API is up', module: health },
			{
				name: 'Test Webhook',
				value: 'testWebhook',
				action: 'Send a test webhook',
				description: 'Ask MultiTalk to send a test notification to a webhook URL',
				module: testWebhook,
			},
		],
	},
];

export const properties = buildProperties(resources, 'job');
export const operations = buildOperationMap(resources);
