import { signHs256Jwt } from '../shared/jwt';

/**
 * LiveKit access tokens (HS256 JWTs signed with the API secret), minted inside n8n so that the
 * secret itself never leaves it. Claims follow LiveKit's token format: `iss` = API key,
 * `sub` = participant identity, `nbf`/`exp`, `name`, `kind`, and the `video` grant.
 */

/** The `video` grant of a LiveKit token (the subset this package sets). */
export interface LiveKitVideoGrant {
	room: string;
	roomJoin: boolean;
	canPublish: boolean;
	canSubscribe: boolean;
	canPublishData: boolean;
	hidden?: boolean;
}

/**
 * - `avatarAgent`: the AvatarTalk avatar joining the room as an agent participant: it publishes
 *   video and audio, may exchange data messages and subscribes to the room (to hear users);
 *   it stays visible, since it is the one people watch.
 * - `listener`: a subscribe-only participant for monitoring: no publishing, no data, hidden
 *   from the other participants.
 */
export type LiveKitTokenRole = 'avatarAgent' | 'listener';

export interface LiveKitTokenOptions {
	apiKey: string;
	apiSecret: string;
	room: string;
	identity: string;
	name?: string;
	/** Lifetime in seconds. */
	ttlSeconds: number;
	metadata?: string;
	/** Epoch ms (for tests); default now. */
	now?: number;
}

export function liveKitGrant(role: LiveKitTokenRole, room: string): LiveKitVideoGrant {
	if (role === 'avatarAgent') {
		return { room, roomJoin: true, canPublish: true, canSubscribe: true, canPublishData: true };
	}
	return { room, roomJoin: true, canPublish: false, canSubscribe: true, canPublishData: false, hidden: true };
}

/** Mints a LiveKit access token for one participant of one room. */
export function mintLiveKitToken(role: LiveKitTokenRole, options: LiveKitTokenOptions): { token: string; expiresAt: number } {
	const now = Math.floor((options.now ?? Date.now()) / 1000);
	const exp = now + Math.max(1, Math.floor(options.ttlSeconds));
	const payload: Record<string, unknown> = {
		iss: options.apiKey,
		sub: options.identity,
		jti: options.identity,
		nbf: now,
		exp,
		video: liveKitGrant(role, options.room),
	};
	if (options.name) payload.name = options.name;
	if (options.metadata) payload.metadata = options.metadata;
	// Participant kind: LiveKit shows agents (such as an avatar worker) as `agent` participants.
	if (role === 'avatarAgent') payload.kind = 'agent';
	return { token: signHs256Jwt(payload, options.apiSecret), expiresAt: exp };
}

/**
 * Reads a JWT's payload without verifying it (for checking a token the user pasted: does it
 * name the right room, has it expired). Undefined when it is not a JWT.
 */
export function peekJwtPayload(token: string): Record<string, unknown> | undefined {
	const parts = token.split('.');
	if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return undefined;
	try {
		const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
		return payload !== null && typeof payload === 'object' && !Array.isArray(payload)
			? (payload as Record<string, unknown>)
			: undefined;
	} catch {
		return undefined;
	}
}
