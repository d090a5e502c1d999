import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../../shared/router';
import type { InputValidator } from '../../../shared/validation';
import { avaTar } from '../../transport';

export const QUALITIES = ['low', 'medium', 'high'] as const;

export const description: INodeProperties[] = [
	{
		displayName: 'Quality',
		name: 'quality',
		type: 'options',
		options: [
			{ name: 'Low', value: 'low', description: 'Smallest bandwidth and GPU load' },
			{ name: 'Medium', value: 'medium' },
			{ name: 'High', value: 'high', description: 'Best picture, most bandwidth' },
		],
		default: 'medium',
		description: 'Video quality of the avatar stream',
	},
	{
		displayName: 'Avatar ID',
		name: 'avatarId',
		type: 'string',
		default: '',
		placeholder: 'avatar_1',
		description: 'Which avatar to use. Leave empty for the server default (avatar_1).',
	},
	{
		displayName: 'Voice ID',
		name: 'voiceId',
		type: 'string',
		default: '',
		placeholder: 'EXAVITQu4vr4xnSDxMaL',
		description: 'ElevenLabs voice ID for the avatar. Leave empty for the server default.',
	},
];

/** The request body, checked. */
export function parse(this: IExecuteFunctions, itemIndex: number, v: InputValidator): IDataObject {
	const quality = v.oneOf('Quality', this.getNodeParameter('quality', itemIndex, 'medium'), QUALITIES);
	const avatarId = String(this.getNodeParameter('avatarId', itemIndex, '') ?? '').trim();
	const voiceId = String(this.getNodeParameter('voiceId', itemIndex, '') ?? '').trim();
	if (avatarId) v.pathId('Avatar ID', avatarId);
	if (voiceId) v.pathId('Voice ID', voiceId);

	const body: IDataObject = { quality };
	if (avatarId) body.avatar_id = avatarId;
	if (voiceId) body.voice_id = voiceId;
	return body;
}

/** POST /v1/streaming.new: a session to stream, chat and speak with. */
export async function execute(this: IExecuteFunctions, op: OperationContext<IDataObject>): Promise<OperationResult> {
	const response = await op.request<IDataObject>(avaTar, { method: 'POST', url: '/v1/streaming.new', body: op.input });
	return { json: response.body };
}
