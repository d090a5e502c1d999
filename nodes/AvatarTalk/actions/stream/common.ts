import { randomBytes } from 'node:crypto';

import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { CappedBuffer } from '../../../shared/binary';
import { providerApiError } from '../../../shared/errors';
import { apiRequest } from '../../../shared/http';
import type { InputValidator } from '../../../shared/validation';
import type { WsSessionOptions } from '../../../shared/websocket';
import { Mp4Scanner } from '../../mp4';
import { avatarTalk } from '../../transport';

/**
 * WebSocket close codes as the AvatarTalk document lists them: 1008 for an invalid key,
 * missing credits or failed authorization, 1011 for a processing error. Anything else falls
 * back to WsSession's own wording (1006: dropped; others: reason and code).
 */
export function describeAvatarTalkClose(code: number, reason: string): { message: string; code?: string } | undefined {
	const text = reason.trim();
	if (code === 1008) {
		if (/invalid api key/i.test(text)) {
			return { message: 'Invalid API key: check the API key in the AvatarTalk credential (close code 1008)', code: 'INVALID_API_KEY' };
		}
		if (/insufficient credits/i.test(text)) {
			return { message: 'Insufficient credits: the account has no video time left (close code 1008)', code: 'INSUFFICIENT_CREDITS' };
		}
		if (/authorization failed/i.test(text)) {
			return { message: 'Authorization failed (close code 1008)', code: 'AUTHORIZATION_FAILED' };
		}
		return { message: `${text || 'The server refused the session'} (close code 1008)`, code: 'POLICY_VIOLATION' };
	}
	if (code === 1011) {
		return {
			message: `Processing error: ${text && !/^processing error$/i.test(text) ? text : 'the server failed while generating the video'} (close code 1011)`,
			code: 'PROCESSING_ERROR',
		};
	}
	return undefined;
}

/**
 * A NodeApiError for something the server said or did over the WebSocket (no HTTP status: the
 * provider code must not end up as `httpCode`, which NodeApiError would otherwise do).
 */
export function wsApiError(ctx: IExecuteFunctions, itemIndex: number, input: { message: string; code?: string; hint?: string }) {
	const error = providerApiError(ctx.getNode(), {
		provider: 'AvatarTalk',
		failure: { message: input.message, code: input.code },
		hint: input.hint,
		itemIndex,
	});
	error.httpCode = null;
	return error;
}

export interface SessionLimits {
	maxVideoBytes: number;
	idleTimeoutMs: number;
	sessionTimeoutMs: number;
}

/** Options > Max Video Size / Idle Timeout / Session Timeout, validated. */
export function readSessionLimits(
	v: InputValidator,
	options: IDataObject,
	defaults: { maxVideoSizeMb: number; idleTimeoutSeconds: number; sessionTimeoutSeconds: number },
): SessionLimits {
	const mb = v.number('Max Video Size (MB)', options.maxVideoSizeMb ?? defaults.maxVideoSizeMb, { min: 1, max: 2048 });
	const idle = v.number('Idle Timeout (Seconds)', options.idleTimeoutSeconds ?? defaults.idleTimeoutSeconds, { min: 1 });
	const session = v.number('Session Timeout (Seconds)', options.sessionTimeoutSeconds ?? defaults.sessionTimeoutSeconds, { min: 1 });
	return { maxVideoBytes: Math.floor(mb * 1024 * 1024), idleTimeoutMs: idle * 1000, sessionTimeoutMs: session * 1000 };
}

/** Every status a refused handshake can answer with: handed back to the probe, not thrown. */
const REFUSAL_STATUSES = Array.from({ length: 300 }, (_, i) => 300 + i);

/**
 * When a WebSocket handshake failed, sends the same handshake once more as a plain request
 * through the normal request helper to learn what the service answered (Node's WebSocket does
 * not tell). It carries the upgrade headers, because a plain GET without them is not what the
 * WebSocket endpoint answers (servers route it elsewhere, often to a 404); it goes to the
 * credential's own origin (the socket URL is built from the credential's Base URL), so the key
 * goes nowhere else. A 101 (the service accepts now) tells nothing about the refusal.
 */
async function probeHandshake(
	ctx: IExecuteFunctions,
	url: string,
	timeoutMs: number,
	signal: AbortSignal,
	itemIndex: number,
): Promise<{ statusCode: number; message?: string; code?: string } | undefined> {
	const response = await apiRequest<string>(ctx, avatarTalk, {
		method: 'GET',
		url: url.replace(/^ws/i, 'http'),
		headers: {
			Connection: 'Upgrade',
			Upgrade: 'websocket',
			'Sec-WebSocket-Version': '13',
			'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
		},
		responseType: 'text',
		acceptStatuses: REFUSAL_STATUSES,
		limits: { maxAttempts: 1, timeoutMs },
		signal,
		itemIndex,
	});
	if (response.statusCode < 300) return undefined;
	let failure: { message?: string; code?: string } | undefined;
	try {
		failure = avatarTalk.parseError(JSON.parse(String(response.body)));
	} catch {
		failure = undefined;
	}
	return { statusCode: response.statusCode, message: failure?.message, code: failure?.code };
}

export function wsOptions(
	ctx: IExecuteFunctions,
	target: { url: string; headers: Record<string, string> },
	limits: SessionLimits,
	connectTimeoutMs: number,
	signal: AbortSignal,
	itemIndex: number,
): WsSessionOptions {
	return {
		probeRefusal: async () => await probeHandshake(ctx, target.url, connectTimeoutMs, signal, itemIndex),
		provider: 'AvatarTalk',
		url: target.url,
		headers: target.headers,
		signal,
		connectTimeoutMs,
		idleTimeoutMs: limits.idleTimeoutMs,
		deadline: Date.now() + limits.sessionTimeoutMs,
		itemIndex,
		describeClose: describeAvatarTalkClose,
	};
}

/**
 * Video received over a WebSocket: collected under the user's cap, and followed box by box
 * so that only a complete MP4 is ever returned.
 */
export class VideoCollector {
	readonly scanner = new Mp4Scanner();
	private readonly buffer: CappedBuffer;
	firstChunkAt: number | undefined;

	constructor(
		private readonly ctx: IExecuteFunctions,
		capBytes: number,
		private readonly itemIndex: number,
	) {
		this.buffer = new CappedBuffer(capBytes, (cap) =>
			wsApiError(ctx, itemIndex, {
				message: `The video grew beyond the ${Math.round(cap / 1024 / 1024)} MB allowed by "Max Video Size (MB)"; the session was stopped and nothing was returned`,
				hint: 'Raise "Max Video Size (MB)" under Options, or send shorter text.',
			}),
		);
	}

	push(chunk: Buffer): void {
		this.firstChunkAt ??= Date.now();
		this.buffer.push(chunk);
		this.scanner.push(chunk);
	}

	get bytes(): number {
		return this.buffer.byteLength;
	}

	get chunks(): number {
		return this.buffer.chunkCount;
	}

	/** Throws unless the data is a complete MP4 (and, when asked, a fragmented one). */
	assertComplete(what: string, fragmented = false): void {
		let problem = this.scanner.problem();
		const summary = this.scanner.summary();
		if (!problem && fragmented && !summary.fragmentedInit) problem = 'the stream has no fMP4 init segment (a moov declaring fragments)';
		if (!problem && fragmented && summary.fragments === 0) problem = 'no video fragments (moof) arrived';
		if (problem) {
			throw wsApiError(this.ctx, this.itemIndex, {
				message: `${what} ended without a complete MP4: ${problem}. Nothing partial was returned`,
			});
		}
	}

	toBuffer(): Buffer {
		return this.buffer.toBuffer();
	}
}

/** Parses a server text frame as JSON; keeps the raw text when it is not JSON. */
export function parseServerText(text: string): IDataObject {
	try {
		const value = JSON.parse(text) as unknown;
		if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as IDataObject;
		return { message: value as string };
	} catch {
		return { text };
	}
}
