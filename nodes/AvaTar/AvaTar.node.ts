import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';

import { requestSettingsProperty } from '../shared/requestSettings';
import { route } from '../shared/router';
import { operations, properties } from './actions/router';
import { searchSessions } from './methods/listSearch';
import { MAIN_CONNECTION } from '../shared/compat';

export class AvaTar implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'AvaTar',
		name: 'avaTar',
		icon: { light: 'file:../../icons/avatar.svg', dark: 'file:../../icons/avatar.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Run interactive AI avatar sessions with AvaTar: create and start sessions, chat, speak, and talk in realtime',
		defaults: { name: 'AvaTar' },
		usableAsTool: true,
		inputs: [MAIN_CONNECTION],
		outputs: [MAIN_CONNECTION],
		credentials: [{ name: 'avaTarApi', required: true }],
		properties: [...properties, requestSettingsProperty],
	};

	methods = { listSearch: { searchSessions } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await route.call(this, operations);
	}
}
