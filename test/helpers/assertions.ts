/**
 * The assertions every node's integration tests use on a run's outcome (one copy for all).
 */
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { RunResult } from '../harness';

/**
 * The run failed with a NodeApiError; returns it. `httpCode`: the HTTP status to expect;
 * `null` for none (a failure without an HTTP answer); 'ws' for a realtime failure (n8n's
 * NodeApiError then shows the provider code there, and has no status code); left out, not
 * checked. `message`, when given, is the whole message or a pattern.
 */
export function expectApiError(result: RunResult, httpCode?: string | null, message?: string | RegExp): NodeApiError {
	expect(result.status).toBe('error');
	expect(result.error?.error).toBeInstanceOf(NodeApiError);
	const error = result.error?.error as NodeApiError;
	if (httpCode === 'ws') expect(error.context.statusCode).toBeUndefined();
	else if (httpCode === null) expect(result.error?.httpCode ?? undefined).toBeUndefined();
	else if (httpCode !== undefined) {
		expect(result.error?.httpCode).toBe(httpCode);
		expect(error.httpCode).toBe(httpCode);
	}
	if (typeof message === 'string') expect(result.error?.message).toBe(message);
	else if (message) expect(result.error?.message).toMatch(message);
	return error;
}

/** The run failed with a NodeOperationError (bad input), not a provider's answer; returns it. */
export function expectInputError(result: RunResult, message: string | RegExp): NodeOperationError {
	expect(result.status).toBe('error');
	expect(result.error?.error).toBeInstanceOf(NodeOperationError);
	expect(result.error?.error).not.toBeInstanceOf(NodeApiError);
	if (typeof message === 'string') expect(result.error?.message).toBe(message);
	else expect(result.error?.message).toMatch(message);
	return result.error?.error as NodeOperationError;
}

/** `fn` throws a NodeOperationError (a validation failure); returns it for the message checks. */
export function thrownInputError(fn: () => unknown): NodeOperationError {
	try {
		fn();
	} catch (error) {
		expect(error).toBeInstanceOf(NodeOperationError);
		return error as NodeOperationError;
	}
	throw new Error('expected a NodeOperationError');
}
