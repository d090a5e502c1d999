import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { cleanupHarness, testCredential } from '../harness';
import type { Emulator } from '../emulator/server';
import { startEmulator } from '../emulator/server';

jest.setTimeout(60_000);

/**
 * Every credential's "Test" button, run the way n8n runs it, against the emulator: it passes
 * with the right key and fails with a wrong one (or, for servers with no auth, fails when the
 * server is not there), and it only ever talks to the credential's own base URL.
 */
describe('credential test requests', () => {
	let emulator: Emulator;
	let open: Emulator; // MuseTalk and AvaTar without keys, as documented for development servers

	beforeAll(async () => {
		emulator = await startEmulator({ keys: { museTalk: 'muse-proxy-key', avaTar: 'avatar-prod-key' } });
		open = await startEmulator();
	});
	afterAll(async () => {
		await emulator.close();
		await open.close();
		await cleanupHarness();
	});

	type Case = { type: string; service: 'avatarTalk' | 'multiTalk' | 'liveTalking' | 'museTalk' | 'avaTar' | 'liveKit'; good: ICredentialDataDecryptedObject; bad: ICredentialDataDecryptedObject };
	const cases = (): Case[] => [
		{
			type: 'avatarTalkApi',
			service: 'avatarTalk',
			good: { apiKey: emulator.keys.avatarTalk, baseUrl: emulator.urls.avatarTalk },
			bad: { apiKey: 'wrong-key', baseUrl: emulator.urls.avatarTalk },
		},
		{
			type: 'multiTalkApi',
			service: 'multiTalk',
			good: { apiKey: emulator.keys.multiTalk, baseUrl: emulator.urls.multiTalk },
			bad: { apiKey: 'wrong-key', baseUrl: emulator.urls.multiTalk },
		},
		{
			type: 'liveTalkingApi',
			service: 'liveTalking',
			good: { firebaseToken: emulator.keys.liveTalking, baseUrl: emulator.urls.liveTalking },
			bad: { firebaseToken: 'expired.jwt.token', baseUrl: emulator.urls.liveTalking },
		},
		{
			type: 'museTalkApi',
			service: 'museTalk',
			good: { apiKey: 'muse-proxy-key', baseUrl: emulator.urls.museTalk },
			bad: { apiKey: 'wrong-key', baseUrl: emulator.urls.museTalk },
		},
		{
			type: 'avaTarApi',
			service: 'avaTar',
			good: { apiKey: 'avatar-prod-key', baseUrl: emulator.urls.avaTar, wsUrl: emulator.urls.avaTarWs },
			bad: { apiKey: 'wrong-key', baseUrl: emulator.urls.avaTar, wsUrl: emulator.urls.avaTarWs },
		},
		{
			type: 'liveKitApi',
			service: 'liveKit',
			good: { url: emulator.urls.liveKit, apiKey: emulator.keys.liveKitKey, apiSecret: emulator.keys.liveKitSecret },
			bad: { url: emulator.urls.liveKit, apiKey: emulator.keys.liveKitKey, apiSecret: 'not-the-secret' },
		},
	];

	it.each(['avatarTalkApi', 'multiTalkApi', 'liveTalkingApi', 'museTalkApi', 'avaTarApi', 'liveKitApi'])(
		'%s passes with the right key and fails with a wrong one',
		async (type) => {
			const c = cases().find((x) => x.type === type)!;
			emulator.clearLog();
			const good = await testCredential(c.type, c.good);
			expect(good).toMatchObject({ status: 'OK' });
			const bad = await testCredential(c.type, c.bad);
			expect(bad.status).toBe('Error');
			const seen = emulator.requests();
			expect(seen.length).toBeGreaterThanOrEqual(2);
			for (const request of seen) expect(request.service).toBe(c.service);
			// The LiveKit secret signs a token; it is never sent itself.
			if (c.type === 'liveKitApi') expect(JSON.stringify(seen)).not.toContain(emulator.keys.liveKitSecret);
		},
	);

	it('base URLs work with or without the documented /api/v1 and /v1 suffixes', async () => {
		const root = (url: string) => url.replace(/\/(api\/)?v1$/, '');
		expect(await testCredential('multiTalkApi', { apiKey: emulator.keys.multiTalk, baseUrl: root(emulator.urls.multiTalk) })).toMatchObject({ status: 'OK' });
		expect(await testCredential('museTalkApi', { apiKey: 'muse-proxy-key', baseUrl: `${root(emulator.urls.museTalk)}/` })).toMatchObject({ status: 'OK' });
		expect(await testCredential('avaTarApi', { apiKey: 'avatar-prod-key', baseUrl: root(emulator.urls.avaTar) })).toMatchObject({ status: 'OK' });
	});

	it('servers without authentication pass with no key, and fail when unreachable', async () => {
		expect(await testCredential('museTalkApi', { baseUrl: open.urls.museTalk })).toMatchObject({ status: 'OK' });
		expect(await testCredential('avaTarApi', { baseUrl: open.urls.avaTar })).toMatchObject({ status: 'OK' });
		const noAuthHeader = open.requests().every((r) => r.headers.authorization === undefined);
		expect(noAuthHeader).toBe(true);
		expect((await testCredential('museTalkApi', { baseUrl: 'http://127.0.0.1:9' })).status).toBe('Error');
	});
});
