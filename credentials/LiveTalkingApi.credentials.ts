import type {
	IAuthenticateGeneric,
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IDataObject,
	IHttpRequestHelper,
	INodeProperties,
} from 'n8n-workflow';

export class LiveTalkingApi implements ICredentialType {
	name = 'liveTalkingApi';

	displayName = 'LiveTalking Avatar Streaming API';

	icon = { light: 'file:../icons/livetalking.svg', dark: 'file:../icons/livetalking.dark.svg' } as const;

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
			// Credentials saved before this option existed have no value here and get the default:
			// the pasted token they always used.
			displayName: 'Sign In With',
			name: 'authMethod',
			type: 'options',
			options: [
				{
					name: 'Firebase ID Token (Pasted, Lasts One Hour)',
					value: 'idToken',
				},
				{
					name: 'Firebase Refresh Token (Renews Itself)',
					value: 'refreshToken',
				},
			],
			default: 'idToken',
			description:
				'A pasted ID token stops working after an hour. With a Web API key and refresh token the credential gets a new ID token itself whenever the old one has expired, so scheduled workflows keep running.',
		},
		{
			displayName: 'Firebase ID Token',
			name: 'firebaseToken',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description: 'A Firebase JWT for a user of the backend, sent as a Bearer token',
			displayOptions: { show: { authMethod: ['idToken'] } },
		},
		{
			displayName: 'Firebase Web API Key',
			name: 'firebaseApiKey',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description: "The Web API key of the backend's Firebase project (Firebase console → Project settings → General)",
			displayOptions: { show: { authMethod: ['refreshToken'] } },
		},
		{
			displayName: 'Firebase Refresh Token',
			name: 'firebaseRefreshToken',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description: "The signed-in user's refresh token (the Firebase JS SDK's user.refreshToken)",
			displayOptions: { show: { authMethod: ['refreshToken'] } },
		},
		{
			displayName: 'Token Endpoint',
			name: 'firebaseExchangeUrl',
			type: 'string',
			default: 'https://securetoken.googleapis.com/v1/token',
			description: 'Where refresh tokens are exchanged. Change it only for the Firebase Auth Emulator or a test stand-in.',
			displayOptions: { show: { authMethod: ['refreshToken'] } },
		},
		{
			// Filled and renewed by preAuthentication: n8n calls it when this is empty and again
			// when the backend answers 401 (the token's hour is up), then saves the new token.
			displayName: 'ID Token',
			name: 'idToken',
			type: 'hidden',
			typeOptions: { expirable: true, password: true },
			default: '',
		},
	];

	/** Exchanges the refresh token for a fresh one-hour ID token (Firebase's token endpoint). */
	async preAuthentication(this: IHttpRequestHelper, credentials: ICredentialDataDecryptedObject) {
		if (credentials.authMethod !== 'refreshToken') return {};
		const response = (await this.helpers.httpRequest({
			method: 'POST',
			url: String(credentials.firebaseExchangeUrl ?? '').trim() || 'https://securetoken.googleapis.com/v1/token',
			qs: { key: String(credentials.firebaseApiKey ?? '').trim() },
			headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
			body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(String(credentials.firebaseRefreshToken ?? '').trim())}`,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			json: false,
		}).catch((error: unknown) => {
			// The request's URL carries the API key: report the failure without it.
			const code = (error as { code?: string; cause?: { code?: string } })?.code ?? (error as { cause?: { code?: string } })?.cause?.code;
			throw new Error(`Could not renew the Firebase ID token: the token endpoint did not answer (${code ?? 'network error'})`);
		})) as { statusCode: number; body: unknown };
		const body = parseBody(response.body);
		const idToken = typeof body.id_token === 'string' ? body.id_token : '';
		if (response.statusCode >= 400 || idToken === '') {
			const error = (body.error ?? {}) as IDataObject;
			const reason = typeof error.message === 'string' ? error.message : `HTTP ${response.statusCode}`;
			throw new Error(
				`Could not renew the Firebase ID token: Firebase answered ${reason}. Check the Web API key and put a current refresh token in the LiveTalking credential.`,
			);
		}
		return { idToken };
	}

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization:
					'=Bearer {{$credentials.authMethod === "refreshToken" ? $credentials.idToken : $credentials.firebaseToken}}',
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

function parseBody(body: unknown): IDataObject {
	if (body && typeof body === 'object' && !Buffer.isBuffer(body)) return body as IDataObject;
	try {
		const parsed: unknown = JSON.parse(Buffer.isBuffer(body) ? body.toString('utf8') : String(body ?? ''));
		return parsed && typeof parsed === 'object' ? (parsed as IDataObject) : {};
	} catch {
		return {};
	}
}
