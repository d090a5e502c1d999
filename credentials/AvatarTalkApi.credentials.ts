import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

export class AvatarTalkApi implements ICredentialType {
	name = 'avatarTalkApi';

	displayName = 'AvatarTalk API';

	icon = { light: 'file:../icons/avatartalk.svg', dark: 'file:../icons/avatartalk.dark.svg' } as const;

	documentationUrl = 'https://github.com/talking-avatars/n8n-nodes-talking-avatars#avatartalk';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description: 'Your AvatarTalk API key, sent as a Bearer token',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			required: true,
			default: 'https://api.avatartalk.ai',
			description: 'Change only to use a self-hosted or test server (for example the bundled emulator)',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.apiKey}}',
			},
		},
	};

	// Listing Lightning payments needs a valid key and costs nothing.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/lightning/payments',
			method: 'GET',
		},
	};
}
