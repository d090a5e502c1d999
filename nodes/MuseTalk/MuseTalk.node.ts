import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';

import { requestSettingsProperty } from '../shared/requestSettings';
import { route } from '../shared/router';
import { operations, properties } from './actions/router';
import { MAIN_CONNECTION } from '../shared/compat';

export class MuseTalk implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'MuseTalk',
		name: 'museTalk',
		icon: { light: 'file:../../icons/musetalk.svg', dark: 'file:../../icons/musetalk.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Generate lip-synced avatar videos with speech from text on a MuseTalk server',
		defaults: { name: 'MuseTalk' },
		usableAsTool: true,
		inputs: [MAIN_CONNECTION],
		outputs: [MAIN_CONNECTION],
		credentials: [{ name: 'museTalkApi', required: true }],
		properties: [...properties, requestSettingsProperty],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await route.call(this, operations);
	}
}
