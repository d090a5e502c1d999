import type { ResourceEntry } from '../../../shared/describe';

/** The "LiveKit" resource: its operations, one file each in this folder. */
export const liveKitResource: ResourceEntry = {
	name: 'LiveKit',
	value: 'liveKit',
	default: '',
	operations: [],
};
