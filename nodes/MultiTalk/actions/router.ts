import type { ResourceEntry } from '../../shared/describe';
import { buildOperationMap, buildProperties } from '../../shared/describe';
import * as health from './service/health.operation';

export const resources: ResourceEntry[] = [
	{
		name: 'Service',
		value: 'service',
		default: 'health',
		operations: [
			{ name: 'Health', value: 'health', action: 'Check API health', description: 'Check that the API is up', module: health },
		],
	},
];

export const properties = buildProperties(resources, 'service');
export const operations = buildOperationMap(resources);
