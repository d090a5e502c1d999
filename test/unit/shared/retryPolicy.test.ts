import { backoffDelay, isConnectionRefused, isNetworkErrorCode, parseRetryAfter } from '../../../nodes/shared/retryPolicy';

describe('parseRetryAfter', () => {
	const now = Date.parse('2026-01-01T00:00:00Z');

	it('reads delay-seconds', () => {
		expect(parseRetryAfter('7', now)).toBe(7000);
		expect(parseRetryAfter('0', now)).toBe(0);
		expect(parseRetryAfter('1.5', now)).toBe(1500);
		expect(parseRetryAfter(['3'], now)).toBe(3000);
	});

	it('reads an HTTP date relative to now, never negative', () => {
		expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
		expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
	});

	it('ignores missing or unreadable values', () => {
		expect(parseRetryAfter(undefined, now)).toBeUndefined();
		expect(parseRetryAfter('', now)).toBeUndefined();
		expect(parseRetryAfter('soon', now)).toBeUndefined();
	});
});

describe('backoffDelay', () => {
	it('grows exponentially and stays within [base/2, cap]', () => {
		expect(backoffDelay(0, 500, 10_000, () => 1)).toBe(500);
		expect(backoffDelay(1, 500, 10_000, () => 1)).toBe(1000);
		expect(backoffDelay(3, 500, 10_000, () => 1)).toBe(4000);
		expect(backoffDelay(10, 500, 10_000, () => 1)).toBe(10_000);
		expect(backoffDelay(3, 500, 10_000, () => 0)).toBe(250);
	});

	it('is jittered', () => {
		const values = new Set(Array.from({ length: 20 }, () => backoffDelay(4)));
		expect(values.size).toBeGreaterThan(1);
	});
});

describe('network error classification', () => {
	it('knows refused connections (nothing reached the server)', () => {
		expect(isConnectionRefused('ECONNREFUSED')).toBe(true);
		expect(isConnectionRefused('ECONNRESET')).toBe(false);
	});

	it('recognises resets, timeouts and premature closes', () => {
		expect(isNetworkErrorCode('ECONNRESET')).toBe(true);
		expect(isNetworkErrorCode(undefined, 'socket hang up')).toBe(true);
		expect(isNetworkErrorCode(undefined, 'Request failed with status code 400')).toBe(false);
	});
});
