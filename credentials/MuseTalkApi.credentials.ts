import type {
	IAuthenticate,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

export class MuseTalkApi implements ICredentialType {
	name = 'museTalkApi';

	displayName = 'MuseTalk Server API';

	icon = { light: 'file:../icons/musetalk.svg', dark: 'file:../icons/musetalk.dark.svg' } as const;

	documentationUrl = 'https://github.com/talking-avatars/n8n-nodes-talking-avatars#musetalk';

	properties: INodeProperties[] = [
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			required: true,
			default: '',
			placeholder: 'https://hpdznkoepuk348-8000.proxy.runpod.net/api/v1',
			description: 'Where your MuseTalk server runs. With or without the trailing /api/v1.',
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Optional. The MuseTalk server has no authentication of its own; set this when it sits behind a proxy that expects a Bearer token.',
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

	// The server has no authenticated endpoint: the health check proves it is reachable and
	// that its models are loaded.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "").replace(/\\/api\\/v1$/, "")}}',
			url: '/health',
			method: 'GET',
		},
	};
}
