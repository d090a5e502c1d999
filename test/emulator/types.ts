import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';

/** The stand-in services, each on its own port (its own origin, as in production). */
export const SERVICE_NAMES = [
	'avatarTalk',
	'multiTalk',
	'museTalk',
	'liveTalking',
	'avaTar',
	'avaTarWs',
	'liveKit',
	's3',
	/** An OpenAI-compatible chat model for AI Agent workflows (providers/openai.ts). */
	'openAi',
	/** Firebase's token endpoint (securetoken.googleapis.com), for LiveTalking's refresh-token credential. */
	'firebase',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Path prefix under which an API origin serves its storage when `storageOnApiOrigin` is on. */
export const STORAGE_PREFIX = '/storage';

export interface MultipartPart {
	name: string;
	fileName?: string;
	contentType?: string;
	data: Buffer;
}

export interface EmuRequest {
	service: ServiceName;
	method: string;
	path: string;
	params: Record<string, string>;
	query: URLSearchParams;
	headers: IncomingHttpHeaders;
	rawBody: Buffer;
	/** Parsed JSON body; undefined when the body is empty or not JSON. */
	body: unknown;
	/** True when a body was sent but could not be parsed as JSON. */
	bodyInvalid: boolean;
	/** multipart/form-data parts (empty when the request is not multipart). */
	parts: MultipartPart[];
	bearer?: string;
	raw: IncomingMessage;
}

export interface EmuResponse {
	json(status: number, body: unknown, headers?: Record<string, string>): void;
	send(status: number, body: Buffer | string, headers?: Record<string, string>): void;
	/** Streams chunks as they come (chunked unless a content-length header is given). */
	stream(status: number, headers: Record<string, string>, source: AsyncIterable<Buffer>): Promise<void>;
	raw: ServerResponse;
}

export type Handler = (req: EmuRequest, res: EmuResponse) => void | Promise<void>;

export interface WsConnection {
	socket: WebSocket;
	path: string;
	query: URLSearchParams;
	headers: IncomingHttpHeaders;
	bearer?: string;
	params: Record<string, string>;
}
export type WsHandler = (conn: WsConnection) => void | Promise<void>;

export type FaultKind =
	/** A string body is sent as it is (set its content-type in headers); anything else as JSON. */
	| { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
	| { kind: 'rateLimit'; retryAfter: string; status?: 429 | 503; body?: unknown }
	| { kind: 'reset' }
	| { kind: 'hang' }
	| { kind: 'truncate' }
	| { kind: 'malformedJson' }
	| { kind: 'html'; status?: number }
	/** Delays the real answer. */
	| { kind: 'delay'; ms: number }
	/**
	 * WebSocket: refuse the upgrade with this HTTP status and (JSON) body instead of 101, as a
	 * server does when its handler fails before accepting (every matching handshake: a server
	 * that refuses one refuses the next too).
	 */
	| { kind: 'wsRefuse'; status: number; body?: unknown }
	/** WebSocket: close with a code once connected (after `afterMessages` server messages). */
	| { kind: 'wsClose'; code: number; reason: string; afterMessages?: number }
	/** WebSocket: drop the TCP connection without a close frame. */
	| { kind: 'wsAbrupt'; afterMessages?: number }
	/** WebSocket: stop sending anything (the client must give up on its own). */
	| { kind: 'wsSilence'; afterMessages?: number };

export interface FaultRule {
	service?: ServiceName;
	method?: string;
	/** Exact path, or a RegExp tested against the path (no query). */
	path?: string | RegExp;
	fault: FaultKind;
	/** How many matching requests it affects; default: all until removed. */
	times?: number;
}

export interface LoggedRequest {
	service: ServiceName;
	origin: string;
	method: string;
	path: string;
	query: Record<string, string>;
	headers: IncomingHttpHeaders;
	/** Body as text (binary bodies as a size note), at most 64 kB. */
	body: string;
	bodyBytes: number;
	at: number;
	/** Set once answered; undefined for hangs and resets. */
	status?: number;
	fault?: string;
	websocket?: boolean;
}

/** Keys the emulator accepts, one per service; anything else gets the documented 401. */
export interface EmulatorKeys {
	avatarTalk: string;
	multiTalk: string;
	liveTalking: string;
	museTalk?: string;
	avaTar?: string;
	liveKitKey: string;
	liveKitSecret: string;
	openAi: string;
}

export interface EmulatorOptions {
	host?: string;
	/** Fixed ports (the CLI uses fixed ones); random free ports by default. */
	ports?: Partial<Record<ServiceName, number>>;
	keys?: Partial<EmulatorKeys>;
	/** Provider-specific knobs (job durations, latencies...), read by provider modules. */
	settings?: Record<string, unknown>;
	/** Log each request to stdout (the CLI does). */
	verbose?: boolean;
}
