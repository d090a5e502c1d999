import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';

import { requestSettingsProperty } from '../shared/requestSettings';
import { route } from '../shared/router';
import { batchSettingsProperty } from './actions/common';
import { searchJobs } from './methods/listSearch';
import { operations, properties } from './actions/router';
import { MAIN_CONNECTION } from '../shared/compat';

export class MultiTalk implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'MultiTalk',
		name: 'multiTalk',
		icon: { light: 'file:../../icons/multitalk.svg', dark: 'file:../../icons/multitalk.dark.svg' },
		group: ['transform'],
		// 2: Items in Parallel moved into Options like every node's (1 keeps its top-level maxConcurrentJobs)
		version: [1, 2],
		defaultVersion: 2,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Turn an image and one or more voices into a talking video with MeiGen-MultiTalk',
		defaults: { name: 'MultiTalk' },
		usableAsTool: true,
		inputs: [MAIN_CONNECTION],
		outputs: [MAIN_CONNECTION],
		credentials: [{ name: 'multiTalkApi', required: true }],
		properties: [...properties, batchSettingsProperty, requestSettingsProperty],
	};

	methods = { listSearch: { searchJobs } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await route.call(this, operations);
	}
}
