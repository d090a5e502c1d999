import type { ProviderFailure } from '../shared/errors';
import { asObject, parseDetail, text } from '../shared/errors';
import type { Provider } from '../shared/provider';
import { normaliseBaseUrl } from '../shared/provider';

/**
 * MuseTalk: the base URL is the server root (the credential may end in /api/v1 or not), because
 * the health check lives at `/health` and everything else under `/api/v1`. Operations therefore
 * use full paths (`/api/v1/session/create`), and the relative `video_url`/`audio_url` the server
 * returns (`/api/v1/generate/video/x.mp4`) resolve against the same root, a proxy prefix
 * included. The optional API key (a proxy's Bearer token) goes only to this origin.
 */
export const museTalk: Provider = {
	name: 'MuseTalk',
	credentialType: 'museTalkApi',
	baseUrl: (credentials) => normaliseBaseUrl(credentials.baseUrl, '/api/v1'),
	parseError: parseMuseTalkError,
};

export const API = '/api/v1';

/** MuseTalk: `{error, detail}`. */
export function parseMuseTalkError(body: unknown): ProviderFailure | undefined {
	const b = asObject(body);
	if (!b) return undefined;
	const fromDetail = parseDetail(b.detail);
	if (fromDetail) return { ...fromDetail, code: text(b.error) ?? fromDetail.code };
	if (text(b.error)) return { message: b.error as string };
	return undefined;
}
