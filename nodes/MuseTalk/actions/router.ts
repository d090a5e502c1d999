import type { ResourceEntry } from '../../shared/describe';
import { buildOperationMap, buildProperties, healthOperation } from '../../shared/describe';
import * as health from './service/health.operation';
import * as createSession from './session/create.operation';
import * as deleteSession from './session/delete.operation';
import * as getSessionStatus from './session/getStatus.operation';
import * as downloadFile from './video/downloadFile.operation';
import * as generate from './video/generate.operation';
import * as generateStream from './video/generateStream.operation';

export const resources: ResourceEntry[] = [
	{
		name: 'Session',
		value: 'session',
		description: 'An avatar prepared on the server, needed before generating videos',
		default: 'create',
		operations: [
			{
				name: 'Create',
				value: 'create',
				action: 'Create a session',
				description: 'Start preparing an avatar and optionally wait until it is ready',
				module: createSession,
			},
			{ name: 'Delete', value: 'delete', action: 'Delete a session', description: 'Delete a session and free its resources', module: deleteSession },
			{
				name: 'Get Status',
				value: 'getStatus',
				action: 'Get the status of a session',
				description: 'Check whether a session is preparing, ready or failed',
				module: getSessionStatus,
			},
		],
	},
	{
		name: 'Video',
		value: 'video',
		description: 'Lip-synced avatar videos generated from text',
		default: 'generate',
		operations: [
			{
				name: 'Download File',
				value: 'downloadFile',
				action: 'Download a generated file',
				description: 'Download a generated video (MP4) or audio (MP3) by its file name',
				module: downloadFile,
			},
			{
				name: 'Generate Streaming Video',
				value: 'generateStream',
				action: 'Generate a streaming video from text',
				description: 'Make the avatar speak a text, receiving the MP4 as it renders',
				module: generateStream,
			},
			{
				name: 'Generate Video From Text',
				value: 'generate',
				action: 'Generate a video from text',
				description: 'Make the avatar speak a text and download the video (and audio)',
				module: generate,
			},
		],
	},
	{
		name: 'Service',
		value: 'service',
		default: 'health',
		operations: [
			healthOperation('Check that the server runs and its models are loaded', health),
		],
	},
];

export const properties = buildProperties(resources, 'video');
export const operations = buildOperationMap(resources);
