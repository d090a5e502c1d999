import type { ResourceEntry } from '../../../shared/describe';
import * as createSession from './createSession.operation';
import * as deleteSession from './deleteSession.operation';

/** The "LiveKit" resource: an avatar joining your LiveKit room, and leaving it. */
export const liveKitResource: ResourceEntry = {
	name: 'LiveKit',
	value: 'liveKit',
	description: 'Put an avatar into a LiveKit room',
	default: 'createSession',
	operations: [
		{
			name: 'Create LiveKit Session',
			value: 'createSession',
			action: 'Create a LiveKit session',
			description: 'An avatar joins a LiveKit room; returns the task ID to end it with',
			module: createSession,
		},
		{
			name: 'Delete LiveKit Session',
			value: 'deleteSession',
			action: 'Delete a LiveKit session',
			description: 'End a LiveKit session: the avatar leaves the room',
			module: deleteSession,
		},
	],
};
