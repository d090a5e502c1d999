import type { IBinaryData, IDataObject } from 'n8n-workflow';

import { downloadFromLink } from '../../shared/downloadLink';
import { providerApiError } from '../../shared/errors';
import type { RequestContext, RequestLimits } from '../../shared/http';
import { apiRequest } from '../../shared/http';
import { multiTalk } from '../transport';

export interface DownloadLink extends IDataObject {
	job_id: string;
	download_url: string;
	expires_in: number;
	s3_uri: string;
}

export interface LinkRequest {
	jobId: string;
	/** Seconds the link stays valid (1..86400). */
	expiration?: number;
	itemIndex?: number;
	limits?: Partial<RequestLimits>;
	signal?: AbortSignal;
	pacer?: { take(signal?: AbortSignal): Promise<void> };
}

/** `GET /jobs/{id}/download`: a presigned link to the finished MP4. */
export async function getDownloadLink(ctx: RequestContext, request: LinkRequest): Promise<DownloadLink> {
	const response = await apiRequest<DownloadLink>(ctx, multiTalk, {
		method: 'GET',
		url: `/jobs/${encodeURIComponent(request.jobId)}/download`,
		qs: { expiration: request.expiration ?? 3600 },
		itemIndex: request.itemIndex,
		limits: request.limits,
		signal: request.signal,
		pacer: request.pacer,
		hint: (status) =>
			status === 404
				? `Check the Job ID "${request.jobId}": MultiTalk does not know it.`
				: status === 400
					? 'A download link exists only once the job is completed: wait for the job first.'
					: undefined,
	});
	return response.body;
}

/** `s3://bucket/outputs/video_123.mp4` -> `video_123.mp4`; anything else -> `multitalk-<job>.mp4`. */
export function videoFileName(jobId: string, s3Uri: unknown): string {
	const last = typeof s3Uri === 'string' ? s3Uri.split('/').pop() ?? '' : '';
	const safe = last.replace(/[^\w.-]/g, '_');
	return /\.mp4$/i.test(safe) && safe.length > 4 ? safe : `multitalk-${jobId.replace(/[^\w.-]/g, '_')}.mp4`;
}

/**
 * Gets a download link (with the MultiTalk credential), then streams the MP4 from it into n8n's
 * binary store. The link is presigned storage, fetched by `downloadFromLink()` without the
 * credential, also when the deployment serves its storage on the API's own host.
 */
export async function downloadJobVideo(
	ctx: RequestContext,
	request: LinkRequest,
): Promise<{ link: DownloadLink; binary: IBinaryData; bytes: number | undefined }> {
	const link = await getDownloadLink(ctx, request);
	if (typeof link.download_url !== 'string' || !/^https?:\/\//i.test(link.download_url)) {
		throw providerApiError(ctx.getNode(), {
			provider: multiTalk.name,
			failure: { message: `No usable download link was returned for job ${request.jobId}` },
			itemIndex: request.itemIndex,
		});
	}
	const { binary, bytes } = await downloadFromLink(
		ctx,
		multiTalk,
		{
			url: link.download_url,
			itemIndex: request.itemIndex,
			limits: request.limits,
			signal: request.signal,
			refusedHint: 'The link was refused (presigned links expire): run Get Download URL again for a fresh one.',
			failureNote: `Job ${request.jobId} is completed: its video can be fetched again with Get Download URL (Download Video on).`,
		},
		{ fileName: videoFileName(request.jobId, link.s3_uri), mimeType: 'video/mp4' },
	);
	return { link, binary, bytes };
}
