import { parseMultiTalkError } from '../shared/errors';
import type { Provider } from '../shared/provider';
import { normaliseBaseUrl } from '../shared/provider';

/** MultiTalk: Bearer API key; every path lives under /api/v1 (the credential may include it or not). */
export const multiTalk: Provider = {
	name: 'MultiTalk',
	credentialType: 'multiTalkApi',
	baseUrl: (credentials) => `${normaliseBaseUrl(credentials.baseUrl, '/api/v1')}/api/v1`,
	parseError: parseMultiTalkError,
};
