import { parseAvatarTalkError } from '../shared/errors';
import type { Provider } from '../shared/provider';
import { normaliseBaseUrl } from '../shared/provider';

/** AvatarTalk: Bearer API key, `https://api.avatartalk.ai` unless the credential says otherwise. */
export const avatarTalk: Provider = {
	name: 'AvatarTalk',
	credentialType: 'avatarTalkApi',
	baseUrl: (credentials) => normaliseBaseUrl(credentials.baseUrl || 'https://api.avatartalk.ai'),
	parseError: parseAvatarTalkError,
};
