import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';

import { requestSettingsProperty } from '../shared/requestSettings';
import { route } from '../shared/router';
import { operations, properties } from './actions/router';
import { MAIN_CONNECTION } from '../shared/compat';

export class LiveTalking implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'LiveTalking',
		name: 'liveTalking',
		icon: { light: 'file:../../icons/livetalking.svg', dark: 'file:../../icons/livetalking.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Make a live LiveTalking avatar speak, and record and download its sessions',
		defaults: { name: 'LiveTalking' },
		usableAsTool: true,
		inputs: [MAIN_CONNECTION],
		outputs: [MAIN_CONNECTION],
		credentials: [{ name: 'liveTalkingApi', required: true }],
		properties: [...properties, requestSettingsProperty],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await route.call(this, operations);
	}
}
