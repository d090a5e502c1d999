import type { ResourceEntry } from '../../shared/describe';
import { buildOperationMap, buildProperties, healthOperation } from '../../shared/describe';
import * as downloadRecording from './recording/download.operation';
import * as startRecording from './recording/start.operation';
import * as stopRecording from './recording/stop.operation';
import * as health from './service/health.operation';
import * as getUrls from './session/getUrls.operation';
import * as sendText from './session/sendText.operation';

export const resources: ResourceEntry[] = [
	{
		name: 'Session',
		value: 'session',
		description: 'A live WebRTC avatar session on the LiveTalking server',
		default: 'sendText',
		operations: [
			{
				name: 'Get URLs',
				value: 'getUrls',
				action: 'Get the session URLs',
				description: 'Get the LiveTalking URLs a WebRTC client connects to',
				module: getUrls,
			},
			{
				name: 'Send Text',
				value: 'sendText',
				action: 'Send text to the avatar',
				description: 'Make the avatar of a live session speak a text',
				module: sendText,
			},
		],
	},
	{
		name: 'Recording',
		value: 'recording',
		description: 'Recordings of a live session, saved to S3',
		default: 'download',
		operations: [
			{
				name: 'Download',
				value: 'download',
				action: 'Download a recording',
				description: 'Save the latest stopped recording to S3 and get it as an MP4',
				module: downloadRecording,
			},
			{ name: 'Start', value: 'start', action: 'Start recording', description: 'Start recording the session', module: startRecording },
			{ name: 'Stop', value: 'stop', action: 'Stop recording', description: 'Stop recording the session', module: stopRecording },
		],
	},
	{
		name: 'Service',
		value: 'service',
		default: 'health',
		operations: [
			healthOperation('Check that the backend can reach its LiveTalking server (no authentication)', health),
		],
	},
];

export const properties = buildProperties(resources, 'session');
export const operations = buildOperationMap(resources);
