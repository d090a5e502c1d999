import type { IDataObject, INode, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

/** The one error every wait, request and socket ends with when the execution is stopped. */
export function cancelledError(node: INode, itemIndex?: number): NodeOperationError {
	return new NodeOperationError(node, 'The execution was cancelled', { itemIndex });
}

/** What a provider said went wrong, read from its own error body. */
export interface ProviderFailure {
	message: string;
	code?: string;
	details?: unknown;
}

export function text(value: unknown): string | undefined {
	if (typeof value === 'string' && value.trim() !== '') return value;
	return undefined;
}

export function asObject(value: unknown): IDataObject | undefined {
	return value !== null && typeof value === 'object' && !Array.isArray(value)
		? (value as IDataObject)
		: undefined;
}

/**
 * FastAPI-style `{detail}`: a string, or a 422 list of `{loc, msg, type}` which is shown field
 * by field ("text: String should have at least 1 character").
 */
export function parseDetail(detail: unknown): ProviderFailure | undefined {
	if (text(detail)) return { message: detail as string };
	if (Array.isArray(detail)) {
		const lines = detail.map((entry) => {
			const e = asObject(entry) ?? {};
			const loc = Array.isArray(e.loc) ? e.loc.filter((p) => p !== 'body').join('.') : '';
			const msg = text(e.msg) ?? JSON.stringify(entry);
			return loc ? `${loc}: ${msg}` : msg;
		});
		const firstType = asObject(detail[0])?.type;
		return { message: lines.join('; '), code: text(firstType), details: detail };
	}
	return undefined;
}

const STATUS_TEXT: Record<number, string> = {
	400: 'Bad request',
	401: 'Unauthorized: check the API key in the credential',
	403: 'Forbidden',
	404: 'Not found',
	408: 'Request timeout',
	409: 'Conflict',
	413: 'Payload too large',
	422: 'Validation error',
	429: 'Too many requests: rate limit exceeded',
	500: 'Internal server error',
	502: 'Bad gateway',
	503: 'Service unavailable',
	504: 'Gateway timeout',
};

export interface ApiErrorInput {
	provider: string;
	statusCode?: number;
	failure?: ProviderFailure;
	/** Used when the body held no provider message (HTML page, empty body, network error). */
	fallback?: string;
	hint?: string;
	itemIndex?: number;
}

/**
 * The one way a provider failure becomes an n8n error: the provider's own message (or a
 * plain-language fallback), its error code in brackets, the HTTP status as `httpCode`.
 * Only the parsed body goes in: never request options, so no header or secret can leak.
 */
export function providerApiError(node: INode, input: ApiErrorInput): NodeApiError {
	const { provider, statusCode, failure } = input;
	const base =
		failure?.message ??
		input.fallback ??
		(statusCode ? STATUS_TEXT[statusCode] ?? `HTTP ${statusCode}` : 'Request failed');
	const message = `${provider}: ${base}${failure?.code ? ` [${failure.code}]` : ''}`;
	const parts = [statusCode ? `${provider} answered HTTP ${statusCode}.` : undefined, input.hint];
	// The provider's code goes under `providerCode`: n8n reads `code`/`errorCode` as an HTTP
	// status when there is none (WebSocket failures), which would show "httpCode: UNAUTHORIZED".
	const response: JsonObject = {
		message,
		...(failure?.code ? { providerCode: failure.code } : {}),
		...(statusCode ? { httpCode: String(statusCode) } : {}),
		...(failure?.details !== undefined ? { details: failure.details as JsonObject } : {}),
	};
	const error = new NodeApiError(node, response, {
		message,
		description: parts.filter(Boolean).join(' ') || undefined,
		httpCode: statusCode ? String(statusCode) : undefined,
		itemIndex: input.itemIndex,
	});
	if (failure?.code) error.context.providerCode = failure.code;
	if (statusCode) error.context.statusCode = statusCode;
	return error;
}

/**
 * Re-throw a caught error as an n8n error. NodeApiError and NodeOperationError pass through
 * unchanged (they already carry the provider's message, code and any hint added on the way);
 * anything else (a fault no lower layer classified) becomes a NodeOperationError on the item, so
 * the user never sees a bare Error. n8n's scanner rule `require-node-api-error` asks for exactly
 * this in every catch block, and ignores inline disable comments.
 */
export function asNodeError(
	node: INode,
	error: unknown,
	itemIndex?: number,
): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	return new NodeOperationError(node, error instanceof Error ? error : String(error), { itemIndex });
}
