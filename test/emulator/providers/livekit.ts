/**
 * LiveKit server API stand-in (only what the LiveKit credential's test needs): Twirp
 * `POST /twirp/livekit.RoomService/ListRooms`, authorised like LiveKit does it: a Bearer JWT
 * signed HS256 with the API secret (`emulator.keys.liveKitSecret`), issued by the API key
 * (`iss` = `emulator.keys.liveKitKey`), within its validity window, with the `roomList` grant.
 * Failures answer 401 with Twirp's JSON error body `{code, msg}`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

import type { Emulator } from '../server';

/** Why a LiveKit token is refused; undefined when it is fine. */
export function liveKitTokenProblem(
	token: string | undefined,
	apiKey: string,
	apiSecret: string,
	requiredGrant: (video: Record<string, unknown>) => boolean,
	nowSeconds = Math.floor(Date.now() / 1000),
): string | undefined {
	if (!token) return 'authorization header is missing or is not a Bearer token';
	const parts = token.split('.');
	if (parts.length !== 3) return 'token is not a JWT';
	let header: Record<string, unknown>;
	let payload: Record<string, unknown>;
	try {
		header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as Record<string, unknown>;
		payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
	} catch {
		return 'token is not a JWT';
	}
	if (header.alg !== 'HS256') return `unsupported signing algorithm ${String(header.alg)}`;
	const expected = createHmac('sha256', apiSecret).update(`${parts[0]}.${parts[1]}`).digest();
	const given = Buffer.from(parts[2], 'base64url');
	if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid token signature';
	if (payload.iss !== apiKey) return 'invalid API key';
	const leeway = 10;
	if (typeof payload.exp !== 'number' || payload.exp + leeway < nowSeconds) return 'token has expired';
	if (typeof payload.nbf === 'number' && payload.nbf - leeway > nowSeconds) return 'token is not valid yet';
	const video = payload.video;
	if (!video || typeof video !== 'object' || !requiredGrant(video as Record<string, unknown>)) return 'permissions denied';
	return undefined;
}

export function register(emulator: Emulator): void {
	const app = emulator.app('liveKit');
	app.route('POST', '/twirp/livekit.RoomService/ListRooms', (req, res) => {
		const problem = liveKitTokenProblem(
			req.bearer,
			emulator.keys.liveKitKey,
			emulator.keys.liveKitSecret,
			(video) => video.roomList === true,
		);
		if (problem) return res.json(401, { code: 'unauthenticated', msg: problem });
		res.json(200, { rooms: [] });
	});
}
