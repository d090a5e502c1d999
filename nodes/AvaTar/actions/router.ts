import type { ResourceEntry } from '../../shared/describe';
import { buildOperationMap, buildProperties, healthOperation } from '../../shared/describe';
import * as sendChat from './conversation/sendChat.operation';
import * as speak from './conversation/speak.operation';
import * as sendAudio from './realtime/sendAudio.operation';
import * as sendEvent from './realtime/sendEvent.operation';
import * as health from './service/health.operation';
import * as metrics from './service/metrics.operation';
import * as create from './session/create.operation';
import * as list from './session/list.operation';
import * as start from './session/start.operation';
import * as stop from './session/stop.operation';

export const resources: ResourceEntry[] = [
	{
		name: 'Session',
		value: 'session',
		description: 'Create, start (WebRTC), stop and list avatar sessions',
		default: 'create',
		operations: [
			{ name: 'List Sessions', value: 'list', action: 'List active sessions', description: 'List all active sessions with their duration', module: list },
			{ name: 'New Session', value: 'create', action: 'Create a new avatar session', description: 'Create a session (quality, avatar, voice)', module: create },
			{ name: 'Start Session', value: 'start', action: 'Start streaming with an SDP offer', description: 'Send the WebRTC offer and get the answer', module: start },
			{ name: 'Stop Session', value: 'stop', action: 'Stop an avatar session', description: 'End a session and get its duration', module: stop },
		],
	},
	{
		name: 'Conversation',
		value: 'conversation',
		description: 'Chat with the avatar or make it say a text',
		default: 'sendChat',
		operations: [
			{ name: 'Send Chat Message', value: 'sendChat', action: 'Send a chat message to the avatar', description: 'The avatar answers with AI; returns the full reply', module: sendChat },
			{ name: 'Speak', value: 'speak', action: 'Make the avatar speak a text', description: 'The avatar says the text word for word', module: speak },
		],
	},
	{
		name: 'Realtime',
		value: 'realtime',
		description: "Talk to the avatar over the session's WebSocket",
		default: 'sendAudio',
		operations: [
			{ name: 'Send Audio', value: 'sendAudio', action: 'Send audio and collect the answer', description: 'Send speech from a binary file; returns the reply as text, WAV audio and JPEG frames', module: sendAudio },
			{ name: 'Send Control Event', value: 'sendEvent', action: 'Send a realtime control event', description: 'Interrupt, start or stop listening, or clear the audio buffer', module: sendEvent },
		],
	},
	{
		name: 'Service',
		value: 'service',
		description: 'Health and metrics of the AvaTar server',
		default: 'health',
		operations: [
			healthOperation('Status, version, uptime and services', health),
			{ name: 'Metrics', value: 'metrics', action: 'Get server metrics', description: 'Sessions, CPU/GPU/memory use, latency', module: metrics },
		],
	},
];

export const properties = buildProperties(resources, 'session');
export const operations = buildOperationMap(resources);
