import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import type { Operation, OperationMap } from './router';

/** One entry of a resource's Operation dropdown, and the module that implements it. */
export interface OperationEntry {
	name: string;
	value: string;
	action: string;
	description: string;
	module: Operation;
}

export interface ResourceEntry {
	name: string;
	value: string;
	description?: string;
	/** Listed in this order in the dropdown (keep them alphabetical by name). */
	operations: OperationEntry[];
	default: string;
}

/** The Service resource's Health operation, which every provider has. */
export function healthOperation(description: string, module: Operation): OperationEntry {
	return { name: 'Health', value: 'health', action: 'Check server health', description, module };
}

/**
 * Builds a node's properties from its resources: the Resource dropdown, one Operation
 * dropdown per resource, then each operation's own fields shown only for that operation.
 * Operation files therefore declare their fields without repeating displayOptions.
 */
export function buildProperties(resources: ResourceEntry[], defaultResource: string): INodeProperties[] {
	const properties: INodeProperties[] = [
		{
			displayName: 'Resource',
			name: 'resource',
			type: 'options',
			noDataExpression: true,
			options: resources.map(
				(r): INodePropertyOptions => ({ name: r.name, value: r.value, ...(r.description ? { description: r.description } : {}) }),
			),
			default: defaultResource,
		},
	];
	for (const resource of resources) {
		const defaultOperation = resource.default;
		properties.push({
			displayName: 'Operation',
			name: 'operation',
			type: 'options',
			noDataExpression: true,
			displayOptions: { show: { resource: [resource.value] } },
			options: resource.operations.map((op) => ({
				name: op.name,
				value: op.value,
				action: op.action,
				description: op.description,
			})),
			default: defaultOperation,
		});
	}
	for (const resource of resources) {
		for (const op of resource.operations) {
			for (const field of op.module.description) {
				const show = { ...(field.displayOptions?.show ?? {}), resource: [resource.value], operation: [op.value] };
				properties.push({ ...field, displayOptions: { ...field.displayOptions, show } });
			}
		}
	}
	return properties;
}

export function buildOperationMap(resources: ResourceEntry[]): OperationMap {
	const map: OperationMap = {};
	for (const resource of resources) {
		map[resource.value] = {};
		for (const op of resource.operations) map[resource.value][op.value] = { ...op.module, displayName: op.name };
	}
	return map;
}
