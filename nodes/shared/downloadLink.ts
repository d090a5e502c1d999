import type { IBinaryData, NodeOperationError } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import type { DownloadTarget } from './binary';
import { downloadToBinary } from './binary';
import { asNodeError } from './errors';
import type { RequestContext, RequestLimits } from './http';
import type { Provider } from './provider';

export interface LinkDownload {
	/** The link exactly as the provider returned it (a presigned S3 URL, for example). */
	url: string;
	itemIndex?: number;
	limits?: Partial<RequestLimits>;
	signal?: AbortSignal;
	/** What to do when the storage refuses the link (403: it expired, or was never valid). */
	refusedHint?: string;
	/** Added to the error whatever went wrong, e.g. where the file can still be found. */
	failureNote?: string;
}

/** How the storage behind a link is named in errors: it is not the provider's API. */
const STORAGE_NAME = 'The download link';

/**
 * Fetches a download link that a provider handed back (MultiTalk's `download_url`,
 * LiveTalking's recording link) into binary data. Such a link is presigned: its query carries
 * its own signature, and the storage behind it (S3 or compatible) answers a request that also
 * carries an Authorization header with 400 "Only one auth mechanism allowed" — after the key
 * has been handed to it. So this path NEVER attaches the credential, whatever the link's
 * origin, including the credential's own (deployments serve storage behind their own host).
 * Errors name the link, not the provider: "The download link: Request has expired
 * [AccessDenied]", "The download link answered HTTP 403".
 */
export async function downloadFromLink(
	ctx: RequestContext,
	provider: Provider,
	link: LinkDownload,
	target: DownloadTarget,
): Promise<{ binary: IBinaryData; bytes: number | undefined }> {
	// The provider's base URL is still read (relative links resolve against it) but its
	// credential never goes out: `authenticate: false` holds on every redirect too.
	// Nor do the provider's hints and request defaults (its rate-limit pacer): the storage is not its API.
	const storage: Provider = { ...provider, name: STORAGE_NAME, hint: undefined, requestDefaults: undefined };
	try {
		const { binary, bytes } = await downloadToBinary(
			ctx,
			storage,
			{
				method: 'GET',
				url: link.url,
				authenticate: false,
				itemIndex: link.itemIndex,
				limits: link.limits,
				signal: link.signal,
				hint: (status) =>
					`The link came from ${provider.name} and points at its file storage, which was asked without the ${provider.name} credential, as presigned links must be.${
						status === 403 && link.refusedHint ? ` ${link.refusedHint}` : ''
					}`,
			},
			target,
		);
		return { binary, bytes };
	} catch (error) {
		throw explained(ctx, error, link, provider);
	}
}

/** The download's error with the note appended; network failures told as the storage's. */
function explained(ctx: RequestContext, error: unknown, link: LinkDownload, provider: Provider): NodeApiError | NodeOperationError {
	const failure = asNodeError(ctx.getNode(), error, link.itemIndex);
	const cancelled = link.signal?.aborted === true;
	if (failure instanceof NodeApiError && failure.context.statusCode === undefined && !cancelled) {
		// No HTTP answer: the generic hint would blame the credential's Base URL, which was not asked.
		let host = 'its host';
		try {
			host = new URL(link.url).host;
		} catch {
			// keep the generic wording
		}
		failure.description = `The file storage behind the download link (${host}) returned by ${provider.name} did not deliver the file.`;
	}
	if (link.failureNote && !cancelled) {
		failure.description = `${failure.description ? `${failure.description} ` : ''}${link.failureNote}`;
	}
	return failure;
}
