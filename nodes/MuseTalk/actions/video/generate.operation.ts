import type { IBinaryData, IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { asNodeError, providerApiError } from '../../../shared/errors';
import type { OperationContext, OperationResult } from '../../../shared/router';
import type { InputValidator } from '../../../shared/validation';
import { API, museTalk } from '../../transport';
import { binaryField, fileHint, fileNameOf, generationFields, generationHint, readGenerationBody, withExtension } from '../common';

export const description: INodeProperties[] = [
	...generationFields,
	{
		displayName: 'Download Video',
		name: 'downloadVideo',
		type: 'boolean',
		default: true,
		description: 'Whether to download the generated MP4 into a binary field (otherwise only its URL is returned)',
	},
	{
		displayName: 'Video Output Field',
		name: 'videoBinaryProperty',
		type: 'string',
		default: 'data',
		description: 'Name of the binary field the MP4 video is put in',
		displayOptions: { show: { downloadVideo: [true] } },
	},
	{
		displayName: 'Download Audio',
		name: 'downloadAudio',
		type: 'boolean',
		default: false,
		description: 'Whether to also download the generated speech as an MP3 into a second binary field',
	},
	{
		displayName: 'Audio Output Field',
		name: 'audioBinaryProperty',
		type: 'string',
		default: 'audio',
		description: 'Name of the binary field the MP3 audio is put in',
		displayOptions: { show: { downloadAudio: [true] } },
	},
];

interface GenerateBody extends IDataObject {
	video_url?: string;
	audio_url?: string;
	duration?: number;
}

/**
 * POST /api/v1/generate/text-to-video, then GET the video (and audio) it points to. The URLs
 * are relative to the server root; should the server hand out absolute links elsewhere (a CDN
 * or bucket), those are fetched without the credential.
 */
interface Input {
	body: IDataObject;
	videoField?: string;
	audioField?: string;
}

export function parse(this: IExecuteFunctions, itemIndex: number, v: InputValidator): Input {
	const body = readGenerationBody(this, itemIndex, v);
	const downloadVideo = this.getNodeParameter('downloadVideo', itemIndex, true) as boolean;
	const downloadAudio = this.getNodeParameter('downloadAudio', itemIndex, false) as boolean;
	const videoField = downloadVideo ? binaryField(v, 'Video Output Field', this.getNodeParameter('videoBinaryProperty', itemIndex, 'data')) : undefined;
	const audioField = downloadAudio ? binaryField(v, 'Audio Output Field', this.getNodeParameter('audioBinaryProperty', itemIndex, 'audio')) : undefined;
	if (videoField && audioField && videoField === audioField) {
		v.fail('Audio Output Field', `"${audioField}" is already the Video Output Field`, 'two different names, e.g. data and audio');
	}
	return { body, videoField, audioField };
}

export async function execute(this: IExecuteFunctions, op: OperationContext<Input>): Promise<OperationResult> {
	const { itemIndex } = op;
	const { body, videoField, audioField } = op.input;

	// Paid GPU and text-to-speech work: never sent twice unless the server refused it.
	const response = await op.request<GenerateBody>(museTalk, {
		method: 'POST',
		url: `${API}/generate/text-to-video`,
		body,
		idempotent: false,
		hint: generationHint,
	});
	const result = response.body;
	const json: IDataObject = { session_id: body.session_id, ...result };
	const binary: Record<string, IBinaryData> = {};

	const fetchFile = async (url: unknown, kind: 'video' | 'audio', field: string) => {
		if (typeof url !== 'string' || url === '') {
			throw providerApiError(this.getNode(), {
				provider: museTalk.name,
				fallback: `The server answered without a${kind === 'audio' ? 'n' : ''} ${kind}_url`,
				itemIndex,
			});
		}
		const fileName = withExtension(fileNameOf(url) || `musetalk-${kind}`, kind === 'video' ? '.mp4' : '.mp3');
		const { binary: data } = await op.download(
			museTalk,
			{ method: 'GET', url, hint: fileHint },
			{ fileName, mimeType: kind === 'video' ? 'video/mp4' : 'audio/mpeg' },
		);
		binary[field] = data;
	};

	if (typeof result.video_url === 'string') json.video_file = fileNameOf(result.video_url);
	if (typeof result.audio_url === 'string') json.audio_file = fileNameOf(result.audio_url);
	try {
		if (videoField) await fetchFile(result.video_url, 'video', videoField);
		if (audioField) await fetchFile(result.audio_url, 'audio', audioField);
	} catch (caught) {
		// The paid generation did succeed: say where its files are so nothing is lost.
		const error = asNodeError(this.getNode(), caught, itemIndex);
		const files = [json.video_file, json.audio_file].filter(Boolean).join(' and ');
		if (files) {
			error.description = `${error.description ? `${error.description} ` : ''}The video was generated (${files}); fetch it later with Video → Download File.`;
		}
		throw error;
	}
	return Object.keys(binary).length ? { json, binary } : { json };
}
