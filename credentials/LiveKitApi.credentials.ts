import type {
	IAuthenticate,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

import { signHs256Jwt } from '../nodes/shared/jwt';

export class LiveKitApi implements ICredentialType {
	name = 'liveKitApi';

	displayName = 'LiveKit API';

	icon = { light: 'file:../icons/livekit.svg', dark: 'file:../icons/livekit.dark.svg' } as const;

	documentationUrl = 'https://github.com/talking-avatars/n8n-nodes-talking-avatars#livekit';

	properties: INodeProperties[] = [
		{
			displayName: 'LiveKit URL',
			name: 'url',
			type: 'string',
			required: true,
			default: '',
			placeholder: 'wss://my-project.livekit.cloud',
			description: 'The WebSocket URL of your LiveKit server, as clients connect to it',
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
		},
		{
			displayName: 'API Secret',
			name: 'apiSecret',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description: 'Used only to sign room tokens inside n8n; it is never sent anywhere',
		},
	];

	// LiveKit's server API takes a short-lived token signed with the secret, not the secret
	// itself. The token below may only list rooms, which is what the credential test does.
	authenticate: IAuthenticate = async (credentials, requestOptions) => {
		const now = Math.floor(Date.now() / 1000);
		const token = signHs256Jwt(
			{
				iss: String(credentials.apiKey),
				sub: String(credentials.apiKey),
				nbf: now,
				exp: now + 600,
				video: { roomList: true },
			},
			String(credentials.apiSecret),
		);
		return {
			...requestOptions,
			headers: { ...requestOptions.headers, Authorization: `Bearer ${token}` },
		};
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.url.replace(/^ws/, "http").replace(/\\/+$/, "")}}',
			url: '/twirp/livekit.RoomService/ListRooms',
			method: 'POST',
			body: {},
			json: true,
		},
	};
}
