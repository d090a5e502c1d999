import { Readable } from 'node:stream';

import { SseParser, SseReadError, readSseStream } from '../../../nodes/AvaTar/sse';
import type { SseEvent } from '../../../nodes/AvaTar/sse';

function parseAll(chunks: Array<string | Buffer>): SseEvent[] {
	const parser = new SseParser();
	const events: SseEvent[] = [];
	for (const chunk of chunks) events.push(...parser.push(chunk));
	events.push(...parser.end());
	return events;
}

const data = (events: SseEvent[]) => events.map((e) => e.data);

describe('SseParser', () => {
	it('reads OpenAI-style chunks and [DONE]', () => {
		const stream = 'data: {"a":1}\n\ndata: {"a":2}\n\ndata: [DONE]\n\n';
		expect(data(parseAll([stream]))).toEqual(['{"a":1}', '{"a":2}', '[DONE]']);
	});

	it('gives the same events whatever the chunking (byte by byte)', () => {
		const stream = ': comment\r\nevent: delta\r\ndata: one\r\ndata: two\r\n\r\ndata: {"x":"é€😀"}\r\n\r\n';
		const whole = parseAll([stream]);
		const bytes = Buffer.from(stream, 'utf8');
		const split = parseAll([...bytes].map((b) => Buffer.from([b])));
		expect(split).toEqual(whole);
		expect(whole).toEqual([
			{ event: 'delta', data: 'one\ntwo' },
			{ event: 'message', data: '{"x":"é€😀"}' },
		]);
	});

	it('joins multi-line data with \\n and keeps an empty data line', () => {
		expect(data(parseAll(['data: {\ndata:  "k": 1\ndata: }\n\n']))).toEqual(['{\n "k": 1\n}']);
		expect(parseAll(['data:\n\n'])).toEqual([{ event: 'message', data: '' }]);
	});

	it('ignores comments, unknown fields and events without data', () => {
		expect(parseAll([': keep-alive\n\nfoo: bar\n\nevent: ping\n\n:x\ndata: real\n\n'])).toEqual([{ event: 'message', data: 'real' }]);
	});

	it('handles CR-only line ends and a CRLF split across chunks', () => {
		expect(data(parseAll(['data: a\r\rdata: b\r', '\n\r', '\n']))).toEqual(['a', 'b']);
		// a lone CR at a chunk end is a line end on its own when no LF follows
		expect(data(parseAll(['data: a\r', '\rdata: b\n\n']))).toEqual(['a', 'b']);
		// an empty chunk between CR and LF does not turn the LF into a blank line
		expect(data(parseAll(['data: a\r', '', '\ndata: b\n\n']))).toEqual(['a\nb']);
	});

	it('strips one leading space only, and a BOM at the start', () => {
		expect(data(parseAll(['\uFEFFdata:  two spaces\n\n']))).toEqual([' two spaces']);
		expect(data(parseAll(['data:none\n\n']))).toEqual(['none']);
	});

	it('keeps the last id (sticky) and reads retry', () => {
		const events = parseAll(['id: 7\nretry: 1500\ndata: a\n\ndata: b\n\n']);
		expect(events).toEqual([
			{ event: 'message', data: 'a', id: '7', retry: 1500 },
			{ event: 'message', data: 'b', id: '7' },
		]);
	});

	it('dispatches an event left pending when the stream ends without a blank line', () => {
		expect(data(parseAll(['data: {"a":1}\n\ndata: {"a":2}']))).toEqual(['{"a":1}', '{"a":2}']);
		expect(data(parseAll(['data: last\n']))).toEqual(['last']);
		expect(parseAll([''])).toEqual([]);
	});

	it('consecutive data lines without blank lines (as the AvaTar document prints them) form one event', () => {
		expect(data(parseAll(['data: {"a":1}\ndata: {"a":2}\ndata: [DONE]\n\n']))).toEqual(['{"a":1}\n{"a":2}\n[DONE]']);
	});
});

describe('readSseStream', () => {
	it('yields events as the body streams in', async () => {
		const body = Readable.from([Buffer.from('data: 1\n'), Buffer.from('\ndata: 2\n\n'), Buffer.from('data: 3')]);
		const seen: string[] = [];
		for await (const event of readSseStream(body)) seen.push(event.data);
		expect(seen).toEqual(['1', '2', '3']);
	});

	it('fails with reason "idle" when the body goes silent', async () => {
		async function* stalled() {
			yield Buffer.from('data: 1\n\n');
			await new Promise((resolve) => setTimeout(resolve, 30_000).unref());
			yield Buffer.from('data: 2\n\n');
		}
		const seen: string[] = [];
		const started = Date.now();
		await expect(
			(async () => {
				for await (const event of readSseStream(stalled(), { idleTimeoutMs: 100 })) seen.push(event.data);
			})(),
		).rejects.toMatchObject({ name: 'SseReadError', reason: 'idle' });
		expect(seen).toEqual(['1']);
		// silent for 30 s: only the 100 ms idle limit ends it this early (generous for a busy machine)
		expect(Date.now() - started).toBeLessThan(10_000);
	});

	it('fails with reason "deadline" past the deadline even while data keeps coming', async () => {
		async function* trickle() {
			for (let i = 0; i < 100; i++) {
				await new Promise((resolve) => setTimeout(resolve, 20));
				yield Buffer.from(`data: ${i}\n\n`);
			}
		}
		const error = await (async () => {
			try {
				for await (const event of readSseStream(trickle(), { idleTimeoutMs: 1000, deadline: Date.now() + 150 })) void event;
			} catch (e) {
				return e as SseReadError;
			}
			return undefined;
		})();
		expect(error).toBeInstanceOf(SseReadError);
		expect(error?.reason).toBe('deadline');
	});

	it('stops at once when the signal fires', async () => {
		async function* forever() {
			yield Buffer.from('data: 1\n\n');
			await new Promise((resolve) => setTimeout(resolve, 30_000).unref());
		}
		const controller = new AbortController();
		setTimeout(() => controller.abort(), 50);
		const started = Date.now();
		await expect(
			(async () => {
				for await (const event of readSseStream(forever(), { signal: controller.signal })) void event;
			})(),
		).rejects.toMatchObject({ reason: 'cancelled' });
		// the body would stay silent for 30 s: only the signal ends it this early (generous)
		expect(Date.now() - started).toBeLessThan(10_000);
	});
});
