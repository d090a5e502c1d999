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

/** Advice for the errors every backend endpoint documents. */
export function liveTalkingHint(statusCode: number): string | undefined {
	switch (statusCode) {
		case 401:
			return 'The backend refused the Firebase ID Token: it is missing, invalid or expired (Firebase ID tokens last one hour). Put a fresh token in the LiveTalking credential.';
		case 422:
			return 'The backend rejected the request fields listed above. The Session ID must be the whole number from LiveTalking’s /offer answer.';
		case 503:
			return 'The backend is up but cannot reach its LiveTalking server (LIVETALKING_URL). Start LiveTalking (python app.py --transport webrtc ...) and check with Service → Health, then run this again.';
		default:
			return undefined;
	}
}

