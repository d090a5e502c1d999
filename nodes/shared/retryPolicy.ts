/** Pure retry arithmetic, kept apart from I/O so it can be tested on its own. */

/** Statuses where the server refused before doing any work: safe to repeat any request. */
export const REFUSED_STATUSES = new Set([429, 503]);
/** Statuses worth repeating when the request itself is idempotent. */
export const TRANSIENT_STATUSES = new Set([500, 502, 503, 504, 429, 408]);

/**
 * Reads a Retry-After header: delay-seconds or an HTTP date. Returns milliseconds to wait, or
 * undefined when the header is missing or unreadable.
 */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number | undefined {
	if (Array.isArray(value)) value = value[0];
	if (typeof value === 'number') return Math.max(0, value * 1000);
	if (typeof value !== 'string' || value.trim() === '') return undefined;
	const trimmed = value.trim();
	if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(parseFloat(trimmed) * 1000);
	const date = Date.parse(trimmed);
	if (Number.isNaN(date)) return undefined;
	return Math.max(0, date - now);
}

/** Exponential backoff with full jitter: a random wait in [base/2, base * 2^attempt], capped. */
export function backoffDelay(
	attempt: number,
	baseMs = 500,
	maxMs = 10_000,
	random: () => number = Math.random,
): number {
	const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
	const floor = Math.min(ceiling, baseMs / 2);
	return Math.round(floor + random() * (ceiling - floor));
}

/** Network failures where the request never reached the server, or died on the way. */
const NETWORK_CODES = new Set([
	'ECONNRESET',
	'ECONNREFUSED',
	'ECONNABORTED',
	'EPIPE',
	'ETIMEDOUT',
	'ESOCKETTIMEDOUT',
	'EAI_AGAIN',
	'ENOTFOUND',
	'ERR_BAD_RESPONSE',
	'UND_ERR_SOCKET',
	'ERR_STREAM_PREMATURE_CLOSE',
]);

/** Did the connection fail before anything could have been processed by the server? */
export function isConnectionRefused(code: string | undefined): boolean {
	return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
}

export function isNetworkErrorCode(code: string | undefined, message = ''): boolean {
	if (code && NETWORK_CODES.has(code)) return true;
	return /socket hang up|aborted|timeout|network|premature close|ECONNRESET/i.test(message);
}
