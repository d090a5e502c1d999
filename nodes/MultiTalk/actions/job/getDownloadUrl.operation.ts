import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../../shared/router';
import { downloadJobVideo, getDownloadLink } from '../../helpers/download';
import type { InputValidator } from '../../../shared/validation';
import { itemsInParallel, jobIdField, linkRequest, readJobId, readVideoField, videoOutputField, withItemsInParallel } from '../common';
import { downloadToggle } from '../../../shared/fields';

export const description: INodeProperties[] = withItemsInParallel([
	jobIdField,
	{
		displayName: 'Link Valid For (Seconds)',
		name: 'expiration',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 86400 },
		default: 3600,
		description: 'How long the download link works (up to 86400 seconds, one day)',
	},
	downloadToggle('video', { default: false, what: 'the MP4 as well', otherwise: 'only the link is returned' }),
	videoOutputField,
], 5, false);

export const concurrency = itemsInParallel(5, false);

/** GET /jobs/{id}/download: a temporary link to the finished video, and the video itself if asked. */
export function parse(this: IExecuteFunctions, itemIndex: number, v: InputValidator) {
	const download = this.getNodeParameter('downloadVideo', itemIndex, false) as boolean;
	return {
		jobId: v.pathId('Job ID', readJobId(this, itemIndex)),
		expiration: v.number('Link Valid For (Seconds)', this.getNodeParameter('expiration', itemIndex, 3600), { min: 1, max: 86400, integer: true }),
		download,
		binaryPropertyName: download ? readVideoField(this, itemIndex, v) : 'data',
	};
}

export async function execute(this: IExecuteFunctions, op: OperationContext<ReturnType<typeof parse>>): Promise<OperationResult> {
	const input = op.input;
	const request = linkRequest(this, op, input.jobId, input.expiration);
	if (!input.download) return { json: await getDownloadLink(this, request) };
	const { link, binary } = await downloadJobVideo(this, request);
	return { json: link, binary: { [input.binaryPropertyName]: binary } };
}
