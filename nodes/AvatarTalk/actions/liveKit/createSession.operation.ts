import type { IDataObject, IExecuteFunctions, INode, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { mintLiveKitToken, peekJwtPayload } from '../../livekitToken';
import type { OperationContext, OperationResult } from '../../../shared/router';
import type { InputValidator } from '../../../shared/validation';
import {
	AVATAR_OPTIONS,
	AVATARS,
	DEFAULT_AVATAR,
	DEFAULT_EMOTION,
	EMOTION_OPTIONS_WITH_EXPRESSIVE,
	EMOTIONS_WITH_EXPRESSIVE,
} from '../../constants';
import { avatarTalk } from '../../transport';

const fromCredential = { show: { tokenSource: ['credential'] } };
const entered = { show: { tokenSource: ['manual'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Room Name',
		name: 'roomName',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'my-meeting-room',
		description: 'The LiveKit room the avatar joins',
	},
	{
		displayName: 'Avatar',
		name: 'avatar',
		type: 'options',
		options: AVATAR_OPTIONS,
		default: DEFAULT_AVATAR,
		description: 'The avatar character that joins the room',
	},
	{
		displayName: 'Emotion',
		name: 'emotion',
		type: 'options',
		options: EMOTION_OPTIONS_WITH_EXPRESSIVE,
		default: DEFAULT_EMOTION,
		description: 'The facial expression of the avatar. "Expressive" is sent as is; AvatarTalk shows it as neutral in LiveKit sessions.',
	},
	{
		displayName: 'Room Tokens',
		name: 'tokenSource',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Create With LiveKit Credential',
				value: 'credential',
				description: 'Sign both tokens inside n8n with the API key and secret of a LiveKit API credential',
			},
			{
				name: 'Enter Tokens',
				value: 'manual',
				description: 'Paste a room token and a listener token made elsewhere',
			},
		],
		default: 'credential',
		description: 'Where the avatar\'s room token and the listener token come from',
	},
	{
		displayName: 'Select a LiveKit API credential above. Its secret only signs the tokens inside n8n; it is never sent.',
		name: 'credentialNotice',
		type: 'notice',
		default: '',
		displayOptions: fromCredential,
	},
	{
		displayName: 'Room Token',
		name: 'roomToken',
		type: 'string',
		typeOptions: { password: true },
		default: '',
		required: true,
		displayOptions: entered,
		description: 'LiveKit access token for the avatar participant (may publish audio and video in this room)',
	},
	{
		displayName: 'Listener Token',
		name: 'listenerToken',
		type: 'string',
		typeOptions: { password: true },
		default: '',
		required: true,
		displayOptions: entered,
		description: 'LiveKit access token AvatarTalk uses to listen to the room (subscribe only)',
	},
	{
		displayName: 'LiveKit URL',
		name: 'liveKitUrl',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'wss://my-project.livekit.cloud',
		displayOptions: entered,
		description: 'WebSocket URL of your LiveKit server',
	},
	{
		displayName: 'LiveKit URL',
		name: 'liveKitUrl',
		type: 'string',
		default: '',
		placeholder: 'wss://my-project.livekit.cloud',
		displayOptions: fromCredential,
		description: 'WebSocket URL of your LiveKit server. Leave empty to use the URL of the LiveKit credential.',
	},
	{
		displayName: 'Token Options',
		name: 'tokenOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: fromCredential,
		options: [
			{
				displayName: 'Avatar Display Name',
				name: 'avatarName',
				type: 'string',
				default: '',
				description: 'Name other participants see. Default: the avatar\'s name, e.g. "European Woman".',
			},
			{
				displayName: 'Avatar Identity',
				name: 'avatarIdentity',
				type: 'string',
				default: 'avatartalk-avatar',
				description: 'Participant identity of the avatar in the room (unique per room)',
			},
			{
				displayName: 'Include Listener Token in Output',
				name: 'outputListenerToken',
				type: 'boolean',
				default: false,
				description:
					'Whether to add the listener token (subscribe-only, hidden) to the output, e.g. to let a viewer watch. Treat it like a password until it expires.',
			},
			{
				displayName: 'Listener Identity',
				name: 'listenerIdentity',
				type: 'string',
				default: 'avatartalk-listener',
				description: 'Participant identity of the hidden listener',
			},
			{
				displayName: 'Token Lifetime (Minutes)',
				name: 'ttlMinutes',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 1440 },
				default: 60,
				description: 'How long the tokens may be used to join the room',
			},
		],
	},
];

/** LiveKit clients connect over WebSocket: an http(s) URL is taken as its ws(s) equivalent. */
function liveKitWsUrl(v: InputValidator, field: string, value: unknown): string {
	const url = v.url(field, value, ['wss', 'ws', 'https', 'http']).replace(/\/+$/, '');
	return url.replace(/^http(s?):\/\//i, (_m, s: string) => `ws${s}://`);
}

/** A pasted token must be a JWT for this room that has not expired. */
function checkToken(node: INode, itemIndex: number, field: string, token: string, room: string): void {
	const payload = peekJwtPayload(token);
	if (!payload) {
		throw new NodeOperationError(node, `${field}: is not a LiveKit access token`, {
			itemIndex,
			description: 'Allowed: a LiveKit access token (a JWT: three parts separated by dots, starting with "eyJ")',
		});
	}
	const video = (payload.video ?? {}) as IDataObject;
	if (typeof video.room === 'string' && video.room !== '' && video.room !== room) {
		throw new NodeOperationError(node, `${field}: the token is for room "${video.room}", not for the Room Name "${room}"`, {
			itemIndex,
			description: 'Make a token for this room, or change the Room Name.',
		});
	}
	if (typeof payload.exp === 'number' && payload.exp * 1000 <= Date.now()) {
		throw new NodeOperationError(node, `${field}: the token expired at ${new Date(payload.exp * 1000).toISOString()}`, {
			itemIndex,
			description: 'Make a new token.',
		});
	}
}

/** POST /livekit/create-session: an avatar joins a LiveKit room. Returns the task ID to delete it with. */
interface Input {
	body: IDataObject;
	/** What the output says besides the API's answer (never the room token). */
	json: IDataObject;
}

/** Reads the fields and makes (or checks) the room tokens: nothing is sent yet. */
export async function parse(this: IExecuteFunctions, i: number, v: InputValidator): Promise<Input> {
	const node = this.getNode();
	const roomName = v.text('Room Name', this.getNodeParameter('roomName', i)).trim();
	const avatar = v.oneOf('Avatar', this.getNodeParameter('avatar', i), AVATARS);
	const emotion = v.oneOf('Emotion', this.getNodeParameter('emotion', i), EMOTIONS_WITH_EXPRESSIVE);
	const tokenSource = v.oneOf('Room Tokens', this.getNodeParameter('tokenSource', i), ['credential', 'manual']);
	const extra: IDataObject = {};
	let roomToken: string;
	let listenerToken: string;
	let liveKitUrl: string;

	if (tokenSource === 'manual') {
		roomToken = v.text('Room Token', this.getNodeParameter('roomToken', i)).trim();
		listenerToken = v.text('Listener Token', this.getNodeParameter('listenerToken', i)).trim();
		checkToken(node, i, 'Room Token', roomToken, roomName);
		checkToken(node, i, 'Listener Token', listenerToken, roomName);
		liveKitUrl = liveKitWsUrl(v, 'LiveKit URL', this.getNodeParameter('liveKitUrl', i));
	} else {
		const options = this.getNodeParameter('tokenOptions', i, {}) as {
			avatarName?: string;
			avatarIdentity?: string;
			listenerIdentity?: string;
			ttlMinutes?: number;
			outputListenerToken?: boolean;
		};
		let credentials: IDataObject;
		try {
			credentials = await this.getCredentials('liveKitApi', i);
		} catch {
			throw new NodeOperationError(node, 'Room Tokens: "Create With LiveKit Credential" needs a LiveKit API credential', {
				itemIndex: i,
				description: 'Select a LiveKit API credential on this node, or set Room Tokens to "Enter Tokens".',
			});
		}
		const apiKey = String(credentials.apiKey ?? '').trim();
		const apiSecret = String(credentials.apiSecret ?? '');
		if (!apiKey || !apiSecret) {
			throw new NodeOperationError(node, 'Room Tokens: the LiveKit API credential has no API key or API secret', { itemIndex: i });
		}
		const urlParameter = String(this.getNodeParameter('liveKitUrl', i, '') ?? '').trim();
		liveKitUrl = urlParameter
			? liveKitWsUrl(v, 'LiveKit URL', urlParameter)
			: liveKitWsUrl(v, 'LiveKit URL (from the LiveKit credential)', credentials.url);
		const ttlSeconds = Math.round(v.number('Token Lifetime (Minutes)', options.ttlMinutes ?? 60, { min: 1, max: 1440 }) * 60);
		const avatarIdentity = v.text('Avatar Identity', options.avatarIdentity ?? 'avatartalk-avatar').trim();
		const listenerIdentity = v.text('Listener Identity', options.listenerIdentity ?? 'avatartalk-listener').trim();
		if (avatarIdentity === listenerIdentity) {
			v.fail('Listener Identity', `must differ from the Avatar Identity ("${avatarIdentity}")`, 'two different participant identities');
		}
		const avatarName = (options.avatarName ?? '').trim() || String(AVATAR_OPTIONS.find((o) => o.value === avatar)?.name ?? avatar);
		const room = mintLiveKitToken('avatarAgent', { apiKey, apiSecret, room: roomName, identity: avatarIdentity, name: avatarName, ttlSeconds });
		const listener = mintLiveKitToken('listener', { apiKey, apiSecret, room: roomName, identity: listenerIdentity, ttlSeconds });
		roomToken = room.token;
		listenerToken = listener.token;
		Object.assign(extra, {
			avatarIdentity,
			listenerIdentity,
			tokensExpireAt: new Date(room.expiresAt * 1000).toISOString(),
			...(options.outputListenerToken ? { listener_token: listenerToken } : {}),
		});
	}

	return {
		body: { room_name: roomName, room_token: roomToken, listener_token: listenerToken, livekit_url: liveKitUrl, avatar, emotion },
		json: { room_name: roomName, livekit_url: liveKitUrl, avatar, emotion, tokenSource, ...extra },
	};
}

export async function execute(this: IExecuteFunctions, op: OperationContext<Input>): Promise<OperationResult> {
	const response = await op.request<IDataObject>(avatarTalk, {
		method: 'POST',
		url: '/livekit/create-session',
		body: op.input.body,
		// Starts a paid session: never sent twice after a failure the server may have acted on.
		idempotent: false,
	});
	return { json: { ...response.body, ...op.input.json } };
}
