import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import type { ProviderFailure } from '../shared/errors';
import { asObject, parseDetail, providerApiError } from '../shared/errors';
import type { RequestContext, TokenRenewal } from '../shared/http';
import { CREDENTIAL_RENEWAL_FAILED } from '../shared/http';
import type { Provider } from '../shared/provider';
import { normaliseBaseUrl } from '../shared/provider';

/**
 * The avatar-streaming backend (video-clone-backend): every endpoint lives under
 * `/api/v1/avatar` of the credential's Base URL (entered as the server root, as the
 * credential's test request assumes; a pasted `/api/v1/avatar` or `/api/v1` suffix is
 * tolerated). The Firebase token goes only to this origin; presigned S3 links go out bare.
 */
export const liveTalking: Provider = {
	name: 'LiveTalking',
	credentialType: 'liveTalkingApi',
	baseUrl: (credentials) =>
		`${normaliseBaseUrl(normaliseBaseUrl(credentials.baseUrl, '/api/v1/avatar'), '/api/v1')}/api/v1/avatar`,
	parseError: parseLiveTalkingError,
	hint: liveTalkingHint,
	renewToken: renewFirebaseIdToken,
};

/**
 * The credential's ID token has expired (the backend said 401). With a refresh token the
 * credential can mint a new one: send Get Session URLs (needs a valid token, changes nothing)
 * through n8n's own request helper, whose 401 handling runs the credential's
 * preAuthentication, saves the new token and repeats the request with it.
 */
async function renewFirebaseIdToken(
	ctx: RequestContext,
	credentials: ICredentialDataDecryptedObject,
	renewal: TokenRenewal,
): Promise<boolean> {
	if (credentials.authMethod !== 'refreshToken') return false;
	try {
		await ctx.helpers.httpRequestWithAuthentication.call(ctx, liveTalking.credentialType, {
			method: 'GET',
			url: `${renewal.baseUrl}/session`,
			json: true,
			timeout: renewal.timeoutMs,
			abortSignal: renewal.signal,
		});
		return true;
	} catch (error) {
		const message = String((error as { message?: unknown })?.message ?? error);
		if (CREDENTIAL_RENEWAL_FAILED.test(message)) {
			throw providerApiError(ctx.getNode(), { provider: liveTalking.name, fallback: message, itemIndex: renewal.itemIndex });
		}
		// Still 401 with the new token: the backend refuses this user; report the original answer.
		return String((error as { httpCode?: unknown })?.httpCode) !== '401';
	}
}

/**
 * What to do about each request field the backend can reject (422), in the node's own words:
 * `loc` of the backend's validation list -> the field the user fills in.
 */
const FIELD_ADVICE: Record<string, string> = {
	session_id: 'Session ID must be the whole number from LiveTalking’s /offer answer',
	text: 'Text must be 1 to 5000 characters',
	interrupt: 'Interrupt must be true or false',
	title: 'Title must be at most 255 characters',
	action: 'the recording action must be start or stop',
};

/** The request fields a 422 names (`detail[].loc` without "body"), in the backend's order. */
function rejectedFields(failure: ProviderFailure | undefined): string[] {
	const details = Array.isArray(failure?.details) ? (failure?.details as unknown[]) : [];
	const fields: string[] = [];
	for (const entry of details) {
		const loc = (entry as { loc?: unknown })?.loc;
		const field = Array.isArray(loc) ? loc.find((part) => part !== 'body') : undefined;
		if (typeof field === 'string' && !fields.includes(field)) fields.push(field);
	}
	return fields;
}

/**
 * Advice for the errors every backend endpoint documents. A 422's advice follows the fields
 * the backend named; a 422 that names none of the node's fields blames none of them.
 */
export function liveTalkingHint(statusCode: number, failure?: ProviderFailure): string | undefined {
	switch (statusCode) {
		case 401:
			return 'The backend refused the Firebase ID Token: it is missing, invalid or expired (Firebase ID tokens last one hour). Put a fresh token in the LiveTalking credential, or set it to sign in with a Firebase refresh token so that it renews the ID token itself.';
		case 422: {
			const advice = rejectedFields(failure)
				.map((field) => FIELD_ADVICE[field])
				.filter((line): line is string => line !== undefined);
			return advice.length
				? `The backend rejected the request fields listed above: ${advice.join('; ')}.`
				: 'The backend rejected the request (see its reasons above).';
		}
		case 503:
			return 'The backend is up but cannot reach its LiveTalking server (LIVETALKING_URL). Start LiveTalking (python app.py --transport webrtc ...) and check with Service → Health, then run this again.';
		default:
			return undefined;
	}
}

/** LiveTalking backend: `{detail}` (string, or a 422 validation list). */
export function parseLiveTalkingError(body: unknown): ProviderFailure | undefined {
	return parseDetail(asObject(body)?.detail);
}
