import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { ProviderFailure } from '../shared/errors';
import { asObject, parseDetail, text } from '../shared/errors';
import type { Provider } from '../shared/provider';
import { normaliseBaseUrl } from '../shared/provider';

export const AVATARTALK_BASE_URL = 'https://api.avatartalk.ai';

/** AvatarTalk: Bearer API key, `https://api.avatartalk.ai` unless the credential says otherwise. */
export const avatarTalk: Provider = {
	name: 'AvatarTalk',
	credentialType: 'avatarTalkApi',
	baseUrl: (credentials) => normaliseBaseUrl(credentials.baseUrl || AVATARTALK_BASE_URL),
	parseError: parseAvatarTalkError,
};

/** Whether the node has an AvatarTalk credential selected (it is optional for pay-per-video). */
export function hasAvatarTalkCredential(ctx: IExecuteFunctions): boolean {
	return Boolean(ctx.getNode().credentials?.[avatarTalk.credentialType]);
}

/**
 * The server of the endpoints AvatarTalk documents as needing no authorization (Lightning
 * pay-per-video): the Server URL option when set, else `https://api.avatartalk.ai`. No
 * credential is read: these operations show none (n8n hands a credential only to the operations
 * that show it), so a key can never go with these requests.
 */
export function avatarTalkPublicBaseUrl(serverUrl?: unknown): string {
	const chosen = typeof serverUrl === 'string' ? serverUrl.trim() : '';
	return chosen ? normaliseBaseUrl(chosen) : AVATARTALK_BASE_URL;
}

/**
 * A WebSocket endpoint on the credential's own origin (`https` -> `wss`), with the API key as
 * the documented Bearer header. The key never goes anywhere but the credential's base URL.
 */
export async function avatarTalkWebSocket(
	ctx: IExecuteFunctions,
	itemIndex: number,
	path: string,
	query: IDataObject,
): Promise<{ url: string; headers: Record<string, string> }> {
	const credentials = await ctx.getCredentials(avatarTalk.credentialType, itemIndex);
	const baseUrl = avatarTalk.baseUrl(credentials);
	if (!/^https?:\/\//i.test(baseUrl)) {
		throw new NodeOperationError(
			ctx.getNode(),
			`The AvatarTalk credential's Base URL "${baseUrl}" is not an http(s) URL`,
			{ itemIndex, description: 'Open the credential and enter the full URL, for example https://api.avatartalk.ai' },
		);
	}
	const url = new URL(`${baseUrl.replace(/^http/i, 'ws')}${path}`);
	for (const [key, value] of Object.entries(query)) {
		if (value === undefined || value === null || value === '') continue;
		url.searchParams.set(key, String(value));
	}
	return { url: url.toString(), headers: { Authorization: `Bearer ${String(credentials.apiKey ?? '')}` } };
}

/** File names: `avatartalk-<id>.mp4`, keeping only characters every file system accepts. */
export function videoFileName(stem: string, custom?: string): string {
	const chosen = (custom ?? '').trim();
	if (chosen) return chosen.toLowerCase().endsWith('.mp4') ? chosen : `${chosen}.mp4`;
	return `avatartalk-${stem.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 80)}.mp4`;
}

/** AvatarTalk: `{status, error_code, message, details}`, and FastAPI `{detail}` on 404s. */
export function parseAvatarTalkError(body: unknown): ProviderFailure | undefined {
	const b = asObject(body);
	if (!b) return undefined;
	if (text(b.message)) return { message: b.message as string, code: text(b.error_code), details: b.details };
	return parseDetail(b.detail);
}
