import type { IBinaryData, IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { asNodeError, providerApiError } from '../../../shared/errors';
import type { OperationContext, OperationResult } from '../../../shared/router';
import type { InputValidator } from '../../../shared/validation';
import { API, museTalk } from '../../transport';
import { downloadToggle, outputBinaryField, outputBinaryLabel } from '../../../shared/fields';
import { fileHint, fileNameOf, generationFields, generationHint, readGenerationBody, withExtension } from '../common';

export const description: INodeProperties[] = [
	...generationFields,
	downloadToggle('video', { what: 'the generated MP4', otherwise: 'only its URL is returned' }),
	outputBinaryField({ content: 'video', name: 'videoBinaryProperty', what: 'the MP4 video', displayOptions: { show: { downloadVideo: [true] } } }),
	downloadToggle('audio', { default: false, what: 'the generated speech (MP3) as well' }),
	outputBinaryField({ content: 'audio', name: 'audioBinaryProperty', default: 'audio', what: 'the MP3 audio', displayOptions: { show: { downloadAudio: [true] } } }),
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
	const videoField = downloadVideo ? v.binaryField(outputBinaryLabel('video'), this.getNodeParameter('videoBinaryProperty', itemIndex, 'data')) : undefined;
	const audioField = downloadAudio ? v.binaryField(outputBinaryLabel('audio'), this.getNodeParameter('audioBinaryProperty', itemIndex, 'audio')) : undefined;
	if (videoField && audioField && videoField === audioField) {
		v.fail(outputBinaryLabel('audio'), `"${audioField}" is already the field of ${outputBinaryLabel('video')}`, 'two different names, e.g. data and audio');
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
