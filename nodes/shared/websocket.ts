import type { INode } from 'n8n-workflow';
import { NodeApiError, sleep } from 'n8n-workflow';

import { webSocketMissing } from './compat';
import { cancelledError, providerApiError } from './errors';

export type WsMessage = { kind: 'text'; text: string } | { kind: 'binary'; data: Buffer };

export interface WsSessionOptions {
	/** Shown in errors ("AvatarTalk: ..."). */
	provider: string;
	url: string;
	/** Sent with the upgrade request (Authorization...). Node's WebSocket accepts headers. */
	headers?: Record<string, string>;
	/** Execution cancel signal (or a batch's own): closes the socket at once. */
	signal?: AbortSignal;
	connectTimeoutMs: number;
	/** Longest silence allowed between two server messages. */
	idleTimeoutMs: number;
	/** Absolute end of the whole session (epoch ms). */
	deadline: number;
	itemIndex?: number;
	/**
	 * Asked when the connection closed before it ever opened (the handshake failed): what the
	 * service answered instead of switching protocols, so the error can name its HTTP status and
	 * message. Node's WebSocket does not expose the handshake's status. Undefined: not known.
	 */
	probeRefusal?: () => Promise<{ statusCode: number; message?: string; code?: string } | undefined>;
	/** Turns a close code + reason into words; return undefined for a normal end. */
	describeClose?: (code: number, reason: string) => { message: string; code?: string; hint?: string } | undefined;
}

interface Waiter {
	resolve: (message: WsMessage | undefined) => void;
	reject: (error: Error) => void;
}

/**
 * One WebSocket conversation with a provider on Node's built-in WebSocket: connect with auth
 * headers, read messages with an idle limit and an overall deadline, stop at once on cancel,
 * and turn abnormal closes (1008, 1011, a dropped connection) into NodeApiErrors. Nothing here
 * ever includes the URL in an error: it can carry tokens in its query.
 */
export class WsSession {
	private readonly queue: WsMessage[] = [];
	private waiter: Waiter | undefined;
	private ended: { error?: Error } | undefined;
	private lastMessage = Date.now();
	closeCode: number | undefined;
	closeReason = '';

	private constructor(
		private readonly node: INode,
		private readonly socket: WebSocket,
		private readonly options: WsSessionOptions,
	) {
		socket.binaryType = 'arraybuffer';
		socket.addEventListener('message', (event) => {
			this.lastMessage = Date.now();
			const data = event.data as unknown;
			const message: WsMessage =
				typeof data === 'string'
					? { kind: 'text', text: data }
					: { kind: 'binary', data: Buffer.from(data as ArrayBuffer) };
			if (this.waiter) {
				const waiter = this.waiter;
				this.waiter = undefined;
				waiter.resolve(message);
			} else this.queue.push(message);
		});
		socket.addEventListener('close', (event) => {
			this.closeCode = event.code;
			this.closeReason = event.reason;
			this.finish(this.closeError(event.code, event.reason));
		});
		socket.addEventListener('error', () => {
			// a 'close' event always follows and carries the code
		});
		options.signal?.addEventListener('abort', this.onAbort, { once: true });
	}

	private readonly onAbort = () => {
		this.finish(cancelledError(this.node, this.options.itemIndex));
		try {
			this.socket.close(1000, 'cancelled');
		} catch {
			// already closing
		}
	};

	static async open(node: INode, options: WsSessionOptions): Promise<WsSession> {
		if (options.signal?.aborted) {
			throw cancelledError(node, options.itemIndex);
		}
		const missing = webSocketMissing(node, `${options.provider} WebSocket session`, options.itemIndex);
		if (missing) throw missing;
		const socket = new WebSocket(options.url, { headers: options.headers } as unknown as string[]);
		const session = new WsSession(node, socket, options);
		await session.waitOpen();
		return session;
	}

	private async waitOpen(): Promise<void> {
		if (this.socket.readyState === WebSocket.OPEN) return;
		const timeout = AbortSignal.timeout(this.options.connectTimeoutMs);
		await new Promise<void>((resolve, reject) => {
			let settled = false;
			const done = (error?: Error) => {
				if (settled) return;
				settled = true;
				this.socket.removeEventListener('open', onOpen);
				this.socket.removeEventListener('close', onClose);
				timeout.removeEventListener('abort', onTimeout);
				this.options.signal?.removeEventListener('abort', onCancel);
				if (error) reject(error);
				else resolve();
			};
			const onOpen = () => {
				this.lastMessage = Date.now();
				done();
			};
			const onClose = (event: CloseEvent) => {
				// 1006 before 'open': no session ever existed, so nothing "dropped"; the service
				// refused the handshake (or could not be reached). Ask what it answered.
				if (event.code === 1006) {
					void this.refusalError().then(done);
					return;
				}
				done(
					this.closeError(event.code, event.reason) ??
						this.apiError(`The connection closed before it opened (code ${event.code})`, event.code),
				);
			};
			const onTimeout = () => {
				this.socket.close();
				done(this.apiError(`Could not connect within ${Math.round(this.options.connectTimeoutMs / 1000)} s`));
			};
			const onCancel = () =>
				done(cancelledError(this.node, this.options.itemIndex));
			this.socket.addEventListener('open', onOpen);
			this.socket.addEventListener('close', onClose);
			timeout.addEventListener('abort', onTimeout);
			this.options.signal?.addEventListener('abort', onCancel);
		});
	}

	/** The error for a handshake that failed: with the service's HTTP status when the probe learns it. */
	private async refusalError(): Promise<NodeApiError> {
		let answer: Awaited<ReturnType<NonNullable<WsSessionOptions['probeRefusal']>>>;
		try {
			answer = await this.options.probeRefusal?.();
		} catch {
			answer = undefined;
		}
		if (!answer) {
			return this.apiError(
				'The service refused the connection or could not be reached (the WebSocket handshake failed); no session was opened',
				1006,
			);
		}
		return providerApiError(this.node, {
			provider: this.options.provider,
			statusCode: answer.statusCode,
			failure: {
				message: `The service refused the connection with HTTP ${answer.statusCode}${answer.message ? `: ${answer.message}` : ''}; no session was opened`,
				code: answer.code,
			},
			itemIndex: this.options.itemIndex,
		});
	}

	private apiError(message: string, closeCode?: number, code?: string, hint?: string): NodeApiError {
		const error = providerApiError(this.node, {
			provider: this.options.provider,
			failure: { message, code },
			hint,
			itemIndex: this.options.itemIndex,
		});
		if (closeCode !== undefined) error.context.closeCode = closeCode;
		// No HTTP status here: without this, NodeApiError would show the provider code as httpCode.
		error.httpCode = null;
		return error;
	}

	/** undefined for a normal close; an error for anything else. */
	private closeError(code: number, reason: string): Error | undefined {
		const described = this.options.describeClose?.(code, reason);
		if (described) return this.apiError(described.message, code, described.code, described.hint);
		if (code === 1000 || code === 1005) return undefined;
		if (code === 1006) return this.apiError('The connection dropped in the middle of the session (no close frame)', code);
		return this.apiError(reason ? `${reason} (close code ${code})` : `The server closed the connection with code ${code}`, code);
	}

	private finish(error: Error | undefined): void {
		if (this.ended) return;
		this.ended = { error };
		this.options.signal?.removeEventListener('abort', this.onAbort);
		if (this.waiter) {
			const waiter = this.waiter;
			this.waiter = undefined;
			if (error) waiter.reject(error);
			else waiter.resolve(undefined);
		}
	}

	get isOpen(): boolean {
		return this.socket.readyState === WebSocket.OPEN;
	}

	/**
	 * Sends a message. When the server has already begun closing, the message is dropped
	 * instead of failing here: the close (with the server's own code and reason, say a 1011)
	 * is on its way and the next `next()` reports it, which says more than "closed".
	 */
	send(data: string | Buffer): void {
		if (this.isOpen) {
			this.socket.send(data);
			return;
		}
		if (this.ended) throw this.ended.error ?? this.apiError('The connection is closed');
		if (this.socket.readyState === WebSocket.CLOSING || this.socket.readyState === WebSocket.CLOSED) return;
		throw this.apiError('The connection is not open yet');
	}

	sendJson(value: unknown): void {
		this.send(JSON.stringify(value));
	}

	/**
	 * The next server message; undefined once the server closed normally. Throws on an abnormal
	 * close, on silence longer than the idle limit, past the deadline, and on cancel.
	 */
	async next(): Promise<WsMessage | undefined> {
		const message = await this.receive(undefined);
		return message === 'tick' ? undefined : message;
	}

	/**
	 * Like `next()`, but gives up after `maxWaitMs` with `'tick'`, so the caller can send
	 * something periodically (status reports) while it listens. The idle limit counts from the
	 * last server message, not from this call, so ticks never hide a silent server.
	 */
	async poll(maxWaitMs: number): Promise<WsMessage | 'tick' | undefined> {
		return await this.receive(Math.max(0, maxWaitMs));
	}

	/** Server messages received and not yet taken with `next()`/`poll()`. */
	get pending(): number {
		return this.queue.length;
	}

	/** Takes every message received and not yet taken, at once (e.g. all that came before a send). */
	takeReceived(): WsMessage[] {
		return this.queue.splice(0);
	}

	/** When the last server message arrived (epoch ms; the open time before the first). */
	get lastMessageAt(): number {
		return this.lastMessage;
	}

	private async receive(tickMs: number | undefined): Promise<WsMessage | 'tick' | undefined> {
		const queued = this.queue.shift();
		if (queued) return queued;
		if (this.ended) {
			if (this.ended.error) throw this.ended.error;
			return undefined;
		}
		const now = Date.now();
		const remaining = this.options.deadline - now;
		if (remaining <= 0) throw this.timeoutError('deadline');
		const idleLeft =
			tickMs === undefined ? this.options.idleTimeoutMs : this.lastMessage + this.options.idleTimeoutMs - now;
		if (idleLeft <= 0) throw this.timeoutError('idle');
		const limit = Math.min(idleLeft, remaining, tickMs ?? Number.POSITIVE_INFINITY);
		const reason: 'tick' | 'deadline' | 'idle' =
			tickMs !== undefined && limit === tickMs ? 'tick' : limit === remaining ? 'deadline' : 'idle';
		if (limit <= 0) return 'tick';
		const timer = AbortSignal.timeout(limit);
		return await new Promise<WsMessage | 'tick' | undefined>((resolve, reject) => {
			const onTimeout = () => {
				this.waiter = undefined;
				if (reason === 'tick') resolve('tick');
				else reject(this.timeoutError(reason));
			};
			timer.addEventListener('abort', onTimeout, { once: true });
			this.waiter = {
				resolve: (message) => {
					timer.removeEventListener('abort', onTimeout);
					resolve(message);
				},
				reject: (error) => {
					timer.removeEventListener('abort', onTimeout);
					reject(error);
				},
			};
		});
	}

	/** Bytes queued by `send()` that have not gone out yet. */
	get bufferedAmount(): number {
		return this.socket.bufferedAmount;
	}

	/**
	 * Waits until at most `maxBufferedBytes` are still queued for sending (backpressure for
	 * large uploads: send a chunk, then drain). Stops on close, cancel and the deadline.
	 */
	async drain(maxBufferedBytes: number): Promise<void> {
		while (this.socket.bufferedAmount > maxBufferedBytes) {
			if (this.ended?.error) throw this.ended.error;
			if (!this.isOpen) throw this.apiError('The connection closed while data was still being sent');
			if (Date.now() >= this.options.deadline) throw this.timeoutError('deadline');
			await sleep(5);
		}
	}

	private timeoutError(kind: 'idle' | 'deadline'): NodeApiError {
		this.close(1000, 'timeout');
		return kind === 'idle'
			? this.apiError(`No message from the server for ${Math.round(this.options.idleTimeoutMs / 1000)} s; the session was stopped and nothing partial was returned`)
			: this.apiError('The session ran past its time limit; it was stopped and nothing partial was returned');
	}

	close(code = 1000, reason = ''): void {
		this.options.signal?.removeEventListener('abort', this.onAbort);
		if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) {
			try {
				this.socket.close(code, reason);
			} catch {
				// closing twice is harmless
			}
		}
	}
}
