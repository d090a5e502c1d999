import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { SubmitParameters } from '../../helpers/submitBody';
import { RESOLUTIONS } from '../../helpers/submitBody';
import { optionsCollection } from '../../../shared/fields';

/** The Submit Job fields, shared by Submit Job and Submit and Wait. */
export const submitFields: INodeProperties[] = [
	{
		displayName: 'Prompt',
		name: 'prompt',
		type: 'string',
		typeOptions: { rows: 3 },
		required: true,
		default: '',
		placeholder: 'A professional explaining cloud computing',
		description: 'What the video shows: the people, the setting, how they speak',
	},
	{
		displayName: 'Reference Image S3 URL',
		name: 'imageS3Url',
		type: 'string',
		required: true,
		default: '',
		placeholder: 's3://my-bucket/images/person.png',
		description: 'The picture of the speaker(s), PNG or JPEG (896x448 recommended), as an s3:// URL MultiTalk can read',
	},
	{
		displayName: 'Audio S3 URLs',
		name: 'audio',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Audio',
		required: true,
		default: {},
		description: 'One voice track per speaker (WAV or MP3, 16 kHz or more). One track makes a single-person video, two or more a conversation.',
		options: [
			{
				name: 'urls',
				displayName: 'Audio',
				values: [
					{
						displayName: 'S3 URL',
						name: 'url',
						type: 'string',
						default: '',
						placeholder: 's3://my-bucket/audio/person1.wav',
						description: 'An s3:// URL; an expression may also return a list of URLs',
					},
				],
			},
		],
	},
	{
		displayName: 'Webhook URL',
		name: 'webhookUrl',
		type: 'string',
		default: '',
		placeholder: 'e.g. {{ $execution.resumeUrl }}',
		description:
			'Optional. MultiTalk calls this URL when the job ends. Paste a MultiTalk Trigger URL, or use {{ $execution.resumeUrl }} with a Wait node set to "On Webhook Call".',
	},
	optionsCollection([
			{
				displayName: 'Audio CFG',
				name: 'audioCfg',
				type: 'number',
				typeOptions: { minValue: 3, maxValue: 5, numberPrecision: 1 },
				default: 4,
				description: 'How strongly the lips follow the audio (3 to 5; MultiTalk’s default is 4)',
			},
			{
				displayName: 'Audio Type',
				name: 'audioType',
				type: 'options',
				options: [
					{ name: 'Add (Take Turns)', value: 'add', description: 'Speakers talk one after the other' },
					{ name: 'Para (At the Same Time)', value: 'para', description: 'Speakers talk simultaneously' },
				],
				default: 'add',
				description: 'How several audio tracks are combined (MultiTalk’s default is add)',
			},
			{
				displayName: 'Color Correction',
				name: 'colorCorrection',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
				default: 0.7,
				description: 'Strength of the color correction, 0 to 1 (MultiTalk’s default is 0.7)',
			},
			{
				displayName: 'Output S3 Bucket',
				name: 'outputS3Bucket',
				type: 'string',
				default: '',
				placeholder: 'my-bucket',
				description: 'Bucket the video is written to (MultiTalk’s own bucket when empty)',
			},
			{
				displayName: 'Output S3 Prefix',
				name: 'outputS3Prefix',
				type: 'string',
				default: 'outputs/',
				description: 'Folder (key prefix) for the video in the bucket',
			},
			{
				displayName: 'Resolution',
				name: 'resolution',
				type: 'options',
				options: RESOLUTIONS.map((r) => ({ name: r, value: r })),
				default: '480p',
				description: 'Video resolution (MultiTalk’s default is 480p)',
			},
			{
				displayName: 'Sample Steps',
				name: 'sampleSteps',
				type: 'number',
				typeOptions: { minValue: 10, maxValue: 50 },
				default: 20,
				description: 'More steps: better quality, slower (10 to 50; MultiTalk’s default is 20)',
			},
		]),
];


export function readSubmitParameters(ctx: IExecuteFunctions, itemIndex: number): SubmitParameters {
	return {
		prompt: ctx.getNodeParameter('prompt', itemIndex, ''),
		imageS3Url: ctx.getNodeParameter('imageS3Url', itemIndex, ''),
		audio: ctx.getNodeParameter('audio', itemIndex, {}),
		webhookUrl: ctx.getNodeParameter('webhookUrl', itemIndex, ''),
		options: ctx.getNodeParameter('options', itemIndex, {}) as SubmitParameters['options'],
	};
}
