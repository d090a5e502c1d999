/**
 * Reliability suite: the five nodes as the harness runs them (one-node workflows, credentials
 * for an emulator), a fast emulator, and direct calls to the stand-ins that create the state an
 * operation needs (a ready session, a finished job, a paid invoice...) without going through
 * the node under test.
 */
import { request } from 'node:http';
import type { Socket } from 'node:net';

import type { ICredentialDataDecryptedObject, IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { payLightningInvoice } from '../emulator/providers/avatartalkLightning';
import type { Emulator } from '../emulator/server';
import { startEmulator } from '../emulator/server';
import type { EmulatorKeys, ServiceName } from '../emulator/types';
import type { RunOptions, RunResult, WorkflowJson } from '../harness';
import { runWorkflow } from '../harness';
import { onPublicServer } from '../helpers/workflows';

export type NodeKey = 'museTalk' | 'liveTalking' | 'avaTar' | 'avatarTalk' | 'multiTalk';

export const NODE_LABEL: Record<NodeKey, string> = {
	museTalk: 'MuseTalk',
	liveTalking: 'LiveTalking',
	avaTar: 'AvaTar',
	avatarTalk: 'AvatarTalk',
	multiTalk: 'MultiTalk',
};

/** The name of the node in every reliability workflow. */
export const NODE = 'Node';

/** AvatarTalk Stream over WebSocket (/ws/infer) with a short text, the video as a file (add `options`). */
export const AVATARTALK_STREAM_TEXT = { resource: 'stream', operation: 'streamInference', inputType: 'text', text: 'Hello there', outputType: 'file' };
export const TRIGGER = 'When clicking ‘Execute workflow’';

/** Emulator knobs that make every stand-in answer at once (no artificial latency). */
export const FAST_SETTINGS: Record<string, unknown> = {
	museTalkPrepareMs: 0,
	museTalkGenerateMs: 0,
	museTalkStreamChunkDelayMs: 0,
	avatarTalkLatencyMs: 0,
	avatarTalkChunkDelayMs: 0,
	avatarTalkFragmentIntervalMs: 1,
	lightningPaymentGraceMs: 20,
	lightningChunkDelayMs: 0,
	multiTalkPendingMs: 0,
	multiTalkJobMs: 20,
	avaTarChatDelayMs: 0,
	avaTarWsDelayMs: 1,
};

export async function fastEmulator(
	options: { settings?: Record<string, unknown>; keys?: Partial<EmulatorKeys> } = {},
): Promise<Emulator> {
	return await startEmulator({ settings: { ...FAST_SETTINGS, ...options.settings }, keys: options.keys });
}

/** Credential data for every credential type, pointing at this emulator with its keys. */
export function credentialsFor(emulator: Emulator): Record<string, ICredentialDataDecryptedObject> {
	const { keys, urls } = emulator;
	return {
		museTalkApi: { baseUrl: urls.museTalk, apiKey: keys.museTalk ?? '' },
		liveTalkingApi: { baseUrl: urls.liveTalking, firebaseToken: keys.liveTalking },
		avaTarApi: { baseUrl: urls.avaTar, wsUrl: urls.avaTarWs, apiKey: keys.avaTar ?? '' },
		avatarTalkApi: { baseUrl: urls.avatarTalk, apiKey: keys.avatarTalk },
		liveKitApi: { url: urls.liveKit, apiKey: keys.liveKitKey, apiSecret: keys.liveKitSecret },
		multiTalkApi: { baseUrl: urls.multiTalk, apiKey: keys.multiTalk },
	};
}

/** Manual Trigger -> one node of this package. */
export function oneNodeWorkflow(
	node: NodeKey,
	parameters: INodeParameters,
	extras: { continueOnFail?: boolean } = {},
): WorkflowJson {
	return {
		nodes: [
			{ id: 't', name: TRIGGER, type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 'n',
				name: NODE,
				type: `n8n-nodes-talking-avatars.${node}`,
				typeVersion: 1,
				position: [220, 0],
				parameters,
				...(extras.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
			},
		],
		connections: { [TRIGGER]: { main: [[{ node: NODE, type: NodeConnectionTypes.Main, index: 0 }]] } },
	};
}

export async function runNode(
	emulator: Emulator,
	node: NodeKey,
	parameters: INodeParameters,
	options: Partial<RunOptions> & { items?: INodeExecutionData[]; continueOnFail?: boolean } = {},
): Promise<RunResult> {
	const { items, continueOnFail, ...rest } = options;
	// AvatarTalk pay-per-video reads no credential: the emulator is its Server URL
	return await runWorkflow(oneNodeWorkflow(node, onPublicServer(parameters, emulator.urls.avatarTalk), { continueOnFail }), {
		credentials: credentialsFor(emulator),
		inputItems: items,
		...rest,
	});
}

/** An input item carrying a file as inline binary data. */
export function binaryItem(data: Buffer, fileName: string, mimeType: string, json: IDataObject = {}, property = 'data'): INodeExecutionData {
	return {
		json,
		binary: { [property]: { data: data.toString('base64'), mimeType, fileName, fileSize: String(data.length) } },
	};
}

// ---- direct calls to the stand-ins (setup only: never what is under test) -----------------

async function call(
	emulator: Emulator,
	service: ServiceName,
	method: string,
	path: string,
	body?: unknown,
	bearer?: string,
): Promise<IDataObject> {
	// node:http without an agent: the connection closes with the answer, so setup never leaves
	// an idle keep-alive connection behind for the connection counts to see.
	const payload = body !== undefined ? Buffer.from(JSON.stringify(body)) : undefined;
	const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
		const req = request(
			`${emulator.url(service)}${path}`,
			{
				method,
				agent: false,
				headers: {
					...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
					...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
				},
			},
			(res) => {
				const chunks: Buffer[] = [];
				res.on('data', (chunk: Buffer) => chunks.push(chunk));
				res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
				res.on('error', reject);
			},
		);
		req.on('error', reject);
		req.end(payload);
	});
	if (status < 200 || status >= 300) throw new Error(`setup ${method} ${path} answered ${status}: ${text}`);
	return (text ? JSON.parse(text) : {}) as IDataObject;
}

const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));

export const setup = {
	/** A MuseTalk session that is ready. */
	async museTalkSession(emulator: Emulator): Promise<string> {
		const key = emulator.keys.museTalk;
		const created = await call(emulator, 'museTalk', 'POST', '/api/v1/session/create', { avatar_video_path: null }, key);
		const id = String(created.session_id);
		for (let i = 0; i < 100; i++) {
			const status = await call(emulator, 'museTalk', 'GET', `/api/v1/session/${id}/status`, undefined, key);
			if (status.status === 'ready') return id;
			await sleep(5);
		}
		throw new Error('MuseTalk session never became ready');
	},

	/** A generated MuseTalk video: its file name (output_N.mp4). */
	async museTalkVideoFile(emulator: Emulator): Promise<string> {
		const session = await setup.museTalkSession(emulator);
		const generated = await call(
			emulator,
			'museTalk',
			'POST',
			'/api/v1/generate/text-to-video',
			{ session_id: session, text: 'Hello there' },
			emulator.keys.museTalk,
		);
		return String(generated.video_url).split('/').pop() as string;
	},

	/** A LiveTalking WebRTC session with a stopped recording ready to download. */
	async liveTalkingRecording(emulator: Emulator, sessionId: number): Promise<void> {
		const token = emulator.keys.liveTalking;
		await call(emulator, 'liveTalking', 'POST', '/api/v1/avatar/recording', { session_id: sessionId, action: 'start' }, token);
		await call(emulator, 'liveTalking', 'POST', '/api/v1/avatar/recording', { session_id: sessionId, action: 'stop' }, token);
	},

	async avaTarSession(emulator: Emulator): Promise<string> {
		const created = await call(emulator, 'avaTar', 'POST', '/v1/streaming.new', { quality: 'low' }, emulator.keys.avaTar);
		return String(created.session_id);
	},

	/** An AvatarTalk inference (delayed: generated on first fetch). */
	async avatarTalkInference(emulator: Emulator, delayed = false): Promise<string> {
		const created = await call(
			emulator,
			'avatarTalk',
			'POST',
			'/inference',
			{ text: 'Hello', avatar: 'european_woman', emotion: 'neutral', language: 'en', ...(delayed ? { delayed: true } : {}) },
			emulator.keys.avatarTalk,
		);
		return String(created.id);
	},

	async liveKitSession(emulator: Emulator): Promise<string> {
		const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
		const created = await call(
			emulator,
			'avatarTalk',
			'POST',
			'/livekit/create-session',
			{ room_name: 'room', room_token: jwt, listener_token: jwt, livekit_url: 'wss://lk.example', avatar: 'european_woman', emotion: 'neutral' },
			emulator.keys.avatarTalk,
		);
		return String(created.task_id);
	},

	/** A Lightning invoice for a video, paid unless asked otherwise. */
	async lightningInvoice(emulator: Emulator, paid = true): Promise<string> {
		const issued = await call(emulator, 'avatarTalk', 'POST', '/lightning/request-video/text', { text: 'Hello there' });
		const invoice = String(issued.bolt11_invoice);
		if (paid && !payLightningInvoice(emulator, invoice)) throw new Error('could not pay the invoice');
		return invoice;
	},

	/** A MultiTalk job; `completed` waits until it is. */
	async multiTalkJob(emulator: Emulator, kind: 'completed' | 'stuck' | 'running' = 'completed'): Promise<string> {
		const key = emulator.keys.multiTalk;
		const created = await call(
			emulator,
			'multiTalk',
			'POST',
			'/api/v1/generate',
			{
				prompt: kind === 'stuck' ? 'A presenter #stuck' : 'A presenter',
				image_s3_url: 's3://inputs/person.png',
				audio_s3_urls: 's3://inputs/voice.wav',
			},
			key,
		);
		const id = String(created.job_id);
		if (kind !== 'completed') return id;
		for (let i = 0; i < 200; i++) {
			const job = await call(emulator, 'multiTalk', 'GET', `/api/v1/jobs/${id}`, undefined, key);
			if (job.status === 'completed') return id;
			await sleep(5);
		}
		throw new Error('MultiTalk job never completed');
	},
};

// ---- the emulator side of connections ------------------------------------------------------

/**
 * Open TCP connections the emulator's servers hold, per service (HTTP and upgraded WebSocket
 * connections alike): read from the emulator's own socket set, matched to each service's port.
 */
export function openConnections(emulator: Emulator): Partial<Record<ServiceName, number>> {
	const sockets = (emulator as unknown as { sockets: Set<Socket> }).sockets;
	const byPort = new Map<number, ServiceName>();
	for (const [name, app] of emulator.apps) if (app.baseUrl) byPort.set(Number(new URL(app.baseUrl).port), name);
	const counts: Partial<Record<ServiceName, number>> = {};
	for (const socket of sockets) {
		if (socket.destroyed) continue;
		const service = byPort.get(socket.localPort ?? -1);
		if (service) counts[service] = (counts[service] ?? 0) + 1;
	}
	return counts;
}

/**
 * Waits until the emulator holds no open connection on these services (all when none are named),
 * or the time is up; returns the count left.
 */
export async function waitForNoConnections(emulator: Emulator, withinMs: number, services?: ServiceName[]): Promise<number> {
	const deadline = Date.now() + withinMs;
	for (;;) {
		const counts = openConnections(emulator);
		const open = Object.entries(counts)
			.filter(([name]) => !services || services.includes(name as ServiceName))
			.reduce((a, [, n]) => a + (n ?? 0), 0);
		if (open === 0 || Date.now() >= deadline) return open;
		await sleep(10);
	}
}
