import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../../shared/router';
import type { InputValidator } from '../../../shared/validation';
import { avaTar } from '../../transport';
import { readSessionId, sessionIdField } from '../common';

export const description: INodeProperties[] = [
	sessionIdField,
	{
		displayName: 'Text',
		name: 'text',
		type: 'string',
		typeOptions: { rows: 3 },
		required: true,
		default: '',
		placeholder: 'e.g. Welcome to our interactive AI avatar system!',
		description: 'What the avatar says, word for word (no AI reply: use "Send Chat Message" for that)',
	},
	{
		displayName: 'Voice ID',
		name: 'voiceId',
		type: 'string',
		default: '',
		placeholder: 'EXAVITQu4vr4xnSDxMaL',
		description: "ElevenLabs voice ID for this sentence. Leave empty to keep the session's voice.",
	},
	{
		displayName: 'Voice Settings',
		name: 'voiceSettings',
		type: 'collection',
		placeholder: 'Add Setting',
		default: {},
		options: [
			{
				displayName: 'Similarity Boost',
				name: 'similarity_boost',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
				default: 0.75,
				description: 'How closely the voice sticks to the original speaker, from 0 to 1',
			},
			{
				displayName: 'Stability',
				name: 'stability',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
				default: 0.75,
				description: 'Lower is more expressive, higher is more even, from 0 to 1',
			},
		],
	},
];

/** The request body, checked. */
export function parse(this: IExecuteFunctions, itemIndex: number, v: InputValidator): IDataObject {
	const sessionId = readSessionId(this, v, itemIndex);
	const text = v.text('Text', this.getNodeParameter('text', itemIndex, ''));
	const voiceId = String(this.getNodeParameter('voiceId', itemIndex, '') ?? '').trim();
	if (voiceId) v.pathId('Voice ID', voiceId);
	const settings = this.getNodeParameter('voiceSettings', itemIndex, {}) as IDataObject;
	const voiceSettings: IDataObject = {};
	if (settings.stability !== undefined) {
		voiceSettings.stability = v.number('Voice Settings > Stability', settings.stability, { min: 0, max: 1 });
	}
	if (settings.similarity_boost !== undefined) {
		voiceSettings.similarity_boost = v.number('Voice Settings > Similarity Boost', settings.similarity_boost, { min: 0, max: 1 });
	}

	const body: IDataObject = { session_id: sessionId, text };
	if (voiceId) body.voice_id = voiceId;
	if (Object.keys(voiceSettings).length) body.voice_settings = voiceSettings;
	return body;
}

/** POST /v1/avatar.speak: the avatar says the text; returns a task ID and a duration estimate. */
export async function execute(this: IExecuteFunctions, op: OperationContext<IDataObject>): Promise<OperationResult> {
	const response = await op.request<IDataObject>(avaTar, { method: 'POST', url: '/v1/avatar.speak', body: op.input });
	return { json: { session_id: op.input.session_id, ...response.body } };
}
