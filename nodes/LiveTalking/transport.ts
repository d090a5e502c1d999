import type { ProviderFailure } from '../shared/errors';
import { parseLiveTalkingError } from '../shared/errors';
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
};

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
			return 'The backend refused the Firebase ID Token: it is missing, invalid or expired (Firebase ID tokens last one hour). Put a fresh token in the LiveTalking credential.';
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
