import type { IExecuteFunctions } from 'n8n-workflow';

import type { ProviderFailure } from '../shared/errors';
import { asObject, parseDetail, text } from '../shared/errors';
import { RequestPacer } from '../shared/polling';
import type { Provider } from '../shared/provider';
import { normaliseBaseUrl } from '../shared/provider';

/** The documented rate limit: 100 requests per minute. */
export const DEFAULT_REQUESTS_PER_MINUTE = 100;

/** MultiTalk: Bearer API key; every path lives under /api/v1 (the credential may include it or not). */
export const multiTalk: Provider = {
	name: 'MultiTalk',
	credentialType: 'multiTalkApi',
	baseUrl: (credentials) => `${normaliseBaseUrl(credentials.baseUrl, '/api/v1')}/api/v1`,
	parseError: parseMultiTalkError,
	// Every request of a run is paced together, so the batch stays under the rate limit.
	requestDefaults: (ctx, shared) => ({ pacer: pacerFor(ctx, shared) }),
};

/** One pacer per run, shared by every item: the requests-per-minute limit holds for the batch. */
export function pacerFor(ctx: IExecuteFunctions, shared: Map<string, unknown>): RequestPacer {
	let pacer = shared.get('pacer') as RequestPacer | undefined;
	if (!pacer) {
		const raw = Number(ctx.getNodeParameter('batchSettings.requestsPerMinute', 0, DEFAULT_REQUESTS_PER_MINUTE));
		const perMinute = Number.isFinite(raw) && raw >= 1 ? Math.floor(raw) : DEFAULT_REQUESTS_PER_MINUTE;
		pacer = new RequestPacer(ctx, perMinute);
		shared.set('pacer', pacer);
	}
	return pacer;
}

/** MultiTalk: `{error, detail, request_id}`. */
export function parseMultiTalkError(body: unknown): ProviderFailure | undefined {
	const b = asObject(body);
	if (!b) return undefined;
	const fromDetail = parseDetail(b.detail);
	const requestId = text(b.request_id);
	if (fromDetail) {
		return {
			message: fromDetail.message,
			code: text(b.error) ?? fromDetail.code,
			details: requestId ? { request_id: requestId } : fromDetail.details,
		};
	}
	if (text(b.error)) return { message: b.error as string, details: requestId ? { request_id: requestId } : undefined };
	return undefined;
}
