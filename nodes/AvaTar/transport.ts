import type { ICredentialDataDecryptedObject, INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { ProviderFailure } from '../shared/errors';
import { asObject, parseDetail, text } from '../shared/errors';
import type { Provider } from '../shared/provider';
import { normaliseBaseUrl } from '../shared/provider';

/**
 * AvaTar: the REST API lives under `<server>/v1` while `/health` and `/metrics` sit at the
 * server root, so the base URL is the server root (the credential may end in /v1 or not) and
 * every operation names its full path (`/v1/streaming.new`, `/health`). A deployment behind
 * a path prefix (`https://host/avatar/v1`) keeps its prefix for both.
 */
export const avaTar: Provider = {
	name: 'AvaTar',
	credentialType: 'avaTarApi',
	baseUrl: (credentials) => normaliseBaseUrl(credentials.baseUrl, '/v1'),
	parseError: parseAvaTarError,
	hint: avaTarHint,
};

/** A plain-language hint for the documented error statuses. */
export function avaTarHint(status: number): string | undefined {
	switch (status) {
		case 401:
			return 'Check the API key in the AvaTar credential (leave it empty only if your deployment has no authentication).';
		case 404:
			return 'The session may have been stopped or never existed: create one with "New Session" and use its session_id.';
		case 429:
			return 'AvaTar limits requests per minute (session creation 10, speak 30, chat 60). The node waits for the server\'s Retry-After within "Max Retry-After Wait" and "Max Attempts" (Request Settings): raise those, or slow the workflow down.';
		case 503:
			return 'The AvaTar service is temporarily unavailable; try again later.';
		default:
			return undefined;
	}
}

/** `<wsUrl>/<session id>`: the realtime socket of one session. */
export function realtimeUrl(node: INode, credentials: ICredentialDataDecryptedObject, sessionId: string, itemIndex: number): string {
	const raw = String(credentials.wsUrl ?? '').trim().replace(/\/+$/, '');
	if (raw === '') {
		throw new NodeOperationError(node, 'The AvaTar credential has no WebSocket URL', {
			itemIndex,
			description: 'Open the credential and fill in "WebSocket URL", for example ws://localhost:8001/ws (without the session ID).',
		});
	}
	let parsed: URL | undefined;
	try {
		parsed = new URL(raw);
	} catch {
		parsed = undefined;
	}
	if (!parsed || !['ws:', 'wss:'].includes(parsed.protocol)) {
		throw new NodeOperationError(node, `The AvaTar credential's WebSocket URL "${raw}" is not a ws:// or wss:// URL`, {
			itemIndex,
			description: 'Enter the realtime endpoint without the session ID, for example ws://localhost:8001/ws',
		});
	}
	return `${raw}/${encodeURIComponent(sessionId)}`;
}

/** The Bearer header for the WebSocket upgrade, only when the credential has a key. */
export function realtimeHeaders(credentials: ICredentialDataDecryptedObject): Record<string, string> {
	const apiKey = String(credentials.apiKey ?? '');
	return apiKey ? { Authorization: `Bearer ${apiKey}` } : {};
}

/** AvaTar: `{error: {code, message, details}}`. */
export function parseAvaTarError(body: unknown): ProviderFailure | undefined {
	const b = asObject(body);
	const e = asObject(b?.error);
	if (e && text(e.message)) return { message: e.message as string, code: text(e.code), details: e.details };
	if (b && text(b.error)) return { message: b.error as string };
	return parseDetail(b?.detail);
}
