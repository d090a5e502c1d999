import type {
	IAuthenticate,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

export class AvaTarApi implements ICredentialType {
	name = 'avaTarApi';

	displayName = 'AvaTar Streaming API';

	icon = { light: 'file:../icons/avatar.svg', dark: 'file:../icons/avatar.dark.svg' } as const;

	documentationUrl = 'https://github.com/talking-avatars/n8n-nodes-talking-avatars#avatar';

	properties: INodeProperties[] = [
		{
			displayName: 'API Base URL',
			name: 'baseUrl',
			type: 'string',
			required: true,
			default: '',
			placeholder: 'http://localhost:8000/v1',
			description: 'The REST API of your AvaTar deployment. With or without the trailing /v1.',
		},
		{
			displayName: 'WebSocket URL',
			name: 'wsUrl',
			type: 'string',
			default: '',
			placeholder: 'ws://localhost:8001/ws',
			description: 'The realtime WebSocket endpoint, without the session ID. Needed only for the Realtime operation.',
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'Optional: sent as a Bearer token when set (authentication is optional on development deployments)',
		},
	];

	// The key is optional: add the header only when one is set, never an empty Bearer.
	authenticate: IAuthenticate = async (credentials, requestOptions) => {
		const apiKey = String(credentials.apiKey ?? '');
		if (!apiKey) return requestOptions;
		return {
			...requestOptions,
			headers: { ...requestOptions.headers, Authorization: `Bearer ${apiKey}` },
		};
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "").replace(/\\/v1$/, "")}}',
			url: '/v1/streaming.sessions',
			method: 'GET',
		},
	};
}
