import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import type { ProviderFailure } from './errors';

/** What the shared transport needs to know about one service. */
export interface Provider {
	/** Shown in error messages: "MultiTalk: Job not found [Not Found]". */
	name: string;
	/** The n8n credential type this provider authenticates with. */
	credentialType: string;
	/**
	 * The URL that request paths are appended to, from the credential (normalised: no trailing
	 * slash). Its origin is the only origin that ever receives the credential.
	 */
	baseUrl(credentials: ICredentialDataDecryptedObject): string;
	/** Reads the provider's documented error body. */
	parseError(body: unknown): ProviderFailure | undefined;
}

/** Trims trailing slashes and, when given, a trailing path suffix such as `/api/v1`. */
export function normaliseBaseUrl(raw: unknown, stripSuffix?: string): string {
	let url = String(raw ?? '').trim().replace(/\/+$/, '');
	if (stripSuffix && url.toLowerCase().endsWith(stripSuffix.toLowerCase())) {
		url = url.slice(0, -stripSuffix.length).replace(/\/+$/, '');
	}
	return url;
}
