import type { ICredentialDataDecryptedObject, IExecuteFunctions } from 'n8n-workflow';

import type { ProviderFailure } from './errors';
import type { ApiRequest, RequestContext, TokenRenewal } from './http';

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
	/**
	 * A plain-language sentence for a failed status (what to check), added to the error. It gets
	 * what the provider said too (`failure`), so advice can follow the field the provider named.
	 */
	hint?(statusCode: number, failure?: ProviderFailure): string | undefined;
	/**
	 * Defaults for every request an operation sends through its context, from state shared by
	 * the run's items (MultiTalk's requests-per-minute pacer, for example).
	 */
	requestDefaults?(ctx: IExecuteFunctions, shared: Map<string, unknown>): Partial<ApiRequest>;
	/**
	 * For a credential that renews its own token (an n8n expirable credential with
	 * preAuthentication): called once when an authenticated request is refused with 401. n8n runs
	 * preAuthentication only on a 401 that reaches its own request helper, which the transport's
	 * requests never throw (they read every status themselves), so this sends a harmless request
	 * that does. Resolves true when the token was renewed and the request should go again.
	 */
	renewToken?(ctx: RequestContext, credentials: ICredentialDataDecryptedObject, renewal: TokenRenewal): Promise<boolean>;
}

/** Trims trailing slashes and, when given, a trailing path suffix such as `/api/v1`. */
export function normaliseBaseUrl(raw: unknown, stripSuffix?: string): string {
	let url = String(raw ?? '').trim().replace(/\/+$/, '');
	if (stripSuffix && url.toLowerCase().endsWith(stripSuffix.toLowerCase())) {
		url = url.slice(0, -stripSuffix.length).replace(/\/+$/, '');
	}
	return url;
}
