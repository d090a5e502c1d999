import type { ResourceEntry } from '../../../shared/describe';
import * as continuousSession from './continuousSession.operation';
import * as streamInference from './streamInference.operation';

/** The "Stream" resource: its operations, one file each in this folder. */
export const streamResource: ResourceEntry = {
	name: 'Stream',
	value: 'stream',
	default: 'streamInference',
	operations: [
		{
			name: 'Continuous Session',
			value: 'continuousSession',
			action: 'Run a continuous avatar session',
			description:
				'Stream all input items\' text through one low-latency session (e.g. an LLM\'s chunks) and get one MP4 plus the session events',
			module: continuousSession,
		},
		{
			name: 'Stream over WebSocket',
			value: 'streamInference',
			action: 'Stream an avatar video over web socket',
			description: 'Send text or audio over a WebSocket and get an MP4, or stream the avatar to LiveKit or RTMP',
			module: streamInference,
		},
	],
};
