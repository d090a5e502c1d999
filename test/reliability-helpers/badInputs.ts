/**
 * Invalid inputs across the nodes: each must fail with a NodeOperationError that names the
 * field (as the UI labels it) and says what is allowed, before anything is sent.
 */
import type { INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { fixture } from '../emulator/media';
import type { Emulator } from '../emulator/server';
import { INVALID as INVALID_INVOICES, VALID as VALID_INVOICES } from '../unit/avatartalk/bolt11Vectors';
import type { NodeKey } from './nodes';
import { binaryItem, setup } from './nodes';

export interface BadInput {
	node: NodeKey;
	/** What is wrong, in words (the test name). */
	what: string;
	params: INodeParameters;
	/** Input items; may create server state first (sent before the run, not counted). */
	items?: (emulator: Emulator) => Promise<INodeExecutionData[]> | INodeExecutionData[];
	/** The message starts with this field label. */
	field: string;
	/** What is allowed, as the message or its description says it. */
	allowed: RegExp;
	/** The item the error belongs to (default 0). */
	itemIndex?: number;
}

const SDP =
	'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=recvonly\r\n';
const LONG = (n: number) => 'a'.repeat(n);
const submit = {
	resource: 'job',
	operation: 'submit',
	prompt: 'A presenter explaining the weather',
	imageS3Url: 's3://inputs/person.png',
	audio: { urls: [{ url: 's3://inputs/voice.wav' }] },
};
const generate = { resource: 'video', operation: 'generate', sessionId: 'session-1', text: 'Hello' };
const inference = { resource: 'video', operation: 'generateInference', text: 'Hello', mode: 'wait' };
const BAD_S3 = /s3:\/\/bucket-name\/path\/to\/file/;

export const BAD_INPUTS: BadInput[] = [
	// ---- MuseTalk ----------------------------------------------------------------------------
	{ node: 'museTalk', what: 'empty text', params: { ...generate, text: '={{ "" }}' }, field: 'Text', allowed: /1 to 10000 characters/ },
	{ node: 'museTalk', what: 'text over 10,000 characters', params: { ...generate, text: LONG(10_001) }, field: 'Text', allowed: /1 to 10000 characters/ },
	{
		node: 'museTalk',
		what: 'unknown voice (wrong option value)',
		// With Voice as an expression n8n treats the hidden Custom Voice ID as shown and required:
		// filled here so that n8n's own check passes and the node's check is what answers.
		params: { ...generate, voice: '={{ "robot" }}', customVoiceId: 'MF3mGyEYCl7XYWbV9V6O' },
		field: 'Voice',
		allowed: /JBFqnCBsd6RMkjVDRZzb/,
	},
	{
		node: 'museTalk',
		what: 'custom voice ID that is not an ElevenLabs ID',
		params: { ...generate, voice: 'custom', customVoiceId: 'abc' },
		field: 'Custom Voice ID',
		allowed: /20 letters and digits/,
	},
	{ node: 'museTalk', what: 'malformed model ID', params: { ...generate, modelId: 'Eleven V2!' }, field: 'Model ID', allowed: /lower-case letters, digits and underscores/ },
	{
		node: 'museTalk',
		what: 'session ID with a slash',
		params: { ...generate, operation: 'generateStream', sessionId: 'a/b' },
		field: 'Session ID',
		allowed: /an ID without spaces, slashes/,
	},
	{
		node: 'museTalk',
		what: 'audio and video put in the same binary field',
		params: { ...generate, downloadAudio: true, audioBinaryProperty: 'data' },
		field: 'Put Audio in Field',
		allowed: /two different names/,
	},
	{
		node: 'museTalk',
		what: 'file name with a space',
		params: { resource: 'video', operation: 'downloadFile', fileType: 'video', fileName: 'bad name.mp4' },
		field: 'File Name',
		allowed: /output_12345\.mp4/,
	},
	{
		node: 'museTalk',
		what: 'file type outside the list',
		params: { resource: 'video', operation: 'downloadFile', fileType: '={{ "image" }}', fileName: 'output_1.mp4' },
		field: 'File Type',
		allowed: /video, audio/,
	},
	{
		node: 'museTalk',
		what: 'wait timeout of 0 seconds',
		params: { resource: 'session', operation: 'create', waitTimeoutSeconds: 0 },
		field: 'Wait Timeout (Seconds)',
		allowed: /a number from 1 to 86400/,
	},
	{
		node: 'museTalk',
		what: 'poll interval below 0.1 s',
		params: { resource: 'session', operation: 'create', pollIntervalSeconds: 0.01 },
		field: 'Check Every (Seconds)',
		allowed: /from 0\.1 to 3600/,
	},
	{
		node: 'museTalk',
		what: 'avatar path on two lines',
		params: { resource: 'session', operation: 'create', avatarVideoPath: '/avatars/a.mp4\n/etc/passwd' },
		field: 'Avatar Video Path',
		allowed: /on one line/,
	},

	// ---- LiveTalking -------------------------------------------------------------------------
	{
		node: 'liveTalking',
		what: 'session ID that is not a number',
		params: { resource: 'session', operation: 'sendText', sessionId: 'abc', text: 'Hi' },
		field: 'Session ID',
		allowed: /whole number of 0 or more/,
	},
	{
		node: 'liveTalking',
		what: 'negative session ID',
		params: { resource: 'session', operation: 'sendText', sessionId: '-1', text: 'Hi' },
		field: 'Session ID',
		allowed: /whole number from 0/,
	},
	{
		node: 'liveTalking',
		what: 'fractional session ID',
		params: { resource: 'recording', operation: 'start', sessionId: '1.5' },
		field: 'Session ID',
		allowed: /whole number/,
	},
	{
		node: 'liveTalking',
		what: 'blank text',
		params: { resource: 'session', operation: 'sendText', sessionId: '7', text: '   ' },
		field: 'Text',
		allowed: /1 to 5000 characters/,
	},
	{
		node: 'liveTalking',
		what: 'text over 5,000 characters',
		params: { resource: 'session', operation: 'sendText', sessionId: '7', text: LONG(5001) },
		field: 'Text',
		allowed: /1 to 5000 characters/,
	},
	{
		node: 'liveTalking',
		what: 'recording title over 255 characters',
		params: { resource: 'recording', operation: 'download', sessionId: '7', title: LONG(256) },
		field: 'Title',
		allowed: /0 to 255 characters/,
	},
	{
		node: 'liveTalking',
		what: 'output field name with a space',
		params: { resource: 'recording', operation: 'download', sessionId: '7', binaryPropertyName: 'my field' },
		field: 'Put Video in Field',
		allowed: /a name without spaces/,
	},

	// ---- AvaTar ------------------------------------------------------------------------------
	{ node: 'avaTar', what: 'quality outside the list', params: { resource: 'session', operation: 'create', quality: '={{ "ultra" }}' }, field: 'Quality', allowed: /low, medium, high/ },
	{ node: 'avaTar', what: 'avatar ID with a space', params: { resource: 'session', operation: 'create', avatarId: 'my avatar' }, field: 'Avatar ID', allowed: /an ID without spaces/ },
	{
		node: 'avaTar',
		what: 'SDP offer that is not SDP',
		params: { resource: 'session', operation: 'start', sessionId: 's1', offerSource: 'parameter', offer: 'hello world' },
		field: 'SDP Offer',
		allowed: /an SDP offer as created by RTCPeerConnection\.createOffer\(\)/,
	},
	{
		node: 'avaTar',
		what: 'SDP answer given instead of an offer',
		params: { resource: 'session', operation: 'start', sessionId: 's1', offerSource: 'parameter', offer: JSON.stringify({ type: 'answer', sdp: SDP }) },
		field: 'SDP Offer',
		allowed: /an SDP offer \(type "offer"\)/,
	},
	{
		node: 'avaTar',
		what: 'offer field missing from the input item',
		params: { resource: 'session', operation: 'start', sessionId: 's1', offerSource: 'field', offerField: 'body.offer' },
		field: 'Offer Field',
		allowed: /a field of the input item/,
	},
	{
		node: 'avaTar',
		what: 'session ID with a slash',
		params: { resource: 'conversation', operation: 'speak', sessionId: 'bad/id', text: 'Hi' },
		field: 'Session ID',
		allowed: /an ID without spaces, slashes/,
	},
	{
		node: 'avaTar',
		what: 'messages that are not valid JSON',
		params: { resource: 'conversation', operation: 'sendChat', sessionId: 's1', messageInput: 'json', messages: '[{"role": "user", ' },
		field: 'Messages',
		allowed: /a JSON list such as/,
	},
	{
		node: 'avaTar',
		what: 'message with an unknown role',
		params: { resource: 'conversation', operation: 'sendChat', sessionId: 's1', messageInput: 'json', messages: '[{"role": "robot", "content": "hi"}]' },
		field: 'Messages',
		allowed: /role: system, user, assistant/,
	},
	{
		node: 'avaTar',
		what: 'empty chat message',
		params: { resource: 'conversation', operation: 'sendChat', sessionId: 's1', messageInput: 'text', message: '={{ "" }}' },
		field: 'Message',
		allowed: /must not be empty/,
	},
	{
		node: 'avaTar',
		what: 'max reply time of 0 seconds',
		params: { resource: 'conversation', operation: 'sendChat', sessionId: 's1', message: 'Hi', options: { maxReplySeconds: 0 } },
		field: 'Options > Max Reply Time (Seconds)',
		allowed: /a number from 1/,
	},
	{
		node: 'avaTar',
		what: 'voice stability above 1',
		params: { resource: 'conversation', operation: 'speak', sessionId: 's1', text: 'Hi', voiceSettings: { stability: 1.5 } },
		field: 'Voice Settings > Stability',
		allowed: /a number from 0 to 1/,
	},
	{ node: 'avaTar', what: 'empty text to speak', params: { resource: 'conversation', operation: 'speak', sessionId: 's1', text: '={{ $json.text }}' }, items: () => [{ json: { text: '' } }], field: 'Text', allowed: /must not be empty/ },
	{
		node: 'avaTar',
		what: 'missing binary property for realtime audio',
		params: { resource: 'realtime', operation: 'sendAudio', sessionId: 's1', binaryProperty: 'data' },
		field: 'Input Binary Field',
		allowed: /no binary property "data"|carries no binary data/,
	},
	{
		node: 'avaTar',
		what: 'an image sent as realtime audio',
		params: { resource: 'realtime', operation: 'sendAudio', sessionId: 's1', binaryProperty: 'data' },
		items: () => [binaryItem(fixture('frame.jpg'), 'frame.jpg', 'image/jpeg')],
		field: 'Input Binary Field',
		allowed: /an audio file, e\.g\. WAV/,
	},
	{
		node: 'avaTar',
		what: 'audio chunk size above 1024 KB',
		params: { resource: 'realtime', operation: 'sendAudio', sessionId: 's1', binaryProperty: 'data', options: { chunkKb: 2048 } },
		items: () => [binaryItem(fixture('speech-16k-mono.wav'), 'speech.wav', 'audio/wav')],
		field: 'Options > Audio Chunk Size (KB)',
		allowed: /a number from 1 to 1024/,
	},
	{
		node: 'avaTar',
		what: 'control event outside the list',
		params: { resource: 'realtime', operation: 'sendEvent', sessionId: 's1', event: '={{ "explode" }}' },
		field: 'Event',
		allowed: /interrupt, start_listening, stop_listening, audio_buffer_clear/,
	},
	{
		node: 'avaTar',
		what: '"Wait Until" outside the list',
		params: { resource: 'realtime', operation: 'sendEvent', sessionId: 's1', event: 'interrupt', waitUntil: '={{ "forever" }}' },
		field: 'Wait Until',
		allowed: /idle, status, timeLimit, none/,
	},

	// ---- AvatarTalk: Video and Stream --------------------------------------------------------
	{ node: 'avatarTalk', what: 'avatar outside the list', params: { ...inference, avatar: '={{ "robot" }}' }, field: 'Avatar', allowed: /european_woman/ },
	{ node: 'avatarTalk', what: 'emotion outside the list', params: { ...inference, emotion: '={{ "angry" }}' }, field: 'Emotion', allowed: /happy, neutral, serious/ },
	{ node: 'avatarTalk', what: 'language outside the list', params: { ...inference, language: '={{ "xx" }}' }, field: 'Language', allowed: /\ben\b.*\bes\b/ },
	{ node: 'avatarTalk', what: 'empty text', params: { ...inference, text: '={{ $json.text }}' }, items: () => [{ json: { text: '' } }], field: 'Text', allowed: /must not be empty/ },
	{
		node: 'avatarTalk',
		what: 'video URL that is not a URL',
		params: { resource: 'video', operation: 'getVideo', source: 'url', videoUrl: 'not a url' },
		field: 'Video URL',
		allowed: /an absolute http or https URL/,
	},
	{
		node: 'avatarTalk',
		what: 'inference ID with a space',
		params: { resource: 'video', operation: 'getVideo', source: 'id', inferenceId: 'a b' },
		field: 'Inference ID',
		allowed: /an ID without spaces/,
	},
	{
		node: 'avatarTalk',
		what: 'RTMP URL with an http scheme',
		params: { resource: 'stream', operation: 'streamInference', inputType: 'text', text: 'Hi', outputType: 'rtmp', rtmpUrl: 'http://live.example.com/app/key' },
		field: 'RTMP URL',
		allowed: /an absolute rtmp or rtmps URL/,
	},
	{
		node: 'avatarTalk',
		what: 'stream ID that is not a UUID',
		params: { resource: 'stream', operation: 'streamInference', inputType: 'text', text: 'Hi', options: { streamId: 'not-a-uuid' } },
		field: 'Stream ID',
		allowed: /a UUID such as/,
	},
	{
		node: 'avatarTalk',
		what: 'missing binary property for streamed audio',
		params: { resource: 'stream', operation: 'streamInference', inputType: 'audio', inputBinaryPropertyName: 'data' },
		field: 'Input Binary Field',
		allowed: /no binary property "data"|carries no binary data/,
	},
	{
		node: 'avatarTalk',
		what: 'target buffer above the max buffer',
		params: { resource: 'stream', operation: 'continuousSession', text: 'Hi', avatar: 'mexican_woman', options: { targetBufferMs: 9000 } },
		field: 'Target Buffer (Ms)',
		allowed: /Min Buffer <= Target Buffer <= Max Buffer/,
	},
	{
		node: 'avatarTalk',
		what: 'no text in any item of a continuous session',
		params: { resource: 'stream', operation: 'continuousSession', text: '={{ $json.chunk }}', avatar: 'mexican_woman' },
		items: () => [{ json: { chunk: '' } }, { json: { chunk: '' } }],
		field: 'Text',
		allowed: /text in at least one item/,
	},

	// ---- AvatarTalk: LiveKit -----------------------------------------------------------------
	{
		node: 'avatarTalk',
		what: 'room token that is not a JWT',
		params: {
			resource: 'liveKit',
			operation: 'createSession',
			roomName: 'room',
			tokenSource: 'manual',
			roomToken: 'not-a-jwt',
			listenerToken: 'not-a-jwt',
			liveKitUrl: 'wss://lk.example.com',
		},
		field: 'Room Token',
		allowed: /a LiveKit access token \(a JWT/,
	},
	{
		node: 'avatarTalk',
		what: 'LiveKit URL with an ftp scheme',
		params: { resource: 'liveKit', operation: 'createSession', roomName: 'room', tokenSource: 'credential', liveKitUrl: 'ftp://lk.example.com' },
		field: 'LiveKit URL',
		allowed: /an absolute wss or ws or https or http URL/,
	},
	{
		node: 'avatarTalk',
		what: 'the same identity for avatar and listener',
		params: {
			resource: 'liveKit',
			operation: 'createSession',
			roomName: 'room',
			tokenSource: 'credential',
			tokenOptions: { avatarIdentity: 'same', listenerIdentity: 'same' },
		},
		field: 'Listener Identity',
		allowed: /two different participant identities/,
	},
	{ node: 'avatarTalk', what: 'empty task ID', params: { resource: 'liveKit', operation: 'deleteSession' }, field: 'Task ID', allowed: /an ID without spaces/ },

	// ---- AvatarTalk: Lightning ---------------------------------------------------------------
	{
		node: 'avatarTalk',
		what: 'malformed BOLT11 invoice (bad checksum)',
		params: { resource: 'lightning', operation: 'generateVideo', invoice: INVALID_INVOICES.badChecksum },
		field: 'Invoice',
		allowed: /a BOLT11 invoice as AvatarTalk returns it/,
	},
	{
		node: 'avatarTalk',
		what: 'expired BOLT11 invoice (generate)',
		params: { resource: 'lightning', operation: 'generateVideo', invoice: VALID_INVOICES.coffee },
		field: 'Invoice',
		allowed: /can no longer be paid.*Request the video again to get a new invoice/s,
	},
	{
		node: 'avatarTalk',
		what: 'expired BOLT11 invoice (wait for payment)',
		params: { resource: 'lightning', operation: 'waitForPayment', invoice: VALID_INVOICES.coffee },
		field: 'Invoice',
		allowed: /can no longer be paid.*Request the video again to get a new invoice/s,
	},
	{ node: 'avatarTalk', what: 'empty invoice', params: { resource: 'lightning', operation: 'getPayment' }, items: () => [{ json: { note: 'no invoice on this item' } }], field: 'Invoice', allowed: /a BOLT11 Lightning invoice/ },
	{
		node: 'avatarTalk',
		what: 'invoice that is not an invoice (offline decode)',
		params: { resource: 'lightning', operation: 'decodeInvoice', invoice: 'lnbc1qwertyuiop' },
		field: 'Invoice',
		allowed: /a BOLT11 invoice as AvatarTalk returns it/,
	},
	{
		node: 'avatarTalk',
		what: 'an MP3 uploaded as the WAV',
		params: { resource: 'lightning', operation: 'requestVideoFromAudio', binaryPropertyName: 'data' },
		items: () => [binaryItem(fixture('sample.mp3'), 'speech.mp3', 'audio/mpeg')],
		field: 'Input Binary Field',
		allowed: /16 kHz, mono, 16-bit PCM/,
	},
	{
		node: 'avatarTalk',
		what: 'a WAV in the wrong format (44.1 kHz stereo)',
		params: { resource: 'lightning', operation: 'requestVideoFromAudio', binaryPropertyName: 'data' },
		items: () => [binaryItem(fixture('stereo-44k.wav'), 'stereo.wav', 'audio/wav')],
		field: 'Input Binary Field',
		allowed: /16 kHz, mono, 16-bit PCM/,
	},
	{
		node: 'avatarTalk',
		what: 'missing binary property for the WAV upload',
		params: { resource: 'lightning', operation: 'requestVideoFromAudio', binaryPropertyName: 'audio' },
		field: 'Input Binary Field',
		allowed: /no binary property "audio"|carries no binary data/,
	},
	{ node: 'avatarTalk', what: 'empty text for an invoice', params: { resource: 'lightning', operation: 'requestVideoFromText', text: '={{ $json.text }}' }, items: () => [{ json: { text: '   ' } }], field: 'Text', allowed: /must not be empty/ },
	{
		node: 'avatarTalk',
		what: 'payment list limit of 0',
		params: { resource: 'lightning', operation: 'listPayments', returnAll: false, limit: 0 },
		field: 'Limit',
		allowed: /a whole number from 1/,
	},
	{
		node: 'avatarTalk',
		what: 'payment wait timeout of 0 seconds',
		params: { resource: 'lightning', operation: 'waitForPayment', invoice: '={{ $json.invoice }}', timeoutSeconds: 0 },
		items: async (emulator) => [{ json: { invoice: await setup.lightningInvoice(emulator, false) } }],
		field: 'Wait Timeout (Seconds)',
		allowed: /a number from 1/,
	},

	// ---- MultiTalk ---------------------------------------------------------------------------
	{ node: 'multiTalk', what: 'image URL that is not an S3 URL', params: { ...submit, imageS3Url: 'https://bucket/person.png' }, field: 'Reference Image S3 URL', allowed: BAD_S3 },
	{
		node: 'multiTalk',
		what: 'audio URL with an invalid bucket name',
		params: { ...submit, audio: { urls: [{ url: 's3://Bad_Bucket/voice.wav' }] } },
		field: 'Audio S3 URLs',
		allowed: BAD_S3,
	},
	{ node: 'multiTalk', what: 'no audio track', params: { ...submit, audio: {} }, field: 'Audio S3 URLs', allowed: /add one entry per speaker/ },
	{ node: 'multiTalk', what: 'empty prompt', params: { ...submit, prompt: '={{ $json.prompt }}' }, items: () => [{ json: { prompt: '' } }], field: 'Prompt', allowed: /1 to 10000 characters/ },
	{ node: 'multiTalk', what: 'prompt over 10,000 characters', params: { ...submit, prompt: LONG(10_001) }, field: 'Prompt', allowed: /1 to 10000 characters/ },
	{ node: 'multiTalk', what: 'sample steps below 10', params: { ...submit, options: { sampleSteps: 5 } }, field: 'Sample Steps', allowed: /a whole number from 10 to 50/ },
	{ node: 'multiTalk', what: 'resolution outside the list', params: { ...submit, options: { resolution: '={{ "4k" }}' } }, field: 'Resolution', allowed: /480p, 720p/ },
	{ node: 'multiTalk', what: 'audio CFG above 5', params: { ...submit, options: { audioCfg: 6 } }, field: 'Audio CFG', allowed: /a number from 3 to 5/ },
	{ node: 'multiTalk', what: 'color correction above 1', params: { ...submit, options: { colorCorrection: 2 } }, field: 'Color Correction', allowed: /a number from 0 to 1/ },
	{ node: 'multiTalk', what: 'webhook URL with an ftp scheme', params: { ...submit, webhookUrl: 'ftp://example.com/hook' }, field: 'Webhook URL', allowed: /an absolute http or https URL/ },
	{
		node: 'multiTalk',
		what: 'output bucket name with capitals and an underscore',
		params: { ...submit, options: { outputS3Bucket: 'Bad_Bucket' } },
		field: 'Output S3 Bucket',
		allowed: /lower-case letters, digits, dots and hyphens/,
	},
	{
		node: 'multiTalk',
		what: 'one bad item among three: nothing is submitted for any of them',
		params: { ...submit, prompt: '={{ $json.prompt }}' },
		items: () => [{ json: { prompt: 'First video' } }, { json: { prompt: 'Second video' } }, { json: { prompt: '' } }],
		field: 'Prompt',
		allowed: /1 to 10000 characters/,
		itemIndex: 2,
	},
	{ node: 'multiTalk', what: 'job ID with a slash', params: { resource: 'job', operation: 'get', jobId: 'a/b' }, field: 'Job ID', allowed: /an ID without spaces, slashes/ },
	{ node: 'multiTalk', what: 'list limit above 100', params: { resource: 'job', operation: 'list', limit: 101 }, field: 'Limit', allowed: /a whole number from 1 to 100/ },
	{
		node: 'multiTalk',
		what: 'download link valid for 0 seconds',
		params: { resource: 'job', operation: 'getDownloadUrl', jobId: 'job-1', expiration: 0 },
		field: 'Link Valid For (Seconds)',
		allowed: /a whole number from 1 to 86400/,
	},
	{
		node: 'multiTalk',
		what: 'wait timeout of 0 minutes',
		params: { resource: 'job', operation: 'waitForJob', jobId: 'job-1', timeoutMinutes: 0 },
		field: 'Wait Timeout (Minutes)',
		allowed: /a number from 0\.01 to 1440/,
	},
	{
		node: 'multiTalk',
		what: 'test webhook URL that is not a URL',
		params: { resource: 'service', operation: 'testWebhook', webhookUrl: 'not a url' },
		field: 'Webhook URL',
		allowed: /an absolute http or https URL/,
	},
];
