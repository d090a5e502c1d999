import { randomBytes } from 'node:crypto';

import type { Emulator } from '../server';
import { perEmulator } from '../state';
import type { EmuRequest, EmuResponse } from '../types';

/**
 * Stand-in for Firebase's token endpoint (`https://securetoken.googleapis.com/v1/token`), which
 * turns a refresh token into a one-hour ID token: the LiveTalking backend accepts these ID
 * tokens as its Bearer token (livetalking.ts). There is no document for it in
 * ../shared/provider-apis; it follows Firebase's public REST reference ("Exchange a refresh
 * token for an ID token"):
 * - `POST /v1/token?key=<Web API key>`, form body `grant_type=refresh_token&refresh_token=...`
 *   (a JSON body with the same fields is accepted too, as Google's endpoint does);
 * - answer `{expires_in: "3600", token_type: "Bearer", refresh_token, id_token, user_id,
 *   project_id}` (numbers as strings, as Firebase sends them);
 * - errors `400 {error: {code, message, status}}` with Firebase's codes: a wrong key is
 *   "API key not valid. Please pass a valid API key.", then INVALID_GRANT_TYPE,
 *   MISSING_REFRESH_TOKEN, INVALID_REFRESH_TOKEN, TOKEN_EXPIRED (refresh token revoked).
 *
 * The clock is the emulator's own (`firebaseNow`), so a test can let a day pass in a moment:
 * `advanceFirebaseClock(emulator, 3600)` or `POST /__emulator/firebase/clock {"advanceSeconds": 3600}`.
 * ID tokens expire by that clock; the backend refuses an expired one with its 401.
 *
 * Knobs: `firebaseIdTokenSeconds` (lifetime of a minted ID token, default 3600).
 */
export const FIREBASE_API_KEY = 'emulator-firebase-web-api-key';
export const FIREBASE_REFRESH_TOKEN = 'emulator-firebase-refresh-token';
export const FIREBASE_USER_ID = 'emulator-user';

interface IdToken {
	expiresAt: number;
}

interface FirebaseState {
	idTokens: Map<string, IdToken>;
	/** Refresh tokens that Firebase no longer honours (user signed out everywhere, password changed). */
	revoked: Set<string>;
}

const state = perEmulator<FirebaseState>(() => ({ idTokens: new Map(), revoked: new Set() }));

/** The emulated Firebase clock: real time plus whatever the test has let pass. */
export function firebaseNow(emulator: Emulator): number {
	return Date.now() + Number(emulator.settings.firebaseClockOffsetMs ?? 0);
}

export function advanceFirebaseClock(emulator: Emulator, seconds: number): void {
	emulator.settings.firebaseClockOffsetMs = Number(emulator.settings.firebaseClockOffsetMs ?? 0) + seconds * 1000;
}

/** Whether the backend should accept this Bearer token as a Firebase ID token minted here. */
export function checkFirebaseIdToken(emulator: Emulator, token: string | undefined): 'valid' | 'expired' | undefined {
	if (!token) return undefined;
	const entry = state(emulator).idTokens.get(token);
	if (!entry) return undefined;
	return firebaseNow(emulator) < entry.expiresAt ? 'valid' : 'expired';
}

export function revokeFirebaseRefreshToken(emulator: Emulator, refreshToken = FIREBASE_REFRESH_TOKEN): void {
	state(emulator).revoked.add(refreshToken);
}

function firebaseError(res: EmuResponse, message: string): void {
	res.json(400, { error: { code: 400, message, status: 'INVALID_ARGUMENT' } });
}

function formFields(req: EmuRequest): Record<string, string> {
	const type = String(req.headers['content-type'] ?? '');
	if (type.includes('application/x-www-form-urlencoded')) {
		return Object.fromEntries(new URLSearchParams(req.rawBody.toString('utf8')));
	}
	if (req.body && typeof req.body === 'object') {
		return Object.fromEntries(Object.entries(req.body as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
	}
	return {};
}

export function register(emulator: Emulator): void {
	const app = emulator.app('firebase');
	const apiKey = () => String(emulator.settings.firebaseApiKey ?? FIREBASE_API_KEY);
	const refreshToken = () => String(emulator.settings.firebaseRefreshToken ?? FIREBASE_REFRESH_TOKEN);

	app.control('POST', '/firebase/clock', (req, res) => {
		const body = (req.body ?? {}) as { advanceSeconds?: unknown };
		advanceFirebaseClock(emulator, Number(body.advanceSeconds ?? 0));
		res.json(200, { now: new Date(firebaseNow(emulator)).toISOString() });
	});
	app.control('POST', '/firebase/revoke', (_req, res) => {
		revokeFirebaseRefreshToken(emulator, refreshToken());
		res.json(200, { revoked: true });
	});

	app.route('POST', '/v1/token', (req, res) => {
		if (req.query.get('key') !== apiKey()) return firebaseError(res, 'API key not valid. Please pass a valid API key.');
		const fields = formFields(req);
		if (fields.grant_type !== 'refresh_token') return firebaseError(res, 'INVALID_GRANT_TYPE');
		if (!fields.refresh_token) return firebaseError(res, 'MISSING_REFRESH_TOKEN');
		if (fields.refresh_token !== refreshToken()) return firebaseError(res, 'INVALID_REFRESH_TOKEN');
		if (state(emulator).revoked.has(fields.refresh_token)) return firebaseError(res, 'TOKEN_EXPIRED');

		const lifetime = Number(emulator.settings.firebaseIdTokenSeconds ?? 3600);
		// Shaped like a JWT (three base64url parts) as Firebase's are; only this emulator reads it.
		const idToken = ['eyJhbGciOiJSUzI1NiJ9', Buffer.from(JSON.stringify({ sub: FIREBASE_USER_ID })).toString('base64url'), randomBytes(24).toString('base64url')].join('.');
		state(emulator).idTokens.set(idToken, { expiresAt: firebaseNow(emulator) + lifetime * 1000 });
		res.json(200, {
			expires_in: String(lifetime),
			token_type: 'Bearer',
			refresh_token: fields.refresh_token,
			id_token: idToken,
			user_id: FIREBASE_USER_ID,
			project_id: 'emulator-project',
		});
	});
}
