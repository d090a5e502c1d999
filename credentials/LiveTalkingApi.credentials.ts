import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

export class LiveTalkingApi implements ICredentialType {
	name = 'liveTalkingApi';

	displayName = 'LiveTalking Avatar Streaming API';

	icon = 'file:../icons/livetalking.svg' as const;

	documentationUrl = 'https://github.com/talking-avatars/n8n-nodes-talking-avatars#livetalking';

	properties: INodeProperties[] = [
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			required: true,
			default: '',
			placeholder: 'http://localhost:8000',
			description: 'The avatar-streaming backend (video-clone-backend) in front of your LiveTalking server',
		},
		{
			displayName: 'Firebase ID Token',
			name: 'firebaseToken',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description: 'A Firebase JWT for a user of the backend, sent as a Bearer token',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.firebaseToken}}',
			},
		},
	};

	// Getting the session URLs needs a valid token and changes nothing.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/api/v1/avatar/session',
			method: 'GET',
		},
	};
}
