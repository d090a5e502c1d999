import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';

import { requestSettingsProperty } from '../shared/requestSettings';
import { route } from '../shared/router';
import { CREDENTIALS, requireCredentialUnlessPayPerVideo } from './actions/credential';
import { operations, properties } from './actions/router';
import { MAIN_CONNECTION } from '../shared/compat';

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
		inputs: [MAIN_CONNECTION],
		outputs: [MAIN_CONNECTION],
		credentials: CREDENTIALS,
		properties: [...properties, requestSettingsProperty],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		requireCredentialUnlessPayPerVideo(this);
		return await route.call(this, operations);
	}
}
