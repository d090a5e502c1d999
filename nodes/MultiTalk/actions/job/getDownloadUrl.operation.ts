import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../../shared/router';
import { downloadJobVideo, getDownloadLink } from '../../helpers/download';
import type { InputValidator } from '../../../shared/validation';
import { jobIdField, linkRequest, readJobId } from '../common';
import { outputBinaryField } from '../../../shared/fields';

export const description: INodeProperties[] = [
	jobIdField,
	{
		displayName: 'Link Valid For (Seconds)',
		name: 'expiration',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 86400 },
		default: 3600,
		description: 'How long the download link works (up to 86400 seconds, one day)',
	},
	{
		displayName: 'Download Video',
		name: 'downloadVideo',
		type: 'boolean',
		default: false,
		description: 'Whether to also download the MP4 into the item as binary data',
	},
	outputBinaryField({ displayOptions: { show: { downloadVideo: [true] } }, hint: 'The name of the output binary field to put the video in' }),
];

export const concurrency = () => 5;

/** GET /jobs/{id}/download: a temporary link to the finished video, and the video itself if asked. */
export function parse(this: IExecuteFunctions, itemIndex: number, v: InputValidator) {
	const download = this.getNodeParameter('downloadVideo', itemIndex, false) as boolean;
	return {
		jobId: v.pathId('Job ID', readJobId(this, itemIndex)),
		expiration: v.number('Link Valid For (Seconds)', this.getNodeParameter('expiration', itemIndex, 3600), { min: 1, max: 86400, integer: true }),
		download,
		binaryPropertyName: download
			? v.text('Put Output File in Field', this.getNodeParameter('binaryPropertyName', itemIndex, 'data'), { max: 200 }).trim()
			: 'data',
	};
}

export async function execute(this: IExecuteFunctions, op: OperationContext<ReturnType<typeof parse>>): Promise<OperationResult> {
	const input = op.input;
	const request = linkRequest(this, op, input.jobId, input.expiration);
	if (!input.download) return { json: await getDownloadLink(this, request) };
	const { link, binary } = await downloadJobVideo(this, request);
	return { json: link, binary: { [input.binaryPropertyName]: binary } };
}
