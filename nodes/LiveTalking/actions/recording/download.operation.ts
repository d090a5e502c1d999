import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { providerApiError } from '../../../shared/errors';
import { downloadToggle, outputBinaryField, outputBinaryLabel } from '../../../shared/fields';
import type { OperationContext, OperationResult } from '../../../shared/router';
import type { InputValidator } from '../../../shared/validation';
import { liveTalking } from '../../transport';
import { MAX_TITLE_LENGTH, readSessionId, readText, sessionIdField } from '../common';

export const description: INodeProperties[] = [
	sessionIdField,
	{
		displayName: 'Title',
		name: 'title',
		type: 'string',
		default: '',
		placeholder: 'e.g. Product demo',
		description: `Optional title stored with the recording (up to ${MAX_TITLE_LENGTH} characters)`,
	},
	downloadToggle('video', {
		name: 'downloadFile',
		what: 'the MP4 recording (from the returned download link)',
		otherwise: 'only the link, valid for a limited time, the recording ID and the S3 key are returned',
	}),
	outputBinaryField({ content: 'video', what: 'the MP4 recording', displayOptions: { show: { downloadFile: [true] } } }),
];

interface DownloadBody extends IDataObject {
	recording_id?: string;
	download_url?: string;
	s3_key?: string;
}

interface Input {
	sessionId: number;
	title: string;
	download: boolean;
	field: string;
}

export function parse(this: IExecuteFunctions, itemIndex: number, v: InputValidator): Input {
	const sessionId = readSessionId.call(this, itemIndex, v);
	const title = readText(v, 'Title', this.getNodeParameter('title', itemIndex, ''), { max: MAX_TITLE_LENGTH, required: false });
	const download = this.getNodeParameter('downloadFile', itemIndex, true) as boolean;
	let field = '';
	if (download) {
		field = v.binaryField(outputBinaryLabel('video'), this.getNodeParameter('binaryPropertyName', itemIndex, 'data'));
	}
	return { sessionId, title, download, field };
}

/**
 * POST /api/v1/avatar/recording/download: the backend copies the latest (stopped) recording to
 * S3 and answers with a presigned link, which is then fetched without any credential.
 */
export async function execute(this: IExecuteFunctions, op: OperationContext<Input>): Promise<OperationResult> {
	const { itemIndex } = op;
	const { sessionId, title, download, field } = op.input;

	const body: IDataObject = { session_id: sessionId };
	if (title.trim() !== '') body.title = title;
	// Each call stores a new copy in S3: not repeated unless the backend refused it.
	const response = await op.request<DownloadBody>(liveTalking, {
		method: 'POST',
		url: '/recording/download',
		body,
		idempotent: false,
		// other statuses get the provider's hints (liveTalkingHint)
		hint: (status) =>
			status === 404
				? 'There is no finished recording for this session yet. Run Recording → Stop with the same Session ID first (after Recording → Start and some speech), then download.'
				: undefined,
	});
	const result = response.body;
	const json: IDataObject = { session_id: sessionId, ...(body.title ? { title: body.title } : {}), ...result };
	if (!download) return { json };

	if (typeof result.download_url !== 'string' || result.download_url === '') {
		throw providerApiError(this.getNode(), {
			provider: liveTalking.name,
			fallback: 'The backend saved the recording but returned no download_url',
			itemIndex,
		});
	}
	const id = typeof result.recording_id === 'string' && result.recording_id ? result.recording_id : `session-${sessionId}`;
	const fileName = `${id.replace(/[^A-Za-z0-9_-]/g, '_')}.mp4`;
	// A presigned link to S3, wherever it points: fetched without the Firebase token.
	const { binary } = await op.downloadLink(
		liveTalking,
		{
			url: result.download_url,
			refusedHint: 'The link was refused (presigned links expire): run Download Recording again for a fresh link.',
			// The recording is safely in S3 already: say where, so nothing is lost.
			failureNote: `The recording was saved to S3 (s3_key ${String(result.s3_key ?? 'unknown')}, recording_id ${id}).`,
		},
		{ fileName, mimeType: 'video/mp4' },
	);
	return { json, binary: { [field]: binary } };
}
