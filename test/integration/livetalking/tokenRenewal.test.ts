/**
 * LiveTalking credential signed in with a Firebase refresh token: it mints the one-hour ID token
 * itself (n8n's expirable credential: preAuthentication) and renews it when the backend says
 * 401, saving it for the next run. The emulator's Firebase clock lets a day pass in a moment.
 */
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { FIREBASE_API_KEY, FIREBASE_REFRESH_TOKEN, advanceFirebaseClock, revokeFirebaseRefreshToken } from '../../emulator/providers/firebase';
import type { Emulator } from '../../emulator/server';
import { startEmulator } from '../../emulator/server';
import { cleanupHarness, runWorkflow } from '../../harness';
import type { RunResult } from '../../harness';
import { singleNode } from '../musetalk/helpers';

let emulator: Emulator;

beforeEach(async () => {
	emulator = await startEmulator();
});
afterEach(async () => {
	await emulator.close();
});
afterAll(async () => {
	await cleanupHarness();
});

function refreshCredential(overrides: ICredentialDataDecryptedObject = {}): Record<string, ICredentialDataDecryptedObject> {
	return {
		liveTalkingApi: {
			baseUrl: emulator.url('liveTalking'),
			authMethod: 'refreshToken',
			firebaseApiKey: FIREBASE_API_KEY,
			firebaseRefreshToken: FIREBASE_REFRESH_TOKEN,
			firebaseExchangeUrl: emulator.urls.firebaseToken,
			...overrides,
		},
	};
}

const sendText = (store: Record<string, ICredentialDataDecryptedObject>): Promise<RunResult> =>
	runWorkflow(
		singleNode('liveTalking', {
			resource: 'session',
			operation: 'sendText',
			sessionId: '4242',
			text: 'Your hourly report is ready.',
			requestSettings: { maxAttempts: 1 },
		}),
		{ credentialStore: store },
	);

const exchanges = () => emulator.requests({ service: 'firebase', path: '/v1/token' });
const backend = () => emulator.requests({ service: 'liveTalking' });

describe('LiveTalking credential · Firebase refresh token', () => {
	it('a workflow run every hour (and half past) for a day never fails on an expired token', async () => {
		const store = refreshCredential();
		const tokensUsed = new Set<string>();
		for (let hour = 0; hour < 24; hour++) {
			for (const minute of [0, 30]) {
				const result = await sendText(store);
				expect({ hour, minute, error: result.error?.message }).toEqual({ hour, minute, error: undefined });
				expect(result.json('LiveTalking')).toMatchObject([{ success: true, message: 'Text sent successfully' }]);
				tokensUsed.add(String(store.liveTalkingApi.idToken));
				advanceFirebaseClock(emulator, 30 * 60);
			}
		}
		// One exchange per hour: the token minted on the hour is saved and reused at half past.
		expect(exchanges()).toHaveLength(24);
		expect(tokensUsed.size).toBe(24);
		// Every text reached the backend exactly once.
		expect(backend().filter((r) => r.path === '/api/v1/avatar/send-text' && r.status === 200)).toHaveLength(48);
	});

	it('sends the refresh token only to the token endpoint, and the ID token only to the backend', async () => {
		const store = refreshCredential();
		expect((await sendText(store)).error).toBeUndefined();
		advanceFirebaseClock(emulator, 3601);
		expect((await sendText(store)).error).toBeUndefined();

		const [exchange] = exchanges();
		expect(exchange.method).toBe('POST');
		expect(exchange.query).toEqual({ key: FIREBASE_API_KEY });
		expect(exchange.headers['content-type']).toContain('application/x-www-form-urlencoded');
		expect(exchange.body).toBe(`grant_type=refresh_token&refresh_token=${FIREBASE_REFRESH_TOKEN}`);
		expect(exchange.headers.authorization).toBeUndefined();
		for (const request of backend()) {
			const seen = JSON.stringify(request);
			expect(seen).not.toContain(FIREBASE_REFRESH_TOKEN);
			expect(seen).not.toContain(FIREBASE_API_KEY);
		}
		const authorizations = backend().map((r) => r.headers.authorization);
		expect(authorizations.every((a) => typeof a === 'string' && a.startsWith('Bearer ey'))).toBe(true);
	});

	it('a revoked refresh token fails with Firebase’s reason and what to do, without the secrets', async () => {
		const store = refreshCredential();
		expect((await sendText(store)).error).toBeUndefined();
		revokeFirebaseRefreshToken(emulator);
		advanceFirebaseClock(emulator, 3601);
		const result = await sendText(store);
		expect(result.error?.message).toContain('Could not renew the Firebase ID token: Firebase answered TOKEN_EXPIRED');
		expect(result.error?.message).toContain('refresh token');
		const stored = JSON.stringify(result.error?.stored);
		expect(stored).not.toContain(FIREBASE_REFRESH_TOKEN);
		expect(stored).not.toContain(FIREBASE_API_KEY);
		// The text was never accepted with a stale token, and not sent once the renewal failed.
		expect(backend().filter((r) => r.path === '/api/v1/avatar/send-text' && r.status === 200)).toHaveLength(1);
	});

	it('a wrong Web API key fails on the first run with Firebase’s message, not as a network error', async () => {
		const result = await sendText(refreshCredential({ firebaseApiKey: 'not-the-key' }));
		expect(result.error?.message).toContain('API key not valid');
		expect(JSON.stringify(result.error?.stored)).not.toContain('not-the-key');
		expect(backend()).toHaveLength(0);
	});

	it('a pasted ID token still works as before and is never exchanged', async () => {
		const store = { liveTalkingApi: { baseUrl: emulator.url('liveTalking'), firebaseToken: emulator.keys.liveTalking } };
		const result = await sendText(store);
		expect(result.error).toBeUndefined();
		expect(backend()[0].headers.authorization).toBe(`Bearer ${emulator.keys.liveTalking}`);
		expect(exchanges()).toHaveLength(0);
	});
});
