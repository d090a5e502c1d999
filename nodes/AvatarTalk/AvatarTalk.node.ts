import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { requestSettingsProperty } from '../shared/requestSettings';
import { route } from '../shared/router';
import { operations, properties } from './actions/router';

export class AvatarTalk implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'AvatarTalk',
		name: 'avatarTalk',
		icon: { light: 'file:../../icons/avatartalk.svg', dark: 'file:../../icons/avatartalk.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Generate talking-avatar videos with AvatarTalk: text to MP4, live streams, LiveKit sessions, Lightning pay-per-video',
		defaults: { name: 'AvatarTalk' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: 'avatarTalkApi', required: true },
			{ name: 'liveKitApi', required: false },
		],
		properties: [...properties, requestSettingsProperty],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await route.call(this, operations);
	}
}
