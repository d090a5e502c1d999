import { TokenVerifier } from 'livekit-server-sdk';

import { liveKitGrant, mintLiveKitToken, peekJwtPayload } from '../../../nodes/AvatarTalk/livekitToken';

const API_KEY = 'APIunitTestKey';
const API_SECRET = 'example-livekit-signing-value-0123456789';

describe('mintLiveKitToken (verified with livekit-server-sdk TokenVerifier)', () => {
	it('avatar agent token: joins the room, publishes, subscribes, sends data, kind agent, visible', async () => {
		const { token, expiresAt } = mintLiveKitToken('avatarAgent', {
			apiKey: API_KEY,
			apiSecret: API_SECRET,
			room: 'demo-room',
			identity: 'avatartalk-avatar',
			name: 'AvatarTalk Avatar',
			ttlSeconds: 600,
		});
		const claims = await new TokenVerifier(API_KEY, API_SECRET).verify(token);
		expect(claims.iss).toBe(API_KEY);
		expect(claims.sub).toBe('avatartalk-avatar');
		expect(claims.name).toBe('AvatarTalk Avatar');
		expect(claims.kind).toBe('agent');
		expect(claims.video).toEqual({
			room: 'demo-room',
			roomJoin: true,
			canPublish: true,
			canSubscribe: true,
			canPublishData: true,
		});
		expect(claims.video?.hidden).toBeUndefined();
		expect(claims.exp).toBe(expiresAt);
		expect((claims.exp as number) - (claims.nbf as number)).toBe(600);
	});

	it('listener token: subscribe only, hidden, no publishing, no data', async () => {
		const { token } = mintLiveKitToken('listener', {
			apiKey: API_KEY,
			apiSecret: API_SECRET,
			room: 'demo-room',
			identity: 'monitor-1',
			ttlSeconds: 60,
		});
		const claims = await new TokenVerifier(API_KEY, API_SECRET).verify(token);
		expect(claims.sub).toBe('monitor-1');
		expect(claims.kind).toBeUndefined();
		expect(claims.video).toEqual({
			room: 'demo-room',
			roomJoin: true,
			canPublish: false,
			canSubscribe: true,
			canPublishData: false,
			hidden: true,
		});
	});

	it('fails verification with another secret, another key, or once expired', async () => {
		const minted = (now?: number) =>
			mintLiveKitToken('listener', { apiKey: API_KEY, apiSecret: API_SECRET, room: 'r', identity: 'i', ttlSeconds: 60, now }).token;
		await expect(new TokenVerifier(API_KEY, 'another-secret-another-secret-00').verify(minted())).rejects.toThrow();
		await expect(new TokenVerifier('APIother', API_SECRET).verify(minted())).rejects.toThrow();
		await expect(new TokenVerifier(API_KEY, API_SECRET).verify(minted(Date.now() - 3_600_000))).rejects.toThrow(/exp/);
	});

	it('grants differ by role only', () => {
		expect(liveKitGrant('avatarAgent', 'x').canPublish).toBe(true);
		expect(liveKitGrant('listener', 'x').canPublish).toBe(false);
	});

	it('peekJwtPayload reads a payload and refuses non-JWTs', () => {
		const { token } = mintLiveKitToken('listener', { apiKey: API_KEY, apiSecret: API_SECRET, room: 'r', identity: 'i', ttlSeconds: 60 });
		expect(peekJwtPayload(token)?.video).toMatchObject({ room: 'r' });
		expect(peekJwtPayload('not-a-token')).toBeUndefined();
		expect(peekJwtPayload('a.b.c')).toBeUndefined();
	});
});
