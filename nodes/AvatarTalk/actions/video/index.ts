import type { ResourceEntry } from '../../../shared/describe';

/** The "Video" resource: its operations, one file each in this folder. */
export const videoResource: ResourceEntry = {
	name: 'Video',
	value: 'video',
	default: '',
	operations: [],
};
