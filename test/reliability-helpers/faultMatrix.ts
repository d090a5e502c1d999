/**
 * The fault matrix: every HTTP request of every operation (one row per operation and request it
 * sends), crossed with every transport fault, plus the WebSocket sessions crossed with the
 * WebSocket faults. Each row carries a minimal valid workflow, the emulator route the fault is
 * injected on, and whether the operation marks that request idempotent (read from the
 * operation's own code: POSTs that may start paid work are not).
 */
import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { fixture } from '../emulator/media';
import type { Emulator } from '../emulator/server';
import type { FaultKind, ServiceName } from '../emulator/types';
import type { NodeKey } from './nodes';
import { AVATARTALK_STREAM_TEXT, binaryItem, setup } from './nodes';

export interface Route {
	service: ServiceName;
	method: string;
	path: RegExp;
}

export interface MatrixRow {
	node: NodeKey;
	/** As the UI shows it: "Resource → Operation". */
	operation: string;
	/** The request the fault hits, in words ("POST /inference"). */
	request: string;
	params: INodeParameters;
	route: Route;
	/** Whether the operation lets the transport repeat this request after a failure. */
	idempotent: boolean;
	/** Input items for `n` items (creating the server state each needs); default: empty items. */
	items?: (emulator: Emulator, n: number) => Promise<INodeExecutionData[]>;
	/** The operation outputs this binary (checked to be a complete file whenever it is there). */
	binary?: { property: string; kind: 'mp4' };
	/** Items may run at the same time: under Continue On Fail the fault targets item 1's own path. */
	itemPath?: (item: INodeExecutionData) => string;
	/** One run for all items (one output item, paired with all). */
	runOnce?: boolean;
	/** Faults the emulator cannot inject on this route, with the reason (counted as not run). */
	notInjectable?: Partial<Record<FaultKey, string>>;
}

const SDP =
	'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=recvonly\r\n';

const empty = async (_emulator: Emulator, n: number): Promise<INodeExecutionData[]> =>
	Array.from({ length: n }, (_, i) => ({ json: { i } }));

/** n items, each with its own value from `make`. */
function each(make: (emulator: Emulator, i: number) => Promise<IDataObject>) {
	return async (emulator: Emulator, n: number): Promise<INodeExecutionData[]> => {
		const out: INodeExecutionData[] = [];
		for (let i = 0; i < n; i++) out.push({ json: { i, ...(await make(emulator, i)) } });
		return out;
	};
}

/** n items sharing one value from `make`. */
function shared(make: (emulator: Emulator) => Promise<IDataObject>) {
	return async (emulator: Emulator, n: number): Promise<INodeExecutionData[]> => {
		const value = await make(emulator);
		return Array.from({ length: n }, (_, i) => ({ json: { i, ...value } }));
	};
}

const r = (service: ServiceName, method: string, path: RegExp): Route => ({ service, method, path });
const MP4 = { property: 'data', kind: 'mp4' as const };

const submitParams = {
	prompt: 'A presenter explaining the weather',
	imageS3Url: 's3://inputs/person.png',
	audio: { urls: [{ url: 's3://inputs/voice.wav' }] },
	maxConcurrentJobs: 1,
};

export const MATRIX_ROWS: MatrixRow[] = [
	// ---- MuseTalk ----------------------------------------------------------------------------
	{
		node: 'museTalk',
		operation: 'Service → Health',
		request: 'GET /health',
		params: { resource: 'service', operation: 'health' },
		route: r('museTalk', 'GET', /^\/health$/),
		idempotent: true,
	},
	{
		node: 'museTalk',
		operation: 'Session → Create',
		request: 'POST /api/v1/session/create',
		params: { resource: 'session', operation: 'create', waitUntilReady: false },
		route: r('museTalk', 'POST', /^\/api\/v1\/session\/create$/),
		idempotent: false,
	},
	{
		node: 'museTalk',
		operation: 'Session → Create (Wait Until Ready)',
		request: 'GET /api/v1/session/{id}/status (poll)',
		params: { resource: 'session', operation: 'create', waitUntilReady: true, pollIntervalSeconds: 0.1, waitTimeoutSeconds: 30 },
		route: r('museTalk', 'GET', /^\/api\/v1\/session\/[^/]+\/status$/),
		idempotent: true,
	},
	{
		node: 'museTalk',
		operation: 'Session → Get Status',
		request: 'GET /api/v1/session/{id}/status',
		params: { resource: 'session', operation: 'getStatus', sessionId: '={{ $json.sessionId }}' },
		route: r('museTalk', 'GET', /^\/api\/v1\/session\/[^/]+\/status$/),
		idempotent: true,
		items: each(async (emulator) => ({ sessionId: await setup.museTalkSession(emulator) })),
	},
	{
		node: 'museTalk',
		operation: 'Session → Delete',
		request: 'DELETE /api/v1/session/{id}',
		params: { resource: 'session', operation: 'delete', sessionId: '={{ $json.sessionId }}' },
		route: r('museTalk', 'DELETE', /^\/api\/v1\/session\/[^/]+$/),
		idempotent: true,
		items: each(async (emulator) => ({ sessionId: await setup.museTalkSession(emulator) })),
	},
	{
		node: 'museTalk',
		operation: 'Video → Generate Video From Text',
		request: 'POST /api/v1/generate/text-to-video',
		params: { resource: 'video', operation: 'generate', sessionId: '={{ $json.sessionId }}', text: 'Hello and welcome' },
		route: r('museTalk', 'POST', /^\/api\/v1\/generate\/text-to-video$/),
		idempotent: false,
		items: shared(async (emulator) => ({ sessionId: await setup.museTalkSession(emulator) })),
		binary: MP4,
	},
	{
		node: 'museTalk',
		operation: 'Video → Generate Video From Text',
		request: 'GET /api/v1/generate/video/{file} (download)',
		params: { resource: 'video', operation: 'generate', sessionId: '={{ $json.sessionId }}', text: 'Hello and welcome' },
		route: r('museTalk', 'GET', /^\/api\/v1\/generate\/video\/[^/]+$/),
		idempotent: true,
		items: shared(async (emulator) => ({ sessionId: await setup.museTalkSession(emulator) })),
		binary: MP4,
	},
	{
		node: 'museTalk',
		operation: 'Video → Generate Streaming Video',
		request: 'POST /api/v1/generate/text-to-video-stream (streamed MP4)',
		params: { resource: 'video', operation: 'generateStream', sessionId: '={{ $json.sessionId }}', text: 'Hello and welcome' },
		route: r('museTalk', 'POST', /^\/api\/v1\/generate\/text-to-video-stream$/),
		idempotent: false,
		items: shared(async (emulator) => ({ sessionId: await setup.museTalkSession(emulator) })),
		binary: MP4,
	},
	{
		node: 'museTalk',
		operation: 'Video → Download File',
		request: 'GET /api/v1/generate/video/{file}',
		params: { resource: 'video', operation: 'downloadFile', fileType: 'video', fileName: '={{ $json.fileName }}' },
		route: r('museTalk', 'GET', /^\/api\/v1\/generate\/video\/[^/]+$/),
		idempotent: true,
		items: shared(async (emulator) => ({ fileName: await setup.museTalkVideoFile(emulator) })),
		binary: MP4,
	},

	// ---- LiveTalking -------------------------------------------------------------------------
	{
		node: 'liveTalking',
		operation: 'Service → Health',
		request: 'GET /api/v1/avatar/health',
		params: { resource: 'service', operation: 'health' },
		route: r('liveTalking', 'GET', /^\/api\/v1\/avatar\/health$/),
		idempotent: true,
	},
	{
		node: 'liveTalking',
		operation: 'Session → Get URLs',
		request: 'GET /api/v1/avatar/session',
		params: { resource: 'session', operation: 'getUrls' },
		route: r('liveTalking', 'GET', /^\/api\/v1\/avatar\/session$/),
		idempotent: true,
	},
	{
		node: 'liveTalking',
		operation: 'Session → Send Text',
		request: 'POST /api/v1/avatar/send-text',
		params: { resource: 'session', operation: 'sendText', sessionId: 4242, text: 'Hello everyone' },
		route: r('liveTalking', 'POST', /^\/api\/v1\/avatar\/send-text$/),
		idempotent: false,
	},
	{
		node: 'liveTalking',
		operation: 'Recording → Start',
		request: 'POST /api/v1/avatar/recording {action: start}',
		params: { resource: 'recording', operation: 'start', sessionId: 4242 },
		route: r('liveTalking', 'POST', /^\/api\/v1\/avatar\/recording$/),
		idempotent: true,
	},
	{
		node: 'liveTalking',
		operation: 'Recording → Stop',
		request: 'POST /api/v1/avatar/recording {action: stop}',
		params: { resource: 'recording', operation: 'stop', sessionId: 4242 },
		route: r('liveTalking', 'POST', /^\/api\/v1\/avatar\/recording$/),
		idempotent: true,
	},
	{
		node: 'liveTalking',
		operation: 'Recording → Download',
		request: 'POST /api/v1/avatar/recording/download',
		params: { resource: 'recording', operation: 'download', sessionId: 77 },
		route: r('liveTalking', 'POST', /^\/api\/v1\/avatar\/recording\/download$/),
		idempotent: false,
		items: shared(async (emulator) => (await setup.liveTalkingRecording(emulator, 77), {})),
		binary: MP4,
	},
	{
		node: 'liveTalking',
		operation: 'Recording → Download',
		request: 'GET <presigned S3 link> (download)',
		params: { resource: 'recording', operation: 'download', sessionId: 77 },
		route: r('s3', 'GET', /^\/avatar-recordings\//),
		idempotent: true,
		items: shared(async (emulator) => (await setup.liveTalkingRecording(emulator, 77), {})),
		binary: MP4,
	},

	// ---- AvaTar ------------------------------------------------------------------------------
	{
		node: 'avaTar',
		operation: 'Service → Health',
		request: 'GET /health',
		params: { resource: 'service', operation: 'health' },
		route: r('avaTar', 'GET', /^\/health$/),
		idempotent: true,
	},
	{
		node: 'avaTar',
		operation: 'Service → Metrics',
		request: 'GET /metrics',
		params: { resource: 'service', operation: 'metrics' },
		route: r('avaTar', 'GET', /^\/metrics$/),
		idempotent: true,
	},
	{
		node: 'avaTar',
		operation: 'Session → List Sessions',
		request: 'GET /v1/streaming.sessions',
		params: { resource: 'session', operation: 'list' },
		route: r('avaTar', 'GET', /^\/v1\/streaming\.sessions$/),
		idempotent: true,
	},
	{
		node: 'avaTar',
		operation: 'Session → New Session',
		request: 'POST /v1/streaming.new',
		params: { resource: 'session', operation: 'create', quality: 'low' },
		route: r('avaTar', 'POST', /^\/v1\/streaming\.new$/),
		idempotent: false,
	},
	{
		node: 'avaTar',
		operation: 'Session → Start Session',
		request: 'POST /v1/streaming.start',
		params: { resource: 'session', operation: 'start', sessionId: '={{ $json.sessionId }}', offerSource: 'parameter', offer: SDP },
		route: r('avaTar', 'POST', /^\/v1\/streaming\.start$/),
		idempotent: false,
		items: shared(async (emulator) => ({ sessionId: await setup.avaTarSession(emulator) })),
	},
	{
		node: 'avaTar',
		operation: 'Session → Stop Session',
		request: 'POST /v1/streaming.stop',
		params: { resource: 'session', operation: 'stop', sessionId: '={{ $json.sessionId }}' },
		route: r('avaTar', 'POST', /^\/v1\/streaming\.stop$/),
		idempotent: false,
		items: each(async (emulator) => ({ sessionId: await setup.avaTarSession(emulator) })),
	},
	{
		node: 'avaTar',
		operation: 'Conversation → Speak',
		request: 'POST /v1/avatar.speak',
		params: { resource: 'conversation', operation: 'speak', sessionId: '={{ $json.sessionId }}', text: 'Welcome to the show' },
		route: r('avaTar', 'POST', /^\/v1\/avatar\.speak$/),
		idempotent: false,
		items: shared(async (emulator) => ({ sessionId: await setup.avaTarSession(emulator) })),
	},
	{
		node: 'avaTar',
		operation: 'Conversation → Send Chat Message (Stream Reply)',
		request: 'POST /v1/chat.completions (server-sent events)',
		params: { resource: 'conversation', operation: 'sendChat', sessionId: '={{ $json.sessionId }}', messageInput: 'text', message: 'Hello there', stream: true },
		route: r('avaTar', 'POST', /^\/v1\/chat\.completions$/),
		idempotent: false,
		items: shared(async (emulator) => ({ sessionId: await setup.avaTarSession(emulator) })),
		notInjectable: {
			truncate:
				'the stand-in writes the event stream itself, so the generic truncation cannot cut it; a stream cut off in the middle is tested in test/integration/avatar/conversation.test.ts',
		},
	},
	{
		node: 'avaTar',
		operation: 'Conversation → Send Chat Message',
		request: 'POST /v1/chat.completions (JSON)',
		params: { resource: 'conversation', operation: 'sendChat', sessionId: '={{ $json.sessionId }}', messageInput: 'text', message: 'Hello there', stream: false },
		route: r('avaTar', 'POST', /^\/v1\/chat\.completions$/),
		idempotent: false,
		items: shared(async (emulator) => ({ sessionId: await setup.avaTarSession(emulator) })),
	},

	// ---- AvatarTalk: Video -------------------------------------------------------------------
	{
		node: 'avatarTalk',
		operation: 'Video → Generate Inference (Wait for Video)',
		request: 'POST /inference',
		params: { resource: 'video', operation: 'generateInference', text: 'Hello there', mode: 'wait', downloadVideo: false },
		route: r('avatarTalk', 'POST', /^\/inference$/),
		idempotent: false,
	},
	{
		node: 'avatarTalk',
		operation: 'Video → Generate Inference (Wait for Video)',
		request: 'GET /inference/{id}/video.mp4 (download)',
		params: { resource: 'video', operation: 'generateInference', text: 'Hello there', mode: 'wait', downloadVideo: true },
		route: r('avatarTalk', 'GET', /^\/inference\/[^/]+\/video\.mp4$/),
		idempotent: true,
		binary: MP4,
	},
	{
		node: 'avatarTalk',
		operation: 'Video → Generate Inference (Stream Video)',
		request: 'POST /inference?stream=true (streamed MP4)',
		params: { resource: 'video', operation: 'generateInference', text: 'Hello there', mode: 'stream' },
		route: r('avatarTalk', 'POST', /^\/inference$/),
		idempotent: false,
		binary: MP4,
	},
	{
		node: 'avatarTalk',
		operation: 'Video → Generate Inference (Delayed)',
		request: 'POST /inference {delayed: true}',
		params: { resource: 'video', operation: 'generateInference', text: 'Hello there', mode: 'delayed' },
		route: r('avatarTalk', 'POST', /^\/inference$/),
		idempotent: false,
	},
	{
		node: 'avatarTalk',
		operation: 'Video → Get Video',
		request: 'GET /inference/{id}/video.mp4',
		params: { resource: 'video', operation: 'getVideo', source: 'id', inferenceId: '={{ $json.id }}' },
		route: r('avatarTalk', 'GET', /^\/inference\/[^/]+\/video\.mp4$/),
		idempotent: true,
		items: shared(async (emulator) => ({ id: await setup.avatarTalkInference(emulator) })),
		binary: MP4,
	},

	// ---- AvatarTalk: LiveKit -----------------------------------------------------------------
	{
		node: 'avatarTalk',
		operation: 'LiveKit → Create Session',
		request: 'POST /livekit/create-session',
		params: { resource: 'liveKit', operation: 'createSession', roomName: 'reliability-room', tokenSource: 'credential' },
		route: r('avatarTalk', 'POST', /^\/livekit\/create-session$/),
		idempotent: false,
	},
	{
		node: 'avatarTalk',
		operation: 'LiveKit → Delete Session',
		request: 'DELETE /livekit/delete-session/{task_id}',
		params: { resource: 'liveKit', operation: 'deleteSession', taskId: '={{ $json.taskId }}' },
		route: r('avatarTalk', 'DELETE', /^\/livekit\/delete-session\/[^/]+$/),
		idempotent: true,
		items: each(async (emulator) => ({ taskId: await setup.liveKitSession(emulator) })),
	},

	// ---- AvatarTalk: Lightning ---------------------------------------------------------------
	{
		node: 'avatarTalk',
		operation: 'Lightning → Request Video From Text',
		request: 'POST /lightning/request-video/text',
		params: { resource: 'lightning', operation: 'requestVideoFromText', text: 'Hello there' },
		route: r('avatarTalk', 'POST', /^\/lightning\/request-video\/text$/),
		idempotent: false,
	},
	{
		node: 'avatarTalk',
		operation: 'Lightning → Request Video From Audio',
		request: 'POST /lightning/request-video/audio (multipart WAV)',
		params: { resource: 'lightning', operation: 'requestVideoFromAudio', binaryPropertyName: 'data' },
		route: r('avatarTalk', 'POST', /^\/lightning\/request-video\/audio$/),
		idempotent: false,
		items: async (_emulator, n) =>
			Array.from({ length: n }, (_, i) => binaryItem(fixture('speech-16k-mono.wav'), 'speech.wav', 'audio/wav', { i })),
	},
	{
		node: 'avatarTalk',
		operation: 'Lightning → Get Payment',
		request: 'GET /lightning/payment/{invoice}',
		params: { resource: 'lightning', operation: 'getPayment', invoice: '={{ $json.invoice }}' },
		route: r('avatarTalk', 'GET', /^\/lightning\/payment\/[^/]+$/),
		idempotent: true,
		items: shared(async (emulator) => ({ invoice: await setup.lightningInvoice(emulator, false) })),
	},
	{
		node: 'avatarTalk',
		operation: 'Lightning → List Payments',
		request: 'GET /lightning/payments',
		params: { resource: 'lightning', operation: 'listPayments' },
		route: r('avatarTalk', 'GET', /^\/lightning\/payments$/),
		idempotent: true,
		runOnce: true,
		items: async (emulator, n) => (await setup.lightningInvoice(emulator, true), await empty(emulator, n)),
	},
	{
		node: 'avatarTalk',
		operation: 'Lightning → Wait for Payment',
		request: 'GET /lightning/payment/{invoice} (poll)',
		params: { resource: 'lightning', operation: 'waitForPayment', invoice: '={{ $json.invoice }}', timeoutSeconds: 30, pollIntervalSeconds: 0.1 },
		route: r('avatarTalk', 'GET', /^\/lightning\/payment\/[^/]+$/),
		idempotent: true,
		items: shared(async (emulator) => ({ invoice: await setup.lightningInvoice(emulator, true) })),
	},
	{
		node: 'avatarTalk',
		operation: 'Lightning → Generate Video',
		request: 'POST /lightning/generate-video (streamed MP4)',
		params: { resource: 'lightning', operation: 'generateVideo', invoice: '={{ $json.invoice }}' },
		route: r('avatarTalk', 'POST', /^\/lightning\/generate-video$/),
		idempotent: false,
		items: shared(async (emulator) => ({ invoice: await setup.lightningInvoice(emulator, true) })),
		binary: MP4,
	},

	// ---- MultiTalk ---------------------------------------------------------------------------
	{
		node: 'multiTalk',
		operation: 'Service → Health',
		request: 'GET /api/v1/health',
		params: { resource: 'service', operation: 'health' },
		route: r('multiTalk', 'GET', /^\/api\/v1\/health$/),
		idempotent: true,
	},
	{
		node: 'multiTalk',
		operation: 'Service → Test Webhook',
		request: 'POST /api/v1/webhook-test',
		// Port 9 (discard) is closed on the test machine: MultiTalk reports the failed delivery at once.
		params: { resource: 'service', operation: 'testWebhook', webhookUrl: 'http://127.0.0.1:9/hook' },
		route: r('multiTalk', 'POST', /^\/api\/v1\/webhook-test$/),
		idempotent: false,
	},
	{
		node: 'multiTalk',
		operation: 'Job → Submit',
		request: 'POST /api/v1/generate',
		params: { resource: 'job', operation: 'submit', ...submitParams },
		route: r('multiTalk', 'POST', /^\/api\/v1\/generate$/),
		idempotent: false,
	},
	{
		node: 'multiTalk',
		operation: 'Job → Submit and Wait',
		request: 'POST /api/v1/generate',
		params: { resource: 'job', operation: 'submitAndWait', ...submitParams, pollIntervalSeconds: 0.1, timeoutMinutes: 1, downloadVideo: false },
		route: r('multiTalk', 'POST', /^\/api\/v1\/generate$/),
		idempotent: false,
	},
	{
		node: 'multiTalk',
		operation: 'Job → Get',
		request: 'GET /api/v1/jobs/{id}',
		params: { resource: 'job', operation: 'get', jobId: '={{ $json.jobId }}' },
		route: r('multiTalk', 'GET', /^\/api\/v1\/jobs\/[^/]+$/),
		idempotent: true,
		items: each(async (emulator) => ({ jobId: await setup.multiTalkJob(emulator, 'running') })),
		itemPath: (item) => `/api/v1/jobs/${String(item.json.jobId)}`,
	},
	{
		node: 'multiTalk',
		operation: 'Job → List',
		request: 'GET /api/v1/jobs',
		params: { resource: 'job', operation: 'list', limit: 10 },
		route: r('multiTalk', 'GET', /^\/api\/v1\/jobs$/),
		idempotent: true,
		items: async (emulator, n) => (await setup.multiTalkJob(emulator, 'running'), await empty(emulator, n)),
	},
	{
		node: 'multiTalk',
		operation: 'Job → Cancel',
		request: 'DELETE /api/v1/jobs/{id}',
		params: { resource: 'job', operation: 'cancel', jobId: '={{ $json.jobId }}' },
		route: r('multiTalk', 'DELETE', /^\/api\/v1\/jobs\/[^/]+$/),
		idempotent: true,
		items: each(async (emulator) => ({ jobId: await setup.multiTalkJob(emulator, 'stuck') })),
		itemPath: (item) => `/api/v1/jobs/${String(item.json.jobId)}`,
	},
	{
		node: 'multiTalk',
		operation: 'Job → Get Download URL',
		request: 'GET /api/v1/jobs/{id}/download',
		params: { resource: 'job', operation: 'getDownloadUrl', jobId: '={{ $json.jobId }}' },
		route: r('multiTalk', 'GET', /^\/api\/v1\/jobs\/[^/]+\/download$/),
		idempotent: true,
		items: each(async (emulator) => ({ jobId: await setup.multiTalkJob(emulator, 'completed') })),
		itemPath: (item) => `/api/v1/jobs/${String(item.json.jobId)}/download`,
	},
	{
		node: 'multiTalk',
		operation: 'Job → Get Download URL (Download Video)',
		request: 'GET <presigned S3 link> (download)',
		params: { resource: 'job', operation: 'getDownloadUrl', jobId: '={{ $json.jobId }}', downloadVideo: true },
		route: r('s3', 'GET', /^\/multitalk-outputs\//),
		idempotent: true,
		items: each(async (emulator) => ({ jobId: await setup.multiTalkJob(emulator, 'completed') })),
		itemPath: (item) => `/multitalk-outputs/outputs/video_${String(item.json.jobId)}.mp4`,
		binary: MP4,
	},
	{
		node: 'multiTalk',
		operation: 'Job → Wait for Job',
		request: 'GET /api/v1/jobs/{id} (poll)',
		params: { resource: 'job', operation: 'waitForJob', jobId: '={{ $json.jobId }}', pollIntervalSeconds: 0.1, timeoutMinutes: 1, downloadVideo: false, maxConcurrentJobs: 1 },
		route: r('multiTalk', 'GET', /^\/api\/v1\/jobs\/[^/]+$/),
		idempotent: true,
		items: each(async (emulator) => ({ jobId: await setup.multiTalkJob(emulator, 'completed') })),
	},
];

/**
 * Cases where an operation behaves wrongly under a fault: real bugs, reported and routed to the
 * node's owner. Their tests assert the right behaviour and are marked as failing until fixed
 * (jest reports them the day they pass, so the mark is then removed).
 */
export interface KnownBug {
	/** What goes wrong, precisely (the test name). */
	detail: string;
	/** The same for users (README). */
	summary: string;
}

export const KNOWN_BUGS: Record<string, KnownBug> = {};

// ---- the HTTP faults -----------------------------------------------------------------------

export type FaultKey = '500' | '502' | '503' | '429' | 'reset' | 'hang' | 'truncate' | 'malformedJson' | 'html';

export interface HttpFault {
	key: FaultKey;
	/** In words, for test names and the README. */
	label: string;
	fault: (route: Route) => FaultKind;
	/** Repeated for every request (the server refused before doing anything), or only idempotent ones. */
	retried: 'always' | 'idempotent';
	/** What the error says when the request is not repeated. */
	message: RegExp;
	/** The HTTP code the error may carry (null: none, e.g. the connection broke). */
	httpCodes: Array<string | null>;
	/** Request timeout for the run (seconds): short where the fault is a hang. */
	timeoutSeconds: number;
}

/** Each provider's documented error body, so the provider's own message is what the user reads. */
export function providerErrorBody(service: ServiceName, status: number): { body: unknown; message: string } {
	const message = `Injected failure ${status} (reliability suite)`;
	switch (service) {
		case 'avatarTalk':
			return { body: { status: 'error', error_code: 'INFERENCE_FAILED', message }, message };
		case 'avaTar':
			return { body: { error: { code: 'INTERNAL_ERROR', message, details: {} } }, message };
		case 'museTalk':
		case 'multiTalk':
			return { body: { error: 'Internal Server Error', detail: message, request_id: 'req_reliability' }, message };
		default:
			return { body: { detail: message }, message };
	}
}

const providerStatus =
	(status: number) =>
	(route: Route): FaultKind => ({ kind: 'status', status, body: providerErrorBody(route.service, status).body });

export const HTTP_FAULTS: HttpFault[] = [
	{ key: '500', label: 'HTTP 500', fault: providerStatus(500), retried: 'idempotent', message: /Injected failure 500/, httpCodes: ['500'], timeoutSeconds: 10 },
	{ key: '502', label: 'HTTP 502', fault: providerStatus(502), retried: 'idempotent', message: /Injected failure 502/, httpCodes: ['502'], timeoutSeconds: 10 },
	{ key: '503', label: 'HTTP 503', fault: providerStatus(503), retried: 'always', message: /Injected failure 503/, httpCodes: ['503'], timeoutSeconds: 10 },
	{
		key: '429',
		label: 'HTTP 429 with Retry-After: 1',
		fault: () => ({ kind: 'rateLimit', retryAfter: '1' }),
		retried: 'always',
		message: /Rate limit/i,
		httpCodes: ['429'],
		timeoutSeconds: 10,
	},
	{
		key: 'reset',
		label: 'connection reset',
		fault: () => ({ kind: 'reset' }),
		retried: 'idempotent',
		message: /closed unexpectedly|connection (was )?(reset|dropped|broke)/i,
		httpCodes: [null],
		timeoutSeconds: 10,
	},
	{
		key: 'hang',
		label: 'no answer past the timeout',
		fault: () => ({ kind: 'hang' }),
		retried: 'idempotent',
		message: /No answer within 5 s \(timeout\)/,
		httpCodes: [null],
		// The timeout applies to every request of the run, not only the hanging one: 2 s cut
		// legitimate answers (the repeat, a poll) when 8 cases ran beside a busy core. 5 s holds there.
		timeoutSeconds: 5,
	},
	{
		key: 'truncate',
		label: 'body cut short (Content-Length larger than sent)',
		fault: () => ({ kind: 'truncate' }),
		retried: 'idempotent',
		message: /before a complete answer arrived|cut short/,
		httpCodes: [null],
		timeoutSeconds: 10,
	},
	{
		key: 'malformedJson',
		label: 'malformed JSON (HTTP 200)',
		fault: () => ({ kind: 'malformedJson' }),
		retried: 'idempotent',
		message: /malformed JSON|instead of|could not be read/i,
		// a JSON answer that cannot be parsed is an HTTP 200; a download that is not the file may say so without a code
		httpCodes: ['200', null],
		timeoutSeconds: 10,
	},
	{
		key: 'html',
		label: 'HTML error page (HTTP 502)',
		fault: () => ({ kind: 'html' }),
		retried: 'idempotent',
		message: /HTML (error )?page/,
		httpCodes: ['502'],
		timeoutSeconds: 10,
	},
];

// ---- WebSocket sessions and faults -----------------------------------------------------------

export interface WsRow {
	node: NodeKey;
	operation: string;
	endpoint: string;
	params: INodeParameters;
	service: ServiceName;
	path: RegExp;
	items?: (emulator: Emulator) => Promise<INodeExecutionData[]>;
	/** Server messages before a mid-stream fault strikes. */
	midStream: number;
	/** The stream delivers an MP4 (never partial) or collects a realtime reply. */
	output: 'mp4' | 'realtime';
}

/**
 * AvaTar realtime rows' Time Limit. It ends the silence case (a documented normal end), and it must
 * not end the other cases before their fault strikes: 2 s did, on a loaded machine (a close 1011
 * after the 5th message came after the limit, so the run "succeeded").
 */
export const REALTIME_TIME_LIMIT_S = 5;

/**
 * AvatarTalk WebSocket rows' idle limit. It ends the silence case, and it must not end the others
 * before their fault strikes: 1 s did, on a loaded machine (a close 1008/1011 or a drop reported as
 * "No message from the server for 1 s").
 */
export const AVATARTALK_IDLE_S = 4;

export const WS_ROWS: WsRow[] = [
	{
		node: 'avatarTalk',
		operation: 'Stream → Stream over WebSocket',
		endpoint: '/ws/infer',
		params: { ...AVATARTALK_STREAM_TEXT, options: { idleTimeoutSeconds: AVATARTALK_IDLE_S, sessionTimeoutSeconds: 20 } },
		service: 'avatarTalk',
		path: /^\/ws\/infer$/,
		midStream: 2,
		output: 'mp4',
	},
	{
		node: 'avatarTalk',
		operation: 'Stream → Continuous Session',
		endpoint: '/ws/continuous',
		params: {
			resource: 'stream',
			operation: 'continuousSession',
			inputMode: 'append',
			text: 'Hello there, this is a continuous session.',
			avatar: 'mexican_woman',
			options: { idleTimeoutSeconds: AVATARTALK_IDLE_S, sessionTimeoutSeconds: 20, bufferReportIntervalMs: 0 },
		},
		service: 'avatarTalk',
		path: /^\/ws\/continuous$/,
		midStream: 3,
		output: 'mp4',
	},
	{
		node: 'avaTar',
		operation: 'Realtime → Send Audio',
		endpoint: '/ws/{session_id}',
		params: { resource: 'realtime', operation: 'sendAudio', sessionId: '={{ $json.sessionId }}', binaryProperty: 'data', waitUntil: 'idle', timeLimitSeconds: REALTIME_TIME_LIMIT_S },
		service: 'avaTarWs',
		path: /^\/ws\/[^/]+$/,
		items: async (emulator) => [
			binaryItem(fixture('speech-16k-mono.wav'), 'speech.wav', 'audio/wav', { sessionId: await setup.avaTarSession(emulator) }),
		],
		// the greeting (status + frame), then the reply: user chat, speaking, a frame, then the fault
		midStream: 5,
		output: 'realtime',
	},
	{
		node: 'avaTar',
		operation: 'Realtime → Send Control Event',
		endpoint: '/ws/{session_id}',
		params: { resource: 'realtime', operation: 'sendEvent', sessionId: '={{ $json.sessionId }}', event: 'start_listening', waitUntil: 'status', timeLimitSeconds: REALTIME_TIME_LIMIT_S },
		service: 'avaTarWs',
		path: /^\/ws\/[^/]+$/,
		items: async (emulator) => [{ json: { sessionId: await setup.avaTarSession(emulator) } }],
		// The server answers a control event with one status message: every fault strikes before it
		// (and before the greeting).
		midStream: 0,
		output: 'realtime',
	},
];

export type WsFaultKey = 'close1008' | 'close1011' | 'abrupt' | 'silence';

/** WebSocket cases that behave wrongly (reported; asserted right and marked failing until fixed). */
export const WS_KNOWN_BUGS: Record<string, KnownBug> = {};

export interface WsFault {
	key: WsFaultKey;
	label: string;
	fault: (row: WsRow) => FaultKind;
}

export const WS_FAULTS: WsFault[] = [
	{ key: 'close1008', label: 'close 1008 (policy violation) on connect', fault: () => ({ kind: 'wsClose', code: 1008, reason: 'Invalid API key' }) },
	{
		key: 'close1011',
		label: 'close 1011 (server error) mid-stream',
		fault: (row) => ({ kind: 'wsClose', code: 1011, reason: 'Processing error', afterMessages: row.midStream }),
	},
	{ key: 'abrupt', label: 'connection dropped mid-stream (no close frame)', fault: (row) => ({ kind: 'wsAbrupt', afterMessages: row.midStream }) },
	{ key: 'silence', label: 'silence past the time limit', fault: (row) => ({ kind: 'wsSilence', afterMessages: row.midStream }) },
];

/** Operations that send nothing at all (so no fault applies): checked to stay offline. */
export const OFFLINE_OPERATIONS: Array<{ node: NodeKey; resource: string; operation: string }> = [
	{ node: 'avatarTalk', resource: 'lightning', operation: 'decodeInvoice' },
];

export function rowName(row: MatrixRow): string {
	return `${row.operation} · ${row.request}`;
}
