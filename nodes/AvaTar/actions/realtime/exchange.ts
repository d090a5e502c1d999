import type { IBinaryData, IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { CappedBuffer } from '../../../shared/binary';
import { asNodeError, providerApiError } from '../../../shared/errors';
import type { OperationContext } from '../../../shared/router';
import type { InputValidator } from '../../../shared/validation';
import type { WsMessage } from '../../../shared/websocket';
import { WsSession } from '../../../shared/websocket';
import { avaTar, realtimeHeaders, realtimeUrl } from '../../transport';
import { joinWavs } from '../../../shared/wav';
import { outputBinaryField, outputBinaryLabel } from '../../../shared/fields';

/**
 * One realtime exchange on the session WebSocket (`<wsUrl>/<session_id>`), shared by "Send
 * Audio" and "Send Control Event": connect, let the server greet, send, collect the server's
 * events until the chosen end, and turn them into one item (JSON + WAV + JPEG binaries).
 *
 * The answer is only what arrives after the node sent its event. A server greets a new
 * connection (a `status` "Connected to avatar stream" with the avatar's state, and a frame)
 * before it reads anything: that greeting is reported apart (`greeting`), never taken for the
 * answer, neither as the "next status" nor as "idle again", and its frame is not a reply frame.
 */

/** Longest wait after connecting for the greeting before sending anyway (a server may not greet). */
const GREETING_WAIT_MS = 1_000;
/** After the greeting's status: the server is done greeting once it has been quiet this long. */
const GREETING_QUIET_MS = 100;
/** The message the document shows for an established connection: how a late greeting is told apart. */
const GREETING_MESSAGE = 'Connected to avatar stream';

export type WaitUntil = 'idle' | 'status' | 'timeLimit' | 'none';
export const WAIT_UNTIL: readonly WaitUntil[] = ['idle', 'status', 'timeLimit', 'none'];

export function waitUntilField(defaultValue: WaitUntil): INodeProperties {
	return {
		displayName: 'Wait Until',
		name: 'waitUntil',
		type: 'options',
		options: [
			{
				name: 'Avatar Is Idle Again',
				value: 'idle',
				description: 'Collect until the avatar has answered and reports "idle" (or the time limit)',
			},
			{
				name: 'Next Status Update',
				value: 'status',
				description: 'Stop at the first status event (listening, speaking or idle) after sending',
			},
			{ name: 'Time Limit', value: 'timeLimit', description: 'Collect everything the avatar sends until the time limit' },
			{ name: "Don't Wait", value: 'none', description: 'Send, then disconnect at once' },
		],
		default: defaultValue,
		description: 'When to stop listening to the avatar and output what it sent',
	};
}

export const timeLimitField: INodeProperties = {
	displayName: 'Time Limit (Seconds)',
	name: 'timeLimitSeconds',
	type: 'number',
	typeOptions: { minValue: 1 },
	default: 60,
	description:
		'Longest time for the whole exchange, sending included. When it is reached the node disconnects and outputs what it collected so far (endReason "timeLimit").',
};

/** Options both realtime operations show. */
export const collectOptions: INodeProperties[] = [
	outputBinaryField({
		content: 'audio',
		name: 'audioProperty',
		default: 'audio',
		required: false,
		what: 'the audio the avatar sent (one WAV file; pieces that cannot be joined become audio_0, audio_1, ...)',
	}),
	{
		displayName: 'Connect Timeout (Seconds)',
		name: 'connectTimeoutSeconds',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 15,
		description: 'How long to wait for the WebSocket connection to open',
	},
	{
		displayName: 'Frame Output Prefix',
		name: 'framePrefix',
		type: 'string',
		default: 'frame_',
		description: 'Video frames are output as JPEG binary fields named with this prefix and a number: frame_0, frame_1 and so on',
	},
	{
		displayName: 'Max Frames',
		name: 'maxFrames',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 5,
		description: 'How many video frames to keep as JPEG images (the first ones); the others are only counted. 0 keeps none.',
	},
	{
		displayName: 'Max Media Size (MB)',
		name: 'maxMediaMb',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Most audio and frame data to hold for one item; the item fails beyond it',
	},
];

/** Collection options in alphabetical order, as n8n lists them. */
export function sortedOptions(options: INodeProperties[]): INodeProperties[] {
	return [...options].sort((a, b) => a.displayName.localeCompare(b.displayName));
}

export interface CollectSettings {
	waitUntil: WaitUntil;
	timeLimitMs: number;
	connectTimeoutMs: number;
	maxFrames: number;
	maxMediaBytes: number;
	audioProperty: string;
	framePrefix: string;
}

/** Reads and checks the fields above (before anything is sent). */
export function readCollectSettings(ctx: IExecuteFunctions, v: InputValidator, itemIndex: number): CollectSettings {
	const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const propertyName = (field: string, value: unknown) => {
		const s = v.text(field, value).trim();
		if (/[\s.[\]]/.test(s)) v.fail(field, `"${s}" is not a usable field name`, 'letters, digits, _ and - (no spaces, dots or brackets)');
		return s;
	};
	return {
		waitUntil: v.oneOf('Wait Until', ctx.getNodeParameter('waitUntil', itemIndex, 'idle'), WAIT_UNTIL),
		timeLimitMs: v.number('Time Limit (Seconds)', ctx.getNodeParameter('timeLimitSeconds', itemIndex, 60), { min: 1 }) * 1000,
		connectTimeoutMs: v.number('Options > Connect Timeout (Seconds)', options.connectTimeoutSeconds ?? 15, { min: 1 }) * 1000,
		maxFrames: v.number('Options > Max Frames', options.maxFrames ?? 5, { min: 0, integer: true }),
		maxMediaBytes: v.number('Options > Max Media Size (MB)', options.maxMediaMb ?? 50, { min: 1 }) * 1024 * 1024,
		audioProperty: v.binaryField(`Options > ${outputBinaryLabel('audio')}`, options.audioProperty ?? 'audio'),
		framePrefix: propertyName('Options > Frame Output Prefix', options.framePrefix ?? 'frame_'),
	};
}

export interface SentSummary {
	event: string;
	chunks?: number;
	bytes?: number;
}

interface Segment {
	kind: 'audio' | 'frame';
	start: number;
	end: number;
	meta: IDataObject;
}

/** The events of one exchange, in order, and the end condition. */
class Collector {
	readonly chat: Array<{ role: string; content: string }> = [];
	readonly statuses: Array<{ status: string; message?: string }> = [];
	/** The first status the server sent before the node's event (its greeting), if any. */
	greeting: { status: string; message?: string } | undefined;
	readonly segments: Segment[] = [];
	framesReceived = 0;
	framesKept = 0;
	audioEvents = 0;
	audioSeconds = 0;
	sampleRate: number | undefined;
	events = 0;
	otherEvents = 0;
	private active = false;
	private readonly media: CappedBuffer;

	/**
	 * @param idleNeedsActivity "idle again" after audio means: idle after the avatar did
	 * something (a server may report idle before it has even processed the audio). After a
	 * control event any idle status is the answer (an interrupt of a silent avatar, say).
	 */
	constructor(
		private readonly ctx: IExecuteFunctions,
		private readonly settings: CollectSettings,
		private readonly itemIndex: number,
		private readonly idleNeedsActivity: boolean,
	) {
		this.media = new CappedBuffer(
			settings.maxMediaBytes,
			(cap) =>
				new NodeOperationError(ctx.getNode(), `The avatar sent more than ${Math.round(cap / 1024 / 1024)} MB of audio and frames`, {
					itemIndex,
					description: 'Raise "Max Media Size (MB)" under Options, lower "Max Frames", or shorten the exchange with "Time Limit"',
				}),
		);
	}

	/**
	 * Takes one message that arrived before the node sent anything: never part of the answer.
	 * An error event still fails the item; the first status is kept as the greeting. Returns
	 * true for a status.
	 */
	beforeSend(message: WsMessage): boolean {
		const event = parseEvent(message);
		if (event?.type === 'error') this.throwError(event);
		if (event?.type !== 'status') return false;
		this.greeting ??= statusOf(event);
		return true;
	}

	/** Takes one server message; returns true when the exchange is over. */
	take(message: WsMessage): boolean {
		const event = parseEvent(message);
		// A greeting slower than GREETING_WAIT_MS arrives after the send. The server sends it
		// before anything else, so it can only be the connection's first status; it is known by
		// the documented message, as no answer to an event carries it.
		if (
			event?.type === 'status' &&
			this.greeting === undefined &&
			this.statuses.length === 0 &&
			event.message === GREETING_MESSAGE
		) {
			this.greeting = statusOf(event);
			return false;
		}
		this.events++;
		if (!event) {
			this.otherEvents++;
			return false;
		}
		switch (event.type) {
			case 'frame': {
				this.framesReceived++;
				this.active = true;
				if (this.framesKept < this.settings.maxFrames && typeof event.data === 'string') {
					this.framesKept++;
					this.keep('frame', Buffer.from(event.data, 'base64'), { frame_id: event.frame_id, timestamp: event.timestamp });
				}
				return false;
			}
			case 'audio': {
				this.audioEvents++;
				this.active = true;
				if (typeof event.duration === 'number') this.audioSeconds += event.duration;
				if (typeof event.sample_rate === 'number') this.sampleRate = event.sample_rate;
				if (typeof event.data === 'string') this.keep('audio', Buffer.from(event.data, 'base64'), {});
				return false;
			}
			case 'chat': {
				this.chat.push({ role: String(event.role ?? ''), content: String(event.content ?? '') });
				if (event.role === 'agent') this.active = true;
				return false;
			}
			case 'status': {
				const entry = statusOf(event);
				const { status } = entry;
				this.statuses.push(entry);
				if (this.settings.waitUntil === 'status') return true;
				if (status !== 'idle') {
					this.active = true;
					return false;
				}
				return this.settings.waitUntil === 'idle' && (this.active || !this.idleNeedsActivity);
			}
			case 'error':
				return this.throwError(event);
			default:
				this.otherEvents++;
				return false;
		}
	}

	/** A server `error` event fails the item with the server's message and code. */
	private throwError(event: IDataObject): never {
		throw providerApiError(this.ctx.getNode(), {
			provider: avaTar.name,
			failure: {
				message: typeof event.message === 'string' && event.message ? event.message : 'The avatar reported an error',
				code: typeof event.code === 'string' ? event.code : undefined,
			},
			hint:
				event.code === 'SESSION_NOT_FOUND'
					? 'The session may have been stopped or never existed: create one with "New Session" and use its session_id.'
					: undefined,
			itemIndex: this.itemIndex,
		});
	}

	private keep(kind: Segment['kind'], data: Buffer, meta: IDataObject): void {
		const start = this.media.byteLength;
		this.media.push(data);
		this.segments.push({ kind, start, end: this.media.byteLength, meta });
	}

	/** The item: JSON summary, the audio as one WAV, the kept frames as JPEGs. */
	async output(sessionId: string, sent: SentSummary | undefined, endReason: string): Promise<INodeExecutionData> {
		const all = this.media.toBuffer();
		const binary: Record<string, IBinaryData> = {};
		const audioParts = this.segments.filter((s) => s.kind === 'audio').map((s) => all.subarray(s.start, s.end));
		const audioJson: IDataObject = { events: this.audioEvents, durationSeconds: Math.round(this.audioSeconds * 1000) / 1000 };
		if (this.sampleRate) audioJson.sampleRate = this.sampleRate;
		if (audioParts.length) {
			const joined = joinWavs(audioParts);
			if (joined) {
				binary[this.settings.audioProperty] = await this.ctx.helpers.prepareBinaryData(joined.wav, 'avatar-reply.wav', 'audio/wav');
				audioJson.property = this.settings.audioProperty;
				audioJson.bytes = joined.wav.length;
				audioJson.sampleRate = joined.format.sampleRate;
				audioJson.channels = joined.format.channels;
				audioJson.durationSeconds = Math.round(joined.durationSeconds * 1000) / 1000;
			} else {
				// pieces of different formats (or not WAV at all): one field each
				const properties: string[] = [];
				for (const [index, part] of audioParts.entries()) {
					const name = `${this.settings.audioProperty}_${index}`;
					const isWav = part.toString('latin1', 0, 4) === 'RIFF';
					binary[name] = await this.ctx.helpers.prepareBinaryData(
						part,
						`avatar-reply-${index}.${isWav ? 'wav' : 'bin'}`,
						isWav ? 'audio/wav' : 'application/octet-stream',
					);
					properties.push(name);
				}
				audioJson.properties = properties;
			}
		}
		const frames: IDataObject[] = [];
		for (const [index, segment] of this.segments.filter((s) => s.kind === 'frame').entries()) {
			const name = `${this.settings.framePrefix}${index}`;
			const id = segment.meta.frame_id ?? index;
			binary[name] = await this.ctx.helpers.prepareBinaryData(all.subarray(segment.start, segment.end), `frame-${String(id)}.jpg`, 'image/jpeg');
			frames.push({ property: name, ...segment.meta });
		}
		const reply = this.chat.filter((m) => m.role === 'agent').map((m) => m.content).join(' ');
		const transcript = this.chat.filter((m) => m.role === 'user').map((m) => m.content).join(' ');
		const json: IDataObject = {
			session_id: sessionId,
			...(sent ? { sent: sent as unknown as IDataObject } : {}),
			endReason,
			reply,
			transcript,
			chat: this.chat,
			statuses: this.statuses,
			lastStatus: this.statuses.at(-1)?.status ?? null,
			greeting: this.greeting ?? null,
			audio: audioJson,
			frames: { received: this.framesReceived, kept: frames },
			events: this.events,
		};
		return Object.keys(binary).length ? { json, binary } : { json };
	}
}

/** A text message as a JSON object; undefined for anything else (binary, not JSON). */
function parseEvent(message: WsMessage): IDataObject | undefined {
	if (message.kind !== 'text') return undefined;
	try {
		const event = JSON.parse(message.text) as unknown;
		return event !== null && typeof event === 'object' && !Array.isArray(event) ? (event as IDataObject) : undefined;
	} catch {
		return undefined;
	}
}

function statusOf(event: IDataObject): { status: string; message?: string } {
	return { status: String(event.status ?? ''), ...(typeof event.message === 'string' ? { message: event.message } : {}) };
}

/** Abnormal closes in words; 1008 is how servers refuse a key or a session on the socket. */
function describeClose(code: number, reason: string): { message: string; code?: string } | undefined {
	if (code === 1008) {
		return {
			message: `The server refused the realtime connection${reason ? `: ${reason}` : ''} (close code 1008). Check the API key and the Session ID.`,
			code: 'POLICY_VIOLATION',
		};
	}
	return undefined;
}

/**
 * Connects, runs `send`, collects until the end condition, closes. Server `error` events and
 * abnormal closes become NodeApiErrors; cancel stops at once.
 */
export async function runExchange(
	ctx: IExecuteFunctions,
	op: OperationContext,
	sessionId: string,
	settings: CollectSettings,
	send: (ws: RealtimeSender, deadline: number) => Promise<SentSummary>,
	idleNeedsActivity: boolean,
): Promise<INodeExecutionData> {
	const node = ctx.getNode();
	const credentials = await ctx.getCredentials(avaTar.credentialType, op.itemIndex);
	const url = realtimeUrl(node, credentials, sessionId, op.itemIndex);
	const collector = new Collector(ctx, settings, op.itemIndex, idleNeedsActivity);
	const start = Date.now();
	const endAt = start + settings.connectTimeoutMs + settings.timeLimitMs;
	const ws = await WsSession.open(node, {
		provider: avaTar.name,
		url,
		headers: realtimeHeaders(credentials),
		signal: op.signal,
		connectTimeoutMs: settings.connectTimeoutMs,
		// the time limit below ends the exchange normally; these only guard against a stuck socket
		idleTimeoutMs: settings.timeLimitMs + 5_000,
		deadline: endAt + 5_000,
		itemIndex: op.itemIndex,
		describeClose,
	});
	const windowEnd = Date.now() + settings.timeLimitMs;
	try {
		// Don't Wait outputs no events: no need to wait for a greeting there.
		if (settings.waitUntil !== 'none') await awaitGreeting(ws, collector, Math.min(windowEnd, Date.now() + GREETING_WAIT_MS));
		// Whatever came in until the node's first message is not the answer either.
		let started = false;
		const sender: RealtimeSender = {
			sendJson: (value) => {
				if (!started) {
					started = true;
					for (const message of ws.takeReceived()) collector.beforeSend(message);
				}
				ws.sendJson(value);
			},
		};
		let sent: SentSummary;
		try {
			sent = await send(sender, windowEnd);
		} catch (error) {
			// The server may have said why before closing (SESSION_NOT_FOUND...): report that.
			await drainForError(ws, collector);
			throw asNodeError(node, error, op.itemIndex);
		}
		if (settings.waitUntil === 'none') return await collector.output(sessionId, sent, 'sent');

		const timer = AbortSignal.timeout(Math.max(0, windowEnd - Date.now()));
		const timeUp = new Promise<'timeLimit'>((resolve) => {
			if (timer.aborted) resolve('timeLimit');
			timer.addEventListener('abort', () => resolve('timeLimit'), { once: true });
		});
		let endReason: string;
		for (;;) {
			const pending = ws.next();
			const result = await Promise.race([pending, timeUp]);
			if (result === 'timeLimit') {
				pending.catch(() => undefined); // settles when the socket closes below
				endReason = 'timeLimit';
				break;
			}
			if (result === undefined) {
				endReason = 'closed';
				break;
			}
			if (collector.take(result)) {
				endReason = settings.waitUntil === 'status' ? 'status' : 'idle';
				break;
			}
		}
		return await collector.output(sessionId, sent, endReason);
	} finally {
		ws.close(1000, 'done');
	}
}

/** What an operation's send step may do on the socket. */
export interface RealtimeSender {
	sendJson(value: unknown): void;
}

/**
 * Before sending: waits until the server has greeted (its first status, then GREETING_QUIET_MS
 * without a message, so the frame that follows the greeting is in too), or until `until` for a
 * server that does not greet or never goes quiet. An error event, an abnormal close or a cancel
 * fails at once; a normal close ends the wait (the send then reports the closed connection).
 */
async function awaitGreeting(ws: WsSession, collector: Collector, until: number): Promise<void> {
	let greeted = false;
	for (;;) {
		const end = greeted ? Math.min(until, ws.lastMessageAt + GREETING_QUIET_MS) : until;
		const left = end - Date.now();
		if (left <= 0) return;
		const message = await ws.poll(left);
		if (message === undefined) return;
		if (message !== 'tick' && collector.beforeSend(message)) greeted = true;
	}
}

/** After a failed send: read what the server queued before closing; throw its error event. */
async function drainForError(ws: WsSession, collector: Collector): Promise<void> {
	if (ws.isOpen) return; // the socket is fine: the failure was ours
	for (let i = 0; i < 1000; i++) {
		let message: WsMessage | undefined;
		try {
			message = await ws.next();
		} catch {
			return;
		}
		if (!message) return;
		collector.take(message); // throws on an error event
	}
}
