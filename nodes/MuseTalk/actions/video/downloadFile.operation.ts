import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../../shared/router';
import type { InputValidator } from '../../../shared/validation';
import { API, museTalk } from '../../transport';
import { outputBinaryField, outputBinaryLabel } from '../../../shared/fields';
import { fileHint, fileNameOf, withExtension } from '../common';

export const description: INodeProperties[] = [
	{
		displayName: 'File Type',
		name: 'fileType',
		type: 'options',
		options: [
			{ name: 'Audio (MP3)', value: 'audio', description: 'A generated speech file (audio_url)' },
			{ name: 'Video (MP4)', value: 'video', description: 'A generated avatar video (video_url)' },
		],
		default: 'video',
	},
	{
		displayName: 'File Name',
		name: 'fileName',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. output_12345.mp4',
		description:
			'The generated file’s name, as in video_file / audio_file of Generate Video from Text. The whole video_url or audio_url works too.',
	},
	outputBinaryField({ content: 'file', what: 'the file' }),
];

interface Input {
	fileType: 'video' | 'audio';
	name: string;
	field: string;
}

export function parse(this: IExecuteFunctions, itemIndex: number, v: InputValidator): Input {
	const fileType = v.oneOf('File Type', this.getNodeParameter('fileType', itemIndex), ['video', 'audio'] as const);
	const raw = String(this.getNodeParameter('fileName', itemIndex, '') ?? '').trim();
	// A pasted video_url/audio_url is reduced to its file name.
	const name = raw.includes('/') ? fileNameOf(raw) : raw;
	if (name === '' || /[\s/\\?#]/.test(name) || name === '.' || name === '..') {
		v.fail('File Name', raw === '' ? 'is required' : `"${raw}" is not a file name`, 'a generated file name such as output_12345.mp4 or audio_12345.mp3');
	}
	const field = v.binaryField(outputBinaryLabel('file'), this.getNodeParameter('binaryPropertyName', itemIndex, 'data'));
	return { fileType, name, field };
}

/** GET /api/v1/generate/video/{filename} or /api/v1/generate/audio/{filename}. */
export async function execute(this: IExecuteFunctions, op: OperationContext<Input>): Promise<OperationResult> {
	const { fileType, name, field } = op.input;
	const isVideo = fileType === 'video';
	const { binary, bytes } = await op.download(
		museTalk,
		{ method: 'GET', url: `${API}/generate/${fileType}/${encodeURIComponent(name)}`, hint: fileHint },
		{ fileName: withExtension(name, isVideo ? '.mp4' : '.mp3'), mimeType: isVideo ? 'video/mp4' : 'audio/mpeg' },
	);
	return {
		json: { file_name: name, file_type: fileType, mime_type: binary.mimeType, ...(bytes !== undefined ? { bytes } : {}) },
		binary: { [field]: binary },
	};
}
