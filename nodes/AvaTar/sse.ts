/**
 * Server-sent events (text/event-stream), read incrementally as the body arrives.
 *
 * Follows the WHATWG "event stream interpretation": lines end with CRLF, LF or CR (also when a
 * CRLF is split between two chunks), `:` starts a comment, `data:` lines of one event are
 * joined with "\n", a blank line dispatches the event, a leading BOM is dropped, UTF-8 split
 * between chunks is decoded correctly. One deliberate difference: an event still pending when
 * the stream ends (no blank line after it) is dispatched rather than dropped, because servers
 * that close right after their last `data:` line are common and losing the tail of a reply
 * would surprise users more than an extra event.
 */

export interface SseEvent {
	/** `event:` field; "message" when the server sent none. */
	event: string;
	/** The `data:` lines joined with "\n". */
	data: string;
	/** The last `id:` seen (sticky across events, as the spec says). */
	id?: string;
	/** `retry:` in milliseconds, when this event carried one. */
	retry?: number;
}

export class SseParser {
	private readonly decoder = new TextDecoder('utf-8');
	private buffer = '';
	private started = false;
	/** The previous chunk ended in CR: a LF at the start of the next one belongs to it. */
	private pendingCr = false;
	private dataLines: string[] = [];
	private eventType = '';
	private lastId: string | undefined;
	private retry: number | undefined;

	/** Feeds one chunk; returns the events it completed. */
	push(chunk: Uint8Array | string): SseEvent[] {
		let text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
		if (!this.started && text.length) {
			this.started = true;
			if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
		}
		if (this.pendingCr && text.length) {
			if (text.startsWith('\n')) text = text.slice(1);
			this.pendingCr = false;
		}
		this.buffer += text;
		return this.drain(false);
	}

	/** The stream ended: returns the events still pending (see the note above). */
	end(): SseEvent[] {
		const rest = this.decoder.decode();
		if (rest) this.buffer += rest;
		const events = this.drain(true);
		if (this.buffer.length) {
			this.line(this.buffer, events);
			this.buffer = '';
		}
		const last = this.dispatch();
		if (last) events.push(last);
		return events;
	}

	private drain(final: boolean): SseEvent[] {
		const events: SseEvent[] = [];
		for (;;) {
			const match = /\r\n|\r|\n/.exec(this.buffer);
			if (!match) break;
			// A CR at the very end may be the first half of a CRLF: wait for the next chunk.
			if (match[0] === '\r' && match.index === this.buffer.length - 1 && !final) {
				this.line(this.buffer.slice(0, match.index), events);
				this.buffer = '';
				this.pendingCr = true;
				break;
			}
			this.line(this.buffer.slice(0, match.index), events);
			this.buffer = this.buffer.slice(match.index + match[0].length);
		}
		return events;
	}

	private line(line: string, events: SseEvent[]): void {
		if (line === '') {
			const event = this.dispatch();
			if (event) events.push(event);
			return;
		}
		if (line.startsWith(':')) return; // comment (keep-alives)
		const colon = line.indexOf(':');
		const field = colon === -1 ? line : line.slice(0, colon);
		let value = colon === -1 ? '' : line.slice(colon + 1);
		if (value.startsWith(' ')) value = value.slice(1);
		switch (field) {
			case 'data':
				this.dataLines.push(value);
				break;
			case 'event':
				this.eventType = value;
				break;
			case 'id':
				if (!value.includes('\0')) this.lastId = value;
				break;
			case 'retry':
				if (/^\d+$/.test(value)) this.retry = Number(value);
				break;
			default:
				break; // unknown fields are ignored
		}
	}

	private dispatch(): SseEvent | undefined {
		// As the spec says: an event without any data line is not dispatched.
		const hadData = this.dataLines.length > 0;
		const event: SseEvent = {
			event: this.eventType || 'message',
			data: this.dataLines.join('\n'),
			...(this.lastId !== undefined ? { id: this.lastId } : {}),
			...(this.retry !== undefined ? { retry: this.retry } : {}),
		};
		this.dataLines = [];
		this.eventType = '';
		this.retry = undefined;
		return hadData ? event : undefined;
	}
}

/** Why reading a stream stopped before its end. */
export class SseReadError extends Error {
	constructor(
		readonly reason: 'idle' | 'deadline' | 'cancelled',
		message: string,
	) {
		super(message);
		this.name = 'SseReadError';
	}
}

export interface SseReadLimits {
	/** Longest pause allowed between two chunks. */
	idleTimeoutMs?: number;
	/** Absolute end of the whole read (epoch ms). */
	deadline?: number;
	/** Stops the read at once. */
	signal?: AbortSignal;
}

/** The next chunk, unless the idle limit, the deadline or the signal comes first. */
async function nextWithin<T>(iterator: AsyncIterator<T>, limits: SseReadLimits): Promise<IteratorResult<T>> {
	if (limits.signal?.aborted) throw new SseReadError('cancelled', 'The read was cancelled');
	const remaining = limits.deadline !== undefined ? limits.deadline - Date.now() : Infinity;
	if (remaining <= 0) throw new SseReadError('deadline', 'The stream ran past its time limit');
	const idle = limits.idleTimeoutMs ?? Infinity;
	const wait = Math.min(idle, remaining);
	const pending = iterator.next();
	if (!Number.isFinite(wait) && !limits.signal) return await pending;
	const timer = Number.isFinite(wait) ? AbortSignal.timeout(wait) : undefined;
	let cleanup = () => {};
	const stopped = new Promise<never>((_resolve, reject) => {
		const onTimer = () => reject(new SseReadError(wait === idle ? 'idle' : 'deadline', wait === idle ? `No data for ${Math.round(idle / 1000)} s` : 'The stream ran past its time limit'));
		const onCancel = () => reject(new SseReadError('cancelled', 'The read was cancelled'));
		timer?.addEventListener('abort', onTimer, { once: true });
		limits.signal?.addEventListener('abort', onCancel, { once: true });
		cleanup = () => {
			timer?.removeEventListener('abort', onTimer);
			limits.signal?.removeEventListener('abort', onCancel);
		};
	});
	// an abandoned read settles later (when the caller destroys the body): never unhandled
	pending.catch(() => undefined);
	try {
		return await Promise.race([pending, stopped]);
	} finally {
		cleanup();
	}
}

/**
 * Reads a streamed body as server-sent events, one at a time, as they arrive. With limits,
 * a silent stream, one running past its deadline, or a cancel ends the read with an
 * SseReadError; the caller then destroys the body.
 */
export async function* readSseStream(
	body: AsyncIterable<Uint8Array | string>,
	limits: SseReadLimits = {},
): AsyncGenerator<SseEvent> {
	const parser = new SseParser();
	const iterator = body[Symbol.asyncIterator]();
	for (;;) {
		const result = await nextWithin(iterator, limits);
		if (result.done) break;
		for (const event of parser.push(result.value)) yield event;
	}
	for (const event of parser.end()) yield event;
}
