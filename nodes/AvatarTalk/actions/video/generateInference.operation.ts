import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { withBinary } from '../../../shared/binary';
import { providerApiError } from '../../../shared/errors';
import type { OperationContext, OperationResult } from '../../../shared/router';
import type { InputValidator } from '../../../shared/validation';
import { AVATARS, EMOTIONS, LANGUAGES } from '../../constants';
import { avatarTalk, videoFileName } from '../../transport';
import {
	avatarField,
	concurrencyOption,
	emotionField,
	fileNameOption,
	languageField,
	outputBinaryField,
	readVideoField,
} from '../fields';
import { downloadToggle, optionsCollection, textField } from '../../../shared/fields';

type Mode = 'wait' | 'stream' | 'delayed';

export const description: INodeProperties[] = [
	textField({ placeholder: 'Hello! Welcome to our channel.', description: 'What the avatar says' }),
	avatarField(),
	emotionField(false),
	languageField(),
	{
		displayName: 'Mode',
		name: 'mode',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Delayed (Generate When Opened)',
				value: 'delayed',
				description:
					'Return the video links at once without generating anything. The video is made, and paid for, the first time a link is opened (or fetched with Get Video).',
			},
			{
				name: 'Stream Video',
				value: 'stream',
				description: 'Receive the MP4 while it is being generated, written straight to binary data',
			},
			{
				name: 'Wait for Video',
				value: 'wait',
				description: 'Generate the video, then return its details and links (and optionally the MP4 file)',
			},
		],
		default: 'wait',
	},
	downloadToggle('video', { what: 'the finished MP4', otherwise: 'only its links are returned', displayOptions: { show: { mode: ['wait'] } } }),
	outputBinaryField({ displayOptions: { show: { mode: ['wait'], downloadVideo: [true] } } }),
	outputBinaryField({ displayOptions: { show: { mode: ['stream'] } } }),
	optionsCollection([{ ...fileNameOption, displayOptions: { hide: { '/mode': ['delayed'] } } }, concurrencyOption]),
];

interface InferenceResponse extends IDataObject {
	id?: string;
	status?: string;
	mp4_url?: string;
	html_url?: string;
}

/** Items in parallel (Options > Items in Parallel): read once for the whole run. */
export { concurrency } from '../fields';

interface Input {
	body: IDataObject & { text: string; avatar: string; emotion: string; language: string };
	mode: Mode;
	/** Download the finished MP4 (Wait for Video with "Download Video" on). */
	download: boolean;
	/** The output binary field, for Stream Video or a download. */
	binaryProperty: string;
	fileName?: string;
}

/** Reads one item; runs for every item before any inference is requested. */
export function parse(this: IExecuteFunctions, i: number, v: InputValidator): Input {
	const text = v.text('Text', this.getNodeParameter('text', i));
	const avatar = v.oneOf('Avatar', this.getNodeParameter('avatar', i), AVATARS);
	const emotion = v.oneOf('Emotion', this.getNodeParameter('emotion', i), EMOTIONS);
	const language = v.oneOf('Language', this.getNodeParameter('language', i), LANGUAGES);
	const mode = v.oneOf<Mode>('Mode', this.getNodeParameter('mode', i), ['wait', 'stream', 'delayed']);
	const download = mode === 'wait' && (this.getNodeParameter('downloadVideo', i, true) as boolean);
	const binaryProperty =
		mode === 'stream' || download ? readVideoField(v, this.getNodeParameter('binaryPropertyName', i)) : '';
	const options = this.getNodeParameter('options', i, {}) as { fileName?: string };
	return { body: { text, avatar, emotion, language }, mode, download, binaryProperty, fileName: options.fileName };
}

/**
 * POST /inference in one of three modes. Generation is paid work, so the POST is never
 * repeated after a failure the server may have acted on (only after 429/503 or a refused
 * connection, which apiRequest handles).
 */
export async function execute(this: IExecuteFunctions, op: OperationContext<Input>): Promise<OperationResult> {
	const { mode, download, binaryProperty } = op.input;
	const body: IDataObject = { ...op.input.body };
	const { text, avatar, emotion, language } = op.input.body;

	if (mode === 'stream') {
		const fileName = videoFileName(`${avatar}-${Date.now()}`, op.input.fileName);
		const { binary, bytes, headers } = await op.download(
			avatarTalk,
			{ method: 'POST', url: '/inference', qs: { stream: 'true' }, body, idempotent: false },
			{ fileName, mimeType: 'video/mp4' },
			1,
		);
		const contentType = String(headers['content-type'] ?? '');
		if (contentType && !/^(video\/|application\/octet-stream)/i.test(contentType)) {
			throw providerApiError(this.getNode(), {
				provider: avatarTalk.name,
				fallback: `The stream answered with "${contentType}" instead of an MP4 video`,
				itemIndex: op.itemIndex,
			});
		}
		const json: IDataObject = {
			stream: true,
			text,
			avatar,
			emotion,
			language,
			file_name: fileName,
			file_size_bytes: bytes ?? null,
		};
		return withBinary({ json }, { [binaryProperty]: binary });
	}

	if (mode === 'delayed') body.delayed = true;
	const response = await op.request<InferenceResponse>(avatarTalk, { method: 'POST', url: '/inference', body, idempotent: false });
	const result = response.body;
	if (!download) return { json: result };

	if (typeof result.mp4_url !== 'string' || result.mp4_url === '') {
		throw providerApiError(this.getNode(), {
			provider: avatarTalk.name,
			fallback: `The inference finished with status "${String(result.status ?? 'unknown')}" but returned no mp4_url to download`,
			hint: 'Turn off "Download Video" to get the result without the file.',
			itemIndex: op.itemIndex,
		});
	}
	// mp4_url is absolute. On the credential's origin the API key goes with it; on any other
	// origin (a CDN, a presigned link) apiRequest sends it without credentials.
	const fileName = videoFileName(String(result.id ?? `${avatar}-${Date.now()}`), op.input.fileName);
	const { binary } = await op.download(avatarTalk, { method: 'GET', url: result.mp4_url }, { fileName, mimeType: 'video/mp4' });
	return withBinary({ json: result }, { [binaryProperty]: binary });
}
