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
};
