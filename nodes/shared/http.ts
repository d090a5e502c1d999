import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	IN8nHttpFullResponse,
	ITriggerFunctions,
	IWebhookFunctions,
	NodeApiError,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { abortableSleep } from './compat';
import type { ProviderFailure } from './errors';
import { cancelledError, providerApiError } from './errors';
import type { Provider } from './provider';
import { normaliseBaseUrl } from './provider';
import {
	REFUSED_STATUSES,
	TRANSIENT_STATUSES,
	backoffDelay,
	isConnectionRefused,
	isNetworkErrorCode,
	parseRetryAfter,
} from './retryPolicy';

export type RequestContext = IExecuteFunctions | IWebhookFunctions | ITriggerFunctions;

/** How a credential's preAuthentication reports that it could not get a token (see credentials/). */
export const CREDENTIAL_RENEWAL_FAILED = /^Could not renew the [^:]* token/;

/** What `Provider.renewToken` gets besides the credential: where and how long it may ask. */
export interface TokenRenewal {
	baseUrl: string;
	itemIndex?: number;
	signal?: AbortSignal;
	timeoutMs: number;
}

/** Limits that apply to every request; nodes expose them under "Request Settings". */
export interface RequestLimits {
	/** Per-request timeout (idle time for streamed bodies). */
	timeoutMs: number;
	/** Attempts in all, the first included. */
	maxAttempts: number;
	/** Longest Retry-After the node will honour; a longer one fails with a clear error. */
	maxRetryAfterMs: number;
}

export const DEFAULT_LIMITS: RequestLimits = {
	timeoutMs: 60_000,
	maxAttempts: 4,
	maxRetryAfterMs: 120_000,
};

export type ResponseType = 'json' | 'stream' | 'text' | 'buffer';

export interface ApiRequest {
	method: IHttpRequestMethods;
	/** A path under the provider's base URL (`/jobs/123`), or an absolute URL. */
	url: string;
	qs?: IDataObject;
	/** JSON object, multipart `FormData`, or raw bytes. */
	body?: IDataObject | IDataObject[] | FormData | Buffer;
	headers?: IDataObject;
	/** How to read the response body. Default `json`. */
	responseType?: ResponseType;
	/**
	 * May this request be sent twice? Defaults to true for GET, HEAD, PUT, DELETE and OPTIONS.
	 * Requests that may start paid work must leave it false: they are repeated only after a
	 * 429/503 or a refused connection, when the server cannot have started anything.
	 */
	idempotent?: boolean;
	/** Statuses handed back to the caller instead of becoming errors (e.g. 404 on delete). */
	acceptStatuses?: number[];
	/**
	 * Statuses that mean success when they answer a repeated attempt: a DELETE whose first
	 * answer was lost and whose repeat gets 404 did delete. The response's `attempts` tells.
	 */
	acceptStatusesOnRetry?: number[];
	itemIndex?: number;
	limits?: Partial<RequestLimits>;
	/** Stops retries and waits: the execution's cancel signal, or a batch's own. */
	signal?: AbortSignal;
	/** Never sleep past this moment (epoch ms): the caller's own deadline. */
	deadline?: number;
	/** Shared pacing of requests to stay under a provider's rate limit. */
	pacer?: { take(signal?: AbortSignal): Promise<void> };
	/** One sentence added to the error's description, e.g. what to do about a 404. */
	hint?: (statusCode: number, failure?: ProviderFailure) => string | undefined;
	/**
	 * Set to false to send the request without the credential even to the credential's own
	 * origin: endpoints documented as public (a health check), so no token goes where none is
	 * needed. The credential is still read for the base URL. Default true.
	 */
	authenticate?: boolean;
	/**
	 * For endpoints documented as needing no authorization at all (AvatarTalk's Lightning
	 * pay-per-video): the base URL to send to. The credential is then not read, so the request
	 * works without one, and nothing of it is sent, whatever the origin.
	 */
	publicBaseUrl?: string;
}

export interface ApiResponse<T = unknown> {
	statusCode: number;
	/** How many times the request was sent (1 unless it was retried). */
	attempts: number;
	headers: IDataObject;
	body: T;
}

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
const MAX_ERROR_BODY = 64 * 1024;

function isAbsolute(url: string): boolean {
	return /^[a-z][a-z0-9+.-]*:\/\//i.test(url);
}

/** Joins a path to the base URL; absolute URLs are kept as they are. */
export function resolveUrl(baseUrl: string, url: string): string {
	if (isAbsolute(url)) return url;
	if (url.startsWith('/')) {
		// Paths that start at the server root ("/api/v1/...") when the base has the same prefix.
		const base = new URL(baseUrl);
		const basePath = base.pathname.replace(/\/+$/, '');
		if (basePath && url.startsWith(`${basePath}/`)) return `${base.origin}${url}`;
	}
	return `${baseUrl}${url.startsWith('/') ? '' : '/'}${url}`;
}

/** Same scheme, host and port: the only place the credential may go. */
export function sameOrigin(a: string, b: string): boolean {
	try {
		return new URL(a).origin === new URL(b).origin;
	} catch {
		return false;
	}
}

/**
 * Query parameters that make a URL a presigned link (S3 SigV4 and SigV2, Google Cloud Storage
 * V4): the link carries its own authorization, and storage refuses a second one (S3: 400
 * InvalidArgument "Only one auth mechanism allowed").
 */
const PRESIGNED_QUERY = ['x-amz-signature', 'x-amz-credential', 'x-amz-algorithm', 'signature', 'awsaccesskeyid', 'x-goog-signature', 'x-goog-credential'];

/** Whether the URL is a presigned link: never sent with a credential, whatever its origin. */
export function isPresignedUrl(url: string): boolean {
	try {
		const names = [...new URL(url).searchParams.keys()].map((name) => name.toLowerCase());
		return names.some((name) => PRESIGNED_QUERY.includes(name));
	} catch {
		return false;
	}
}

/** The execution's cancel signal, when the host provides one (n8n 1.10x+). */
export function executionSignal(ctx: RequestContext): AbortSignal | undefined {
	const fn = (ctx as Partial<IExecuteFunctions>).getExecutionCancelSignal;
	return typeof fn === 'function' ? fn.call(ctx) : undefined;
}

function throwIfCancelled(ctx: RequestContext, signal: AbortSignal | undefined, itemIndex?: number) {
	if (signal?.aborted) {
		throw cancelledError(ctx.getNode(), itemIndex);
	}
}

/** Sleeps, but wakes at once when the signal fires, on every n8n version (see compat.ts). */
export async function cancellableSleep(
	ctx: RequestContext,
	ms: number,
	signal: AbortSignal | undefined,
	itemIndex?: number,
): Promise<void> {
	throwIfCancelled(ctx, signal, itemIndex);
	if (ms <= 0) return;
	try {
		await abortableSleep(ms, signal);
	} catch {
		// it rejects only when the signal fired; report it as a cancellation below
	}
	throwIfCancelled(ctx, signal, itemIndex);
}

/** Reads at most MAX_ERROR_BODY bytes of an error response, whatever its encoding. */
async function readErrorBody(body: unknown): Promise<string> {
	if (body === undefined || body === null) return '';
	if (typeof body === 'string') return body.slice(0, MAX_ERROR_BODY);
	if (Buffer.isBuffer(body)) return body.subarray(0, MAX_ERROR_BODY).toString('utf8');
	if (typeof (body as AsyncIterable<Buffer>)[Symbol.asyncIterator] === 'function') {
		const chunks: Buffer[] = [];
		let size = 0;
		try {
			for await (const chunk of body as AsyncIterable<Buffer>) {
				chunks.push(Buffer.from(chunk));
				size += chunk.length;
				if (size >= MAX_ERROR_BODY) break;
			}
		} catch {
			// a broken error body still leaves the status code to report
		}
		(body as { destroy?: () => void }).destroy?.();
		return Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY).toString('utf8');
	}
	if (typeof body === 'object') return JSON.stringify(body);
	return String(body);
}

function tryParseJson(raw: string): { ok: true; value: unknown } | { ok: false } {
	try {
		return { ok: true, value: JSON.parse(raw) };
	} catch {
		return { ok: false };
	}
}

/** S3-style XML errors (expired or forged presigned links): `<Error><Code/><Message/></Error>`. */
function parseXmlError(raw: string): ProviderFailure | undefined {
	if (!/^\s*(<\?xml|<Error\b)/i.test(raw)) return undefined;
	const tag = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`, 'i').exec(raw)?.[1]?.trim();
	const message = tag('Message');
	return message ? { message, code: tag('Code') } : undefined;
}

function headerValue(headers: IDataObject, name: string): string | undefined {
	const value = headers[name] ?? headers[name.toLowerCase()];
	if (Array.isArray(value)) return String(value[0]);
	return value === undefined || value === null ? undefined : String(value);
}

/** A failed attempt, described so the retry loop can decide before building the error. */
class AttemptFailure {
	constructor(
		readonly kind: 'status' | 'network' | 'body',
		readonly statusCode: number | undefined,
		readonly retryAfterMs: number | undefined,
		readonly build: () => NodeApiError,
		readonly networkCode?: string,
	) {}
}

/**
 * Sends one request to a provider, the way every operation in this package does:
 * - with the credential only when the URL is on the credential's own origin and is not a
 *   presigned link (anything else goes out bare; provider-returned download links go through
 *   `downloadFromLink()`, which never authenticates), and redirects followed by hand so that
 *   a redirect to another origin never carries it;
 * - with a timeout, the execution's cancel signal, and retries: 429/503 (honouring
 *   Retry-After) and refused connections for every request, other 5xx and network failures
 *   only for idempotent ones, with exponential backoff and jitter;
 * - with the provider's own error body turned into a NodeApiError for the right item.
 */
export async function apiRequest<T = unknown>(
	ctx: RequestContext,
	provider: Provider,
	request: ApiRequest,
): Promise<ApiResponse<T>> {
	const limits: RequestLimits = { ...DEFAULT_LIMITS, ...request.limits };
	const signal = request.signal ?? executionSignal(ctx);
	const itemIndex = request.itemIndex;
	const idempotent = request.idempotent ?? IDEMPOTENT_METHODS.has(request.method);
	const credentials =
		request.publicBaseUrl === undefined ? await ctx.getCredentials(provider.credentialType, itemIndex ?? 0) : undefined;
	const baseUrl =
		request.publicBaseUrl !== undefined ? normaliseBaseUrl(request.publicBaseUrl) : provider.baseUrl(credentials ?? {});
	if (!/^https?:\/\//i.test(baseUrl)) {
		throw new NodeOperationError(
			ctx.getNode(),
			`The ${provider.name} ${request.publicBaseUrl !== undefined ? 'server' : "credential's"} Base URL "${baseUrl}" is not an http(s) URL`,
			{ itemIndex, description: 'Open the credential and enter the full URL, for example https://api.example.com' },
		);
	}

	let attempt = 0;
	let renewed = false;
	for (;;) {
		throwIfCancelled(ctx, signal, itemIndex);
		if (request.pacer) await request.pacer.take(signal);
		const outcome = await sendOnce<T>(ctx, provider, request, baseUrl, limits, signal, attempt + 1);
		if (!(outcome instanceof AttemptFailure)) return outcome;
		{
			const error = outcome;
			throwIfCancelled(ctx, signal, itemIndex);
			// A 401 refused the credential's token before anything was done: a credential that
			// renews its own token gets one chance to, then the request goes again (not an attempt).
			if (error.statusCode === 401 && !renewed && credentials && request.authenticate !== false && provider.renewToken) {
				renewed = true;
				const renewal = { baseUrl, itemIndex, signal, timeoutMs: limits.timeoutMs };
				if (await provider.renewToken(ctx, credentials, renewal)) continue;
			}
			attempt++;
			const refused =
				(error.statusCode !== undefined && REFUSED_STATUSES.has(error.statusCode)) ||
				(error.kind === 'network' && isConnectionRefused(error.networkCode));
			const transient =
				error.kind !== 'status' || (error.statusCode !== undefined && TRANSIENT_STATUSES.has(error.statusCode));
			const retryable = refused || (idempotent && transient);
			if (!retryable || attempt >= limits.maxAttempts) throw error.build();

			let wait = backoffDelay(attempt - 1);
			if (error.retryAfterMs !== undefined) {
				if (error.retryAfterMs > limits.maxRetryAfterMs) {
					const built = error.build();
					built.message += ` (the server asked to wait ${Math.ceil(error.retryAfterMs / 1000)} s, longer than the ${Math.round(limits.maxRetryAfterMs / 1000)} s allowed by "Max Retry-After Wait")`;
					throw built;
				}
				wait = Math.max(error.retryAfterMs, 0);
			}
			if (request.deadline !== undefined && Date.now() + wait > request.deadline) throw error.build();
			await cancellableSleep(ctx, wait, signal, itemIndex);
		}
	}
}

async function sendOnce<T>(
	ctx: RequestContext,
	provider: Provider,
	request: ApiRequest,
	baseUrl: string,
	limits: RequestLimits,
	signal: AbortSignal | undefined,
	attemptNumber: number,
): Promise<ApiResponse<T> | AttemptFailure> {
	const responseType = request.responseType ?? 'json';
	const node = ctx.getNode();
	const itemIndex = request.itemIndex;
	let url = resolveUrl(baseUrl, request.url);
	let method = request.method;
	let body = request.body;
	let qs = request.qs;

	for (let redirects = 0; ; redirects++) {
		// A presigned link on the credential's own origin (storage behind the service's host or
		// proxy) still goes out bare: its signature is its authorization.
		const authenticated =
			request.authenticate !== false &&
			request.publicBaseUrl === undefined &&
			sameOrigin(url, baseUrl) &&
			!isPresignedUrl(url);
		const isForm = typeof FormData !== 'undefined' && body instanceof FormData;
		const options: IHttpRequestOptions = {
			method,
			url,
			qs,
			headers: { ...request.headers },
			body: body as IHttpRequestOptions['body'],
			json: !isForm && !Buffer.isBuffer(body) && body !== undefined,
			encoding: responseType === 'stream' ? 'stream' : responseType === 'buffer' ? 'arraybuffer' : 'text',
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			disableFollowRedirect: true,
			sendCredentialsOnCrossOriginRedirect: false,
			timeout: limits.timeoutMs,
			abortSignal: signal,
		};
		if (responseType === 'json') {
			(options.headers as IDataObject).Accept = (options.headers as IDataObject).Accept ?? 'application/json';
		}

		let response: IN8nHttpFullResponse;
		try {
			response = (authenticated
				? await ctx.helpers.httpRequestWithAuthentication.call(ctx, provider.credentialType, options)
				: await ctx.helpers.httpRequest(options)) as IN8nHttpFullResponse;
		} catch (error) {
			if (signal?.aborted) throw cancelledError(node, itemIndex);
			const err = error as { code?: string; message?: string; cause?: { code?: string } };
			const code = err.code ?? err.cause?.code;
			const message = String(err.message ?? error);
			// The credential could not get itself a token (its preAuthentication failed): that is
			// the answer, and sending the request again would not change it.
			if (CREDENTIAL_RENEWAL_FAILED.test(message)) {
				throw providerApiError(node, { provider: provider.name, fallback: message, itemIndex });
			}
			const timedOut = /timeout/i.test(message) || code === 'ECONNABORTED' || code === 'ETIMEDOUT';
			const what = code ?? (isNetworkErrorCode(code, message) ? 'network error' : message);
			// Refused or unresolvable: nothing reached the server. Anything else broke after the
			// request went out (reset, answer cut short): the server may have acted on it.
			const unreached = isConnectionRefused(code);
			const idempotent = request.idempotent ?? IDEMPOTENT_METHODS.has(request.method);
			return new AttemptFailure('network', undefined, undefined, () =>
				providerApiError(node, {
					provider: provider.name,
					fallback: timedOut
						? `No answer within ${Math.round(limits.timeoutMs / 1000)} s (timeout)`
						: unreached
							? `Could not reach the service (${what})`
							: `The connection broke before a complete answer arrived (${what})`,
					hint: timedOut
						? 'Raise "Timeout" under Request Settings if the service is just slow.'
						: unreached || idempotent
							? `Check the credential's Base URL and that the ${provider.name} server is running.`
							: `The request reached ${provider.name} and may have been carried out: check there before running it again.`,
					itemIndex,
				}),
				code,
			);
		}

		const status = response.statusCode;
		const headers = (response.headers ?? {}) as IDataObject;

		if (status >= 300 && status < 400 && headerValue(headers, 'location')) {
			await readErrorBody(response.body);
			if (redirects >= 5) {
				return new AttemptFailure('status', status, undefined, () =>
					providerApiError(node, { provider: provider.name, statusCode: status, fallback: 'Too many redirects', itemIndex }),
				);
			}
			url = new URL(headerValue(headers, 'location') as string, url).toString();
			qs = undefined;
			if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
				method = 'GET';
				body = undefined;
			}
			continue;
		}

		const accepted =
			(request.acceptStatuses?.includes(status) ?? false) ||
			(attemptNumber > 1 && (request.acceptStatusesOnRetry?.includes(status) ?? false));
		if (status >= 400 && !accepted) {
			const raw = await readErrorBody(response.body);
			const parsed = tryParseJson(raw);
			const failure = parsed.ok ? provider.parseError(parsed.value) : parseXmlError(raw);
			const looksHtml = !failure && /^\s*<(!doctype|html|head|body)/i.test(raw);
			const retryAfterMs = parseRetryAfter(headerValue(headers, 'retry-after'));
			return new AttemptFailure('status', status, retryAfterMs, () =>
				providerApiError(node, {
					provider: provider.name,
					statusCode: status,
					failure,
					fallback: looksHtml ? `The server answered with an HTML error page instead of JSON` : undefined,
					hint: request.hint?.(status, failure),
					itemIndex,
				}),
			);
		}

		if (responseType === 'stream' || responseType === 'buffer') {
			return { statusCode: status, attempts: attemptNumber, headers, body: response.body as T };
		}
		if (responseType === 'json' && response.body !== null && typeof response.body === 'object' && !Buffer.isBuffer(response.body)) {
			return { statusCode: status, attempts: attemptNumber, headers, body: response.body as T }; // already parsed by the host
		}
		const raw =
			typeof response.body === 'string'
				? response.body
				: Buffer.isBuffer(response.body)
					? response.body.toString('utf8')
					: String(response.body ?? '');
		if (responseType === 'text') return { statusCode: status, attempts: attemptNumber, headers, body: raw as T };
		if (raw.trim() === '') return { statusCode: status, attempts: attemptNumber, headers, body: {} as T };
		const parsed = tryParseJson(raw);
		if (!parsed.ok) {
			// A 2xx that is not JSON: a proxy's HTML page or a body cut short. Worth another try
			// when the request is idempotent; otherwise report it plainly.
			return new AttemptFailure('body', status, undefined, () =>
				providerApiError(node, {
					provider: provider.name,
					statusCode: status,
					fallback: /^\s*</.test(raw)
						? 'The server answered with an HTML page instead of JSON'
						: 'The server answered with malformed JSON',
					itemIndex,
				}),
			);
		}
		return { statusCode: status, attempts: attemptNumber, headers, body: parsed.value as T };
	}
}
