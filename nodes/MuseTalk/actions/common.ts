import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { textField } from '../../shared/fields';

import type { InputValidator } from '../../shared/validation';

const CUSTOM_VOICE = 'custom';
const SERVER_DEFAULT_VOICE = 'serverDefault';

/**
 * The document sets no text limit. ElevenLabs' eleven_multilingual_v2 (the documented model)
 * accepts at most 10,000 characters per request, and MuseTalk sends the whole text in one TTS
 * call, so longer texts would only fail after the GPU work was queued: refuse them up front.
 */
export const MAX_TEXT_LENGTH = 10_000;

/** ElevenLabs voice ids are 20 letters and digits. */
const VOICE_ID = /^[A-Za-z0-9]{20}$/;
/** ElevenLabs model ids: eleven_multilingual_v2, eleven_flash_v2_5, eleven_v3... */
const MODEL_ID = /^[a-z0-9_]{1,64}$/;

export function sessionIdField(description: string): INodeProperties {
	return {
		displayName: 'Session ID',
		name: 'sessionId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. 550e8400-e29b-41d4-a716-446655440000',
		description,
	};
}

/** What to tell the user when the server does not know the session. */
export function sessionHint(statusCode: number): string | undefined {
	if (statusCode === 404) {
		return 'No session with this ID exists: it was deleted, or the MuseTalk server restarted. Create a new session with Session → Create.';
	}
	return undefined;
}

/** Hints for the generation endpoints: 400 is "session not ready", 404 "session not found". */
export function generationHint(statusCode: number): string | undefined {
	if (statusCode === 400) {
		return 'The session is not ready yet (its avatar is still being prepared, or preparation failed). Create it with "Wait Until Ready" on, or check it with Session → Get Status before generating.';
	}
	if (statusCode === 500) {
		return 'The server could not generate the video: check the Voice and Model ID (they must exist in the ElevenLabs account of the server) and the server logs.';
	}
	return sessionHint(statusCode);
}

/** Fields shared by Generate Video from Text and Generate Streaming Video. */
export const generationFields: INodeProperties[] = [
	sessionIdField('The ID of a ready session (from Session → Create)'),
	textField({ placeholder: 'e.g. Hello! Welcome to MuseTalk.', description: `What the avatar says (1 to ${MAX_TEXT_LENGTH.toLocaleString('en-US')} characters). It is turned into speech with ElevenLabs.` }),
	{
		displayName: 'Voice',
		name: 'voice',
		type: 'options',
		// The ElevenLabs premade voices the MuseTalk document lists, then the two special choices.
		options: [
			{ name: 'Antoni (Male, American)', value: 'ErXwobaYiN019PkySvjV' },
			{ name: 'Bella (Female, American)', value: 'EXAVITQu4vr4xnSDxMaL' },
			{ name: 'Domi (Female, American)', value: 'AZnzlk1XvdvUeBnXmlld' },
			{ name: 'George (Male, American)', value: 'JBFqnCBsd6RMkjVDRZzb' },
			{ name: 'Rachel (Female, American)', value: '21m00Tcm4TlvDq8ikWAM' },
			{ name: 'Custom Voice ID', value: CUSTOM_VOICE, description: 'Any other ElevenLabs voice of the server’s account' },
			{ name: 'Server Default', value: SERVER_DEFAULT_VOICE, description: 'Send no voice: the server picks its default' },
		],
		default: 'JBFqnCBsd6RMkjVDRZzb',
		description: 'The ElevenLabs voice the avatar speaks with',
	},
	{
		displayName: 'Custom Voice ID',
		name: 'customVoiceId',
		type: 'string',
		// Not `required`: n8n would then refuse a workflow whose Voice is an expression. The
		// operation checks it when Custom Voice ID is chosen.
		default: '',
		placeholder: 'e.g. MF3mGyEYCl7XYWbV9V6O',
		description: 'An ElevenLabs voice ID: 20 letters and digits, as shown in the ElevenLabs voice library',
		displayOptions: { show: { voice: [CUSTOM_VOICE] } },
	},
	{
		displayName: 'Model ID',
		name: 'modelId',
		type: 'string',
		default: 'eleven_multilingual_v2',
		placeholder: 'e.g. eleven_multilingual_v2',
		description: 'The ElevenLabs speech model. Leave empty to let the server choose.',
	},
];

/** Reads and checks the generation fields; returns the request body. */
export function readGenerationBody(ctx: IExecuteFunctions, itemIndex: number, v: InputValidator): IDataObject {
	const sessionId = v.pathId('Session ID', ctx.getNodeParameter('sessionId', itemIndex));
	const text = v.text('Text', ctx.getNodeParameter('text', itemIndex), { max: MAX_TEXT_LENGTH });
	const voice = String(ctx.getNodeParameter('voice', itemIndex));
	let voiceId: string | undefined;
	if (voice === CUSTOM_VOICE) {
		const custom = String(ctx.getNodeParameter('customVoiceId', itemIndex, '') ?? '').trim();
		if (custom === '') v.fail('Custom Voice ID', 'is required', '20 letters and digits, e.g. MF3mGyEYCl7XYWbV9V6O');
		if (!VOICE_ID.test(custom)) {
			v.fail('Custom Voice ID', `"${custom}" is not an ElevenLabs voice ID`, '20 letters and digits, e.g. MF3mGyEYCl7XYWbV9V6O');
		}
		voiceId = custom;
	} else if (voice !== SERVER_DEFAULT_VOICE) {
		voiceId = v.oneOf('Voice', voice, VOICE_IDS);
	}
	const modelId = String(ctx.getNodeParameter('modelId', itemIndex, '') ?? '').trim();
	if (modelId !== '' && !MODEL_ID.test(modelId)) {
		v.fail('Model ID', `"${modelId}" is not an ElevenLabs model ID`, 'lower-case letters, digits and underscores, e.g. eleven_multilingual_v2, eleven_flash_v2_5; or empty for the server default');
	}
	const body: IDataObject = { session_id: sessionId, text };
	if (voiceId) body.voice_id = voiceId;
	if (modelId) body.model_id = modelId;
	return body;
}

/** The file name at the end of a URL or path (`/api/v1/generate/video/x.mp4` -> `x.mp4`). */
export function fileNameOf(url: string): string {
	const path = url.split(/[?#]/)[0];
	const last = path.split('/').filter(Boolean).pop() ?? '';
	try {
		return decodeURIComponent(last);
	} catch {
		return last;
	}
}

/** A file name that ends in the given extension (added when missing). */
export function withExtension(name: string, extension: string): string {
	return name.toLowerCase().endsWith(extension) ? name : `${name}${extension}`;
}

/** 404 on a generated file. */
export function fileHint(statusCode: number): string | undefined {
	if (statusCode === 404) {
		return 'The server has no such file: check the File Name and File Type (a video is output_….mp4, an audio audio_….mp3). Generated files may have been cleaned up; generate the video again.';
	}
	return undefined;
}

/** Ids of the documented voices (from the Voice field's own options). */
const VOICE_IDS = (
	(generationFields.find((f) => f.name === 'voice')?.options ?? []) as Array<{ value: string }>
)
	.map((o) => o.value)
	.filter((value) => value !== CUSTOM_VOICE && value !== SERVER_DEFAULT_VOICE);
