import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

export class MultiTalkApi implements ICredentialType {
	name = 'multiTalkApi';

	displayName = 'MeiGen-MultiTalk API';

	icon = { light: 'file:../icons/multitalk.svg', dark: 'file:../icons/multitalk.dark.svg' } as const;

	documentationUrl = 'https://github.com/talking-avatars/n8n-nodes-talking-avatars#multitalk';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description: 'Sent as a Bearer token on every request',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			required: true,
			default: '',
			placeholder: 'https://berrylands--multitalk-api-fastapi-app.modal.run/api/v1',
			description: 'Where your MultiTalk API is deployed. With or without the trailing /api/v1.',
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

	// Every MultiTalk endpoint needs the key; listing one job is the cheapest proof.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "").replace(/\\/api\\/v1$/, "")}}',
			url: '/api/v1/jobs',
			qs: { limit: 1 },
			method: 'GET',
		},
	};
}
