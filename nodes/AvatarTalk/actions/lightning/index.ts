import type { ResourceEntry } from '../../../shared/describe';

/** The "Lightning" resource: its operations, one file each in this folder. */
export const lightningResource: ResourceEntry = {
	name: 'Lightning',
	value: 'lightning',
	default: '',
	operations: [],
};
