import type { ResourceEntry } from '../../../shared/describe';

/** The "Stream" resource: its operations, one file each in this folder. */
export const streamResource: ResourceEntry = {
	name: 'Stream',
	value: 'stream',
	default: '',
	operations: [],
};
