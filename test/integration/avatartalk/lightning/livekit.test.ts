/**
 * AvatarTalk node, LiveKit resource, through n8n's engine against the emulator; tokens minted
 * from the LiveKit credential are verified with the official livekit-server-sdk TokenVerifier.
 */
import type { INodeParameters } from 'n8n-workflow';
import { TokenVerifier } from 'livekit-server-sdk';

import { mintLiveKitToken } from '../../../../nodes/AvatarTalk/livekitToken';
import { lightningState } from '../../../emulator/providers/avatartalkLightning';
import type { Emulator } from '../../../emulator/server';
import { testCredential } from '../../../harness';
import { loadPackageTypes } from '../../../harness/types';
import { NODE, bodyOf, calls, expectApiError, expectInputError, runAvatarTalk, startLightningEmulator } from './helpers';
import { useEmulator } from '../../../helpers/emulatorSetup';

let emulator: Emulator;

useEmulator(startLightningEmulator, (e) => (emulator = e));

const create = (extra: Record<string, unknown> = {}) => ({
	resource: 'liveKit',
	operation: 'createSession',
	roomName: 'demo-room',
	avatar: 'japanese_woman',
	emotion: 'happy',
	...extra,
});

/** A token minted elsewhere (what a user would paste). */
const pasted = (room = 'demo-room', ttlSeconds = 600, now?: number) =>
	mintLiveKitToken('avatarAgent', { apiKey: 'APIelsewhere', apiSecret: 'example-other-signing-value', room, identity: 'x', ttlSeconds, now }).token;

describe('Create LiveKit Session: tokens from the LiveKit credential', () => {
	it('mints an avatar-agent token and a hidden listener token that LiveKit accepts; URL from the credential', async () => {
		const result = await runAvatarTalk(emulator, create({ emotion: 'expressive', tokenSource: 'credential' }));
		expect(result.error).toBeUndefined();
		const [json] = result.json(NODE);
		const [request] = calls(emulator, 'POST', '/livekit/create-session');
		expect(request.headers.authorization).toBe(`Bearer ${emulator.keys.avatarTalk}`);
		const body = bodyOf(request) as Record<string, string>;
		expect(Object.keys(body).sort()).toEqual(['avatar', 'emotion', 'listener_token', 'livekit_url', 'room_name', 'room_token']);
		expect(body).toMatchObject({ room_name: 'demo-room', avatar: 'japanese_woman', emotion: 'expressive', livekit_url: emulator.urls.liveKit });

		const verifier = new TokenVerifier(emulator.keys.liveKitKey, emulator.keys.liveKitSecret);
		const room = await verifier.verify(body.room_token);
		expect(room.sub).toBe('avatartalk-avatar');
		expect(room.name).toBe('Japanese Woman');
		expect(room.kind).toBe('agent');
		expect(room.video).toEqual({ room: 'demo-room', roomJoin: true, canPublish: true, canSubscribe: true, canPublishData: true });
		expect((room.exp as number) - (room.nbf as number)).toBe(3600);
		const listener = await verifier.verify(body.listener_token);
		expect(listener.sub).toBe('avatartalk-listener');
		expect(listener.video).toEqual({ room: 'demo-room', roomJoin: true, canPublish: false, canSubscribe: true, canPublishData: false, hidden: true });

		const session = lightningState(emulator).liveKitSessions.get(json.task_id as string);
		expect(session?.effectiveEmotion).toBe('neutral');
		expect(json).toEqual({
			task_id: session?.task_id,
			room_name: 'demo-room',
			livekit_url: emulator.urls.liveKit,
			avatar: 'japanese_woman',
			emotion: 'expressive',
			tokenSource: 'credential',
			avatarIdentity: 'avatartalk-avatar',
			listenerIdentity: 'avatartalk-listener',
			tokensExpireAt: new Date((room.exp as number) * 1000).toISOString(),
		});
		const output = JSON.stringify(result.json(NODE));
		expect(output).not.toContain(emulator.keys.liveKitSecret);
		expect(output).not.toContain(body.room_token);
		expect(output).not.toContain(body.listener_token);
		// The LiveKit credential never leaves n8n: nothing was sent to the LiveKit stand-in.
		expect(emulator.requests({ service: 'liveKit' })).toHaveLength(0);
	});

	it('token options: identities, display name, lifetime, listener token in the output; https URL taken as wss', async () => {
		const result = await runAvatarTalk(
			emulator,
			create({
				tokenSource: 'credential',
				liveKitUrl: 'https://my-project.livekit.cloud/',
				tokenOptions: { avatarIdentity: 'ava', avatarName: 'Ava', listenerIdentity: 'mon', ttlMinutes: 5, outputListenerToken: true },
			}),
		);
		expect(result.error).toBeUndefined();
		const body = bodyOf(calls(emulator, 'POST', '/livekit/create-session')[0]) as Record<string, string>;
		expect(body.livekit_url).toBe('wss://my-project.livekit.cloud');
		const verifier = new TokenVerifier(emulator.keys.liveKitKey, emulator.keys.liveKitSecret);
		const room = await verifier.verify(body.room_token);
		expect([room.sub, room.name, (room.exp as number) - (room.nbf as number)]).toEqual(['ava', 'Ava', 300]);
		expect((await verifier.verify(body.listener_token)).sub).toBe('mon');
		expect(result.json(NODE)[0].listener_token).toBe(body.listener_token);
	});

	it('saved with its defaults left out (no operation, no Room Tokens), the LiveKit credential is still handed to it', async () => {
		// n8n saves only what differs from the defaults; the credential is shown for Create LiveKit
		// Session with tokens from it, which the engine fills in before it runs the node
		const result = await runAvatarTalk(emulator, { resource: 'liveKit', roomName: 'demo-room', avatar: 'japanese_woman', emotion: 'happy' });
		expect(result.error).toBeUndefined();
		const body = bodyOf(calls(emulator, 'POST', '/livekit/create-session')[0]) as Record<string, string>;
		expect((await new TokenVerifier(emulator.keys.liveKitKey, emulator.keys.liveKitSecret).verify(body.room_token)).video?.room).toBe('demo-room');
	});

	it('without a LiveKit credential: a clear error before anything is sent', async () => {
		const result = await runAvatarTalk(emulator, create({ tokenSource: 'credential' }), { liveKit: false });
		const error = expectInputError(result, 'Room Tokens: "Create With LiveKit Credential" needs a LiveKit API credential');
		expect(error.description).toMatch(/Enter Tokens/);
		expect(calls(emulator)).toHaveLength(0);
	});

	it('the same identity for avatar and listener is refused', async () => {
		const result = await runAvatarTalk(emulator, create({ tokenSource: 'credential', tokenOptions: { avatarIdentity: 'a', listenerIdentity: 'a' } }));
		expectInputError(result, 'Listener Identity: must differ from the Avatar Identity ("a")');
		expect(calls(emulator)).toHaveLength(0);
	});

	it('a credential URL that is not a URL names where it came from', async () => {
		const result = await runAvatarTalk(emulator, create({ tokenSource: 'credential' }), { liveKit: { url: 'my livekit' } });
		expectInputError(result, 'LiveKit URL (from the LiveKit credential): "my livekit" is not a valid URL');
	});
});

describe('Create LiveKit Session: entered tokens', () => {
	it('sends the tokens and URL as given', async () => {
		const roomToken = pasted();
		const listenerToken = pasted();
		const result = await runAvatarTalk(
			emulator,
			create({ tokenSource: 'manual', roomToken, listenerToken, liveKitUrl: 'wss://my-livekit.example.com' }),
			{ liveKit: false },
		);
		expect(result.error).toBeUndefined();
		expect(bodyOf(calls(emulator, 'POST', '/livekit/create-session')[0])).toEqual({
			room_name: 'demo-room',
			room_token: roomToken,
			listener_token: listenerToken,
			livekit_url: 'wss://my-livekit.example.com',
			avatar: 'japanese_woman',
			emotion: 'happy',
		});
		expect(result.json(NODE)[0]).toMatchObject({ task_id: expect.stringMatching(/^[0-9a-f-]{36}$/), tokenSource: 'manual' });
		expect(JSON.stringify(result.json(NODE))).not.toContain(roomToken);
	});

	it.each([
		['a room token that is not a JWT', { roomToken: 'abc' }, 'Room Token: is not a LiveKit access token'],
		['a listener token for another room', { listenerToken: pasted('other-room') }, 'Listener Token: the token is for room "other-room", not for the Room Name "demo-room"'],
		['an expired room token', { roomToken: pasted('demo-room', 60, Date.now() - 3_600_000) }, /^Room Token: the token expired at /],
		['a LiveKit URL that is not a URL', { liveKitUrl: 'livekit' }, 'LiveKit URL: "livekit" is not a valid URL'],
		['an ftp LiveKit URL', { liveKitUrl: 'ftp://x.example.com' }, 'LiveKit URL: "ftp://x.example.com" is not a valid URL'],
	])('refuses %s before sending', async (_name, extra, message) => {
		const result = await runAvatarTalk(
			emulator,
			create({ tokenSource: 'manual', roomToken: pasted(), listenerToken: pasted(), liveKitUrl: 'wss://lk.example.com', ...extra }),
		);
		expectInputError(result, message);
		expect(calls(emulator)).toHaveLength(0);
	});

	it.each([
		['Avatar', { avatar: 'robot' }, 'Avatar: "robot" is not a valid value'],
		['Emotion', { emotion: 'angry' }, 'Emotion: "angry" is not a valid value'],
		['Room Name', { roomName: '  ' }, 'Room Name: must not be empty'],
	])('an invalid %s fails before sending', async (_field, extra, message) => {
		const result = await runAvatarTalk(emulator, create({ tokenSource: 'credential', ...extra }));
		expectInputError(result, message);
		expect(calls(emulator)).toHaveLength(0);
	});
});

describe('Create LiveKit Session: provider errors', () => {
	it('a wrong API key: 401 INVALID_API_KEY, sent once', async () => {
		const error = expectApiError(await runAvatarTalk(emulator, create({ tokenSource: 'credential' }), { apiKey: 'bad-key' }), '401');
		expect(error.message).toBe('AvatarTalk: Invalid or missing API key [INVALID_API_KEY]');
		expect(calls(emulator)).toHaveLength(1);
	});

	it('no video time left: 403 INSUFFICIENT_CREDITS', async () => {
		const error = expectApiError(
			await runAvatarTalk(emulator, create({ tokenSource: 'credential' }), { apiKey: 'emulator-avatartalk-no-credits-key' }),
			'403',
		);
		expect(error.message).toBe('AvatarTalk: Insufficient video time to process request [INSUFFICIENT_CREDITS]');
	});

	it('a 500 is not repeated (it starts a paid session)', async () => {
		emulator.addFault({
			service: 'avatarTalk',
			path: '/livekit/create-session',
			fault: { kind: 'status', status: 500, body: { status: 'error', error_code: 'INFERENCE_FAILED', message: 'Inference processing failed' } },
			times: 1,
		});
		const error = expectApiError(await runAvatarTalk(emulator, create({ tokenSource: 'credential' })), '500');
		expect(error.message).toBe('AvatarTalk: Inference processing failed [INFERENCE_FAILED]');
		expect(calls(emulator)).toHaveLength(1);
	});
});

describe('Delete LiveKit Session', () => {
	const del = (taskId: string, options: INodeParameters = {}) => ({ resource: 'liveKit', operation: 'deleteSession', taskId, options });

	it('deletes a session; the Task ID default reads task_id from the previous step', async () => {
		const created = await runAvatarTalk(emulator, create({ tokenSource: 'credential' }));
		const taskId = created.json(NODE)[0].task_id as string;
		emulator.clearLog();
		const result = await runAvatarTalk(emulator, { resource: 'liveKit', operation: 'deleteSession', taskId: '={{ $json.task_id }}' }, {
			items: [{ json: { task_id: taskId } }],
		});
		expect(result.error).toBeUndefined();
		expect(result.json(NODE)[0]).toEqual({ task_id: taskId, deleted: true, status: `Task ${taskId} deleted successfully` });
		const [request] = calls(emulator);
		expect([request.method, request.path, request.headers.authorization]).toEqual([
			'DELETE',
			`/livekit/delete-session/${taskId}`,
			`Bearer ${emulator.keys.avatarTalk}`,
		]);
		expect(lightningState(emulator).liveKitSessions.has(taskId)).toBe(false);
	});

	it('404 is a clear error with the provider detail and a hint', async () => {
		const error = expectApiError(await runAvatarTalk(emulator, del('550e8400-e29b-41d4-a716-446655440000')), '404');
		expect(error.message).toBe('AvatarTalk: Task 550e8400-e29b-41d4-a716-446655440000 not found');
		expect(error.description).toMatch(/Ignore Not Found/);
	});

	it('404 is ignored when asked: deleted false, notFound true', async () => {
		const result = await runAvatarTalk(emulator, del('550e8400-e29b-41d4-a716-446655440000', { ignoreNotFound: true }));
		expect(result.error).toBeUndefined();
		expect(result.json(NODE)[0]).toEqual({
			task_id: '550e8400-e29b-41d4-a716-446655440000',
			deleted: false,
			notFound: true,
			detail: 'Task 550e8400-e29b-41d4-a716-446655440000 not found',
		});
	});

	it('other errors are not ignored by Ignore Not Found', async () => {
		const error = expectApiError(await runAvatarTalk(emulator, del('abc', { ignoreNotFound: true }), { apiKey: 'bad' }), '401');
		expect(error.message).toMatch(/INVALID_API_KEY/);
	});

	it.each([['a/b'], ['has space']])('an invalid Task ID (%s) fails before sending', async (taskId) => {
		expectInputError(await runAvatarTalk(emulator, del(taskId)), /^Task ID: ".*" is not a valid ID$/);
		expect(calls(emulator)).toHaveLength(0);
	});
});

describe('LiveKit credential test (ListRooms on the LiveKit stand-in)', () => {
	it('passes with the right key and secret, fails with a wrong secret', async () => {
		const good = await testCredential('liveKitApi', {
			url: emulator.urls.liveKit,
			apiKey: emulator.keys.liveKitKey,
			apiSecret: emulator.keys.liveKitSecret,
		});
		expect(good.status).toBe('OK');
		const [request] = emulator.requests({ service: 'liveKit' });
		expect(request.path).toBe('/twirp/livekit.RoomService/ListRooms');
		const claims = await new TokenVerifier(emulator.keys.liveKitKey, emulator.keys.liveKitSecret).verify(
			String(request.headers.authorization).replace(/^Bearer /, ''),
		);
		expect(claims.video).toEqual({ roomList: true });
		const bad = await testCredential('liveKitApi', { url: emulator.urls.liveKit, apiKey: emulator.keys.liveKitKey, apiSecret: 'wrong' });
		expect(bad.status).toBe('Error');
	});
});

describe('the node', () => {
	it('is usable as a tool and offers both resources with every operation', () => {
		const node = loadPackageTypes().nodes['n8n-nodes-talking-avatars.avatarTalk'] as { description: { usableAsTool?: boolean; properties: Array<{ name: string; displayOptions?: { show?: Record<string, unknown[]> }; options?: Array<{ value: string }> }> } };
		expect(node.description.usableAsTool).toBe(true);
		const ops = (resource: string) =>
			node.description.properties
				.find((p) => p.name === 'operation' && p.displayOptions?.show?.resource?.[0] === resource)
				?.options?.map((o) => o.value);
		expect(ops('liveKit')).toEqual(['createSession', 'deleteSession']);
		expect(ops('lightning')).toEqual([
			'decodeInvoice',
			'generateVideo',
			'getPayment',
			'listPayments',
			'requestVideoFromAudio',
			'requestVideoFromText',
			'waitForPayment',
		]);
	});
});
