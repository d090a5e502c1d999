/**
 * What differs between the n8n and Node.js versions this package supports (README
 * "Compatibility"), in one place:
 * - `NodeConnectionTypes` exists only from n8n-workflow 1.83 (n8n ~1.85): reading
 *   `NodeConnectionTypes.Main` on an older n8n throws while the node loads. `MAIN_CONNECTION` is
 *   its value, `'main'`, which every n8n version accepts.
 * - `sleep(ms, signal)` honours the signal only from n8n-workflow 2.36; older versions ignore
 *   it (an abort at 100 ms still returned after the full wait). `abortableSleep` stops at once
 *   on every version.
 * - Node.js 20 (which n8n 1.x and early 2.x run on) has no global `WebSocket`; Node.js >= 22 has.
 *   `webSocketMissing()` says so before anything is sent, instead of a `WebSocket is not defined`
 *   crash in the middle of an operation.
 */
import type { INode, NodeConnectionType } from 'n8n-workflow';
import { NodeOperationError, sleep } from 'n8n-workflow';

/** `NodeConnectionTypes.Main`, also on n8n versions that do not export `NodeConnectionTypes`. */
export const MAIN_CONNECTION: NodeConnectionType = 'main';

/**
 * The longest single timer behind `abortableSleep`. On hosts whose `sleep` ignores the signal
 * the timer of an aborted wait cannot be cleared; slicing the wait bounds what is left running.
 */
const SLICE_MS = 1000;

/** Rejects (with `signal.reason`) at once when `signal` fires, whether or not n8n's `sleep` honours it. */
export async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
	const end = Date.now() + Math.max(0, ms);
	for (;;) {
		if (signal?.aborted) throw abortReason(signal);
		const left = end - Date.now();
		if (left <= 0) return;
		await raceAbort(sleep(Math.min(left, SLICE_MS), signal), signal);
	}
}

function abortReason(signal: AbortSignal): unknown {
	return signal.reason ?? new Error('The operation was aborted');
}

async function raceAbort(wait: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
	if (!signal) return await wait;
	let onAbort: () => void = () => undefined;
	const aborted = new Promise<never>((_, reject) => {
		onAbort = () => reject(abortReason(signal));
		signal.addEventListener('abort', onAbort, { once: true });
	});
	try {
		await Promise.race([wait, aborted]);
	} finally {
		signal.removeEventListener('abort', onAbort);
		// the losing side must not surface as an unhandled rejection
		wait.catch(() => undefined);
		aborted.catch(() => undefined);
	}
}

/** Node.js version from which the global `WebSocket` exists (unflagged). */
export const WEBSOCKET_MIN_NODE = 22;

/** Whether this Node.js has the built-in WebSocket the WebSocket operations use. */
export function hasWebSocket(): boolean {
	return typeof WebSocket === 'function';
}

/**
 * The error a WebSocket operation fails with on a Node.js without a global `WebSocket`
 * (undefined where it exists). The message names the requirement; README "Compatibility"
 * quotes it.
 */
export function webSocketMissing(node: INode, operation: string, itemIndex = 0): NodeOperationError | undefined {
	if (hasWebSocket()) return undefined;
	return new NodeOperationError(
		node,
		`${operation} needs Node.js ${WEBSOCKET_MIN_NODE} or newer: this n8n runs on a Node.js without a built-in WebSocket`,
		{
			itemIndex,
			description: `Run n8n on Node.js ${WEBSOCKET_MIN_NODE} or newer. Every operation that does not use a WebSocket works on this Node.js too.`,
		},
	);
}
