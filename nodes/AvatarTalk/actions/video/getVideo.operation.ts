import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { withBinary } from '../../../shared/binary';
import type { OperationContext, OperationResult } from '../../../shared/router';
import type { InputValidator } from '../../../shared/validation';
import { avatarTalk, videoFileName } from '../../transport';
import { concurrencyOption, fileNameOption, outputBinaryField, readVideoField } from '../fields';
import { optionsCollection } from '../../../shared/fields';

export const description: INodeProperties[] = [
	{
		displayName: 'Video Source',
		name: 'source',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Inference ID', value: 'id', description: 'The "ID" returned by Generate Inference' },
			{ name: 'URL', value: 'url', description: 'The "mp4_url" (or "html_url") returned by Generate Inference' },
		],
		default: 'id',
	},
	{
		displayName: 'Inference ID',
		name: 'inferenceId',
		type: 'string',
		default: '',
		required: true,
		placeholder: '123e4567-e89b-12d3-a456-426614174000',
		displayOptions: { show: { source: ['id'] } },
	},
	{
		displayName: 'Video URL',
		name: 'videoUrl',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'https://api.avatartalk.ai/inference/123e4567-e89b-12d3-a456-426614174000/video.mp4',
		displayOptions: { show: { source: ['url'] } },
	},
	{
		displayName: 'A delayed inference is generated, and its video time charged, the first time its video is fetched',
		name: 'delayedNotice',
		type: 'notice',
		default: '',
	},
	outputBinaryField(),
	optionsCollection([fileNameOption, concurrencyOption]),
];

export { concurrency } from '../fields';

/** `/inference/<id>/video.html` -> `/inference/<id>/video.mp4`: the viewer page's video. */
function toMp4Url(url: string): string {
	const parsed = new URL(url);
	parsed.pathname = parsed.pathname.replace(/\/inference\/([^/]+)\/video\.html$/, '/inference/$1/video.mp4');
	return parsed.toString();
}

interface Input {
	/** A path under the credential's base URL, or the absolute URL the user gave. */
	url: string;
	id: string;
	binaryProperty: string;
	fileName: string;
}

export function parse(this: IExecuteFunctions, i: number, v: InputValidator): Input {
	const source = v.oneOf('Video Source', this.getNodeParameter('source', i), ['id', 'url']);
	let url: string;
	let id: string;
	if (source === 'id') {
		id = v.pathId('Inference ID', this.getNodeParameter('inferenceId', i));
		url = `/inference/${encodeURIComponent(id)}/video.mp4`;
	} else {
		// A user who pasted the browser viewer link (html_url) means its video.
		url = toMp4Url(v.url('Video URL', this.getNodeParameter('videoUrl', i)).trim());
		id = /\/inference\/([^/]+)\/video\.mp4$/.exec(new URL(url).pathname)?.[1] ?? 'video';
	}
	const binaryProperty = readVideoField(v, this.getNodeParameter('binaryPropertyName', i));
	const options = this.getNodeParameter('options', i, {}) as { fileName?: string };
	return { url, id: decodeURIComponent(id), binaryProperty, fileName: videoFileName(decodeURIComponent(id), options.fileName) };
}

/**
 * GET /inference/:id/video.mp4 streamed into binary data. A plain GET of a fixed inference is
 * safe to repeat when the download breaks (the same inference is generated once), so
 * downloadToBinary retries it whole.
 */
export async function execute(this: IExecuteFunctions, op: OperationContext<Input>): Promise<OperationResult> {
	const { url, id, binaryProperty, fileName } = op.input;
	const { binary, bytes } = await op.download(
		avatarTalk,
		{
			method: 'GET',
			url,
			hint: (status) =>
				status === 404 ? 'Check the inference ID: use the "id" (or "mp4_url") returned by Generate Inference.' : undefined,
		},
		{ fileName, mimeType: 'video/mp4' },
	);
	const json: IDataObject = { id, file_name: fileName, file_size_bytes: bytes ?? null };
	return withBinary({ json }, { [binaryProperty]: binary });
}
