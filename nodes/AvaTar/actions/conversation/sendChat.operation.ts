import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { asNodeError, cancelledError, providerApiError } from '../../../shared/errors';
import type { OperationContext, OperationResult } from '../../../shared/router';
import { SseReadError, readSseStream } from '../../sse';
import type { InputValidator } from '../../../shared/validation';
import { avaTar } from '../../transport';
import { readSessionId, sessionIdField } from '../common';
import { optionsCollection } from '../../../shared/fields';

export const ROLES = ['system', 'user', 'assistant'] as const;

export const description: INodeProperties[] = [
	sessionIdField,
	{
		displayName: 'Message Input',
		name: 'messageInput',
		type: 'options',
		options: [
			{ name: 'Single User Message', value: 'text', description: 'One message from the user' },
			{
				name: 'Messages (JSON)',
				value: 'json',
				description: 'A whole conversation: a list of {"role", "content"} (system, user, assistant)',
			},
		],
		default: 'text',
	},
	{
		displayName: 'Message',
		name: 'message',
		type: 'string',
		typeOptions: { rows: 2 },
		required: true,
		default: '',
		placeholder: 'e.g. Hello, how are you today?',
		description: 'What the user says to the avatar; the avatar answers with AI',
		displayOptions: { show: { messageInput: ['text'] } },
	},
	{
		displayName: 'Messages',
		name: 'messages',
		type: 'json',
		required: true,
		default: '[\n  { "role": "system", "content": "You are a friendly assistant." },\n  { "role": "user", "content": "Hello, how are you today?" }\n]',
		description: 'The conversation as a JSON list of {"role": "system" | "user" | "assistant", "content": "..."}',
		displayOptions: { show: { messageInput: ['json'] } },
	},
	{
		displayName: 'Stream Reply',
		name: 'stream',
		type: 'boolean',
		default: true,
		description:
			'Whether to ask for a streamed reply (server-sent events). The node reads the stream to the end either way and returns the full reply; with streaming it also lists the pieces ("deltas") as they came.',
	},
	optionsCollection([
			{
				displayName: 'Max Reply Time (Seconds)',
				name: 'maxReplySeconds',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 300,
				description: 'Longest time to read a streamed reply before the item fails (a pause longer than the Request Settings timeout fails it too)',
			},
			{
				displayName: 'Model',
				name: 'model',
				type: 'string',
				default: '',
				placeholder: 'gpt-4',
				description: "The language model to answer with. Leave empty for the server's configured model.",
			},
		]),
];

/** A JSON list of {role, content}, from a JSON string or an already-parsed value. */
export function readMessages(v: InputValidator, raw: unknown): Array<{ role: string; content: string }> {
	const field = 'Messages';
	let value = raw;
	if (typeof value === 'string') {
		if (value.trim() === '') v.fail(field, 'is required', 'a JSON list such as [{"role": "user", "content": "Hello"}]');
		try {
			value = JSON.parse(value);
		} catch (error) {
			v.fail(field, `is not valid JSON (${(error as Error).message})`, 'a JSON list such as [{"role": "user", "content": "Hello"}]');
		}
	}
	if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
		// one message on its own, or {"messages": [...]} as an API body would hold it
		const o = value as IDataObject;
		value = Array.isArray(o.messages) ? o.messages : [o];
	}
	if (!Array.isArray(value) || value.length === 0) {
		v.fail(field, Array.isArray(value) ? 'is an empty list' : 'must be a JSON list of messages', 'a JSON list such as [{"role": "user", "content": "Hello"}]');
	}
	return value.map((entry, index) => {
		const where = `message ${index + 1}`;
		if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
			v.fail(field, `${where} is not an object`, '{"role": "user", "content": "..."}');
		}
		const e = entry as IDataObject;
		if (!(ROLES as readonly string[]).includes(String(e.role ?? ''))) {
			v.fail(field, e.role === undefined ? `${where} has no "role"` : `${where} has the role "${String(e.role)}"`, `role: ${ROLES.join(', ')}`);
		}
		if (typeof e.content !== 'string' || e.content.trim() === '') {
			v.fail(field, `${where} has no text in "content"`, 'content: non-empty text');
		}
		return { role: e.role as string, content: e.content };
	});
}

/** Choices[0] text of one completion chunk (`delta.content`, or `message.content` from servers that send whole messages). */
function chunkText(chunk: IDataObject): string | undefined {
	const choice = Array.isArray(chunk.choices) ? (chunk.choices[0] as IDataObject | undefined) : undefined;
	const delta = choice?.delta as IDataObject | undefined;
	const message = choice?.message as IDataObject | undefined;
	const text = delta?.content ?? message?.content;
	return typeof text === 'string' ? text : undefined;
}

function finishReason(chunk: IDataObject): string | undefined {
	const choice = Array.isArray(chunk.choices) ? (chunk.choices[0] as IDataObject | undefined) : undefined;
	return typeof choice?.finish_reason === 'string' ? choice.finish_reason : undefined;
}

/**
 * The JSON values in one event's data. Normally one; but the API document shows its stream as
 * consecutive `data:` lines without blank lines between them, which SSE joins into one event
 * ("{...}\n{...}"). When the joined text is not JSON, each line is read on its own instead.
 */
function eventPayloads(data: string): Array<IDataObject | 'DONE'> | undefined {
	const one = (text: string): IDataObject | 'DONE' | undefined => {
		const t = text.trim();
		if (t === '[DONE]') return 'DONE';
		try {
			const parsed = JSON.parse(t) as unknown;
			return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as IDataObject) : undefined;
		} catch {
			return undefined;
		}
	};
	const whole = one(data);
	if (whole) return [whole];
	const lines = data.split('\n').filter((l) => l.trim() !== '');
	const parts = lines.map(one);
	return lines.length > 1 && parts.every((p) => p !== undefined) ? (parts as Array<IDataObject | 'DONE'>) : undefined;
}

interface Input {
	sessionId: string;
	body: IDataObject;
	stream: boolean;
	model: string;
	maxReplyMs: number;
}

export function parse(this: IExecuteFunctions, itemIndex: number, v: InputValidator): Input {
	const sessionId = readSessionId(this, v, itemIndex);
	const input = v.oneOf('Message Input', this.getNodeParameter('messageInput', itemIndex, 'text'), ['text', 'json'] as const);
	const messages =
		input === 'text'
			? [{ role: 'user', content: v.text('Message', this.getNodeParameter('message', itemIndex, '')) }]
			: readMessages(v, this.getNodeParameter('messages', itemIndex, ''));
	const stream = this.getNodeParameter('stream', itemIndex, true) as boolean;
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const model = String(options.model ?? '').trim();
	const maxReplyMs = v.number('Options > Max Reply Time (Seconds)', options.maxReplySeconds ?? 300, { min: 1 }) * 1000;
	const body: IDataObject = { session_id: sessionId, messages, stream };
	if (model) body.model = model;
	return { sessionId, body, stream, model, maxReplyMs };
}

/** POST /v1/chat.completions: the avatar answers (and says) an AI reply. */
export async function execute(this: IExecuteFunctions, op: OperationContext<Input>): Promise<OperationResult> {
	const node = this.getNode();
	const { sessionId, body, stream, model, maxReplyMs } = op.input;

	if (!stream) {
		const response = await op.request<IDataObject>(avaTar, { method: 'POST', url: '/v1/chat.completions', body });
		return { json: { session_id: sessionId, reply: chunkText(response.body) ?? '', ...response.body } };
	}

	const deadline = Date.now() + maxReplyMs;
	const response = await op.request<AsyncIterable<Buffer> & { destroy?: () => void }>(avaTar, {
		method: 'POST',
		url: '/v1/chat.completions',
		body,
		headers: { Accept: 'text/event-stream' },
		responseType: 'stream',
		deadline,
	});
	const contentType = String(response.headers['content-type'] ?? '');
	const deltas: string[] = [];
	let done = false;
	let finish: string | undefined;
	let events = 0;
	const fail = (message: string, code?: string) =>
		providerApiError(node, {
			provider: avaTar.name,
			failure: { message, code },
			itemIndex: op.itemIndex,
		});

	try {
		if (/application\/json/i.test(contentType)) {
			// A server that ignores "stream": a whole completion as JSON.
			const chunks: Buffer[] = [];
			for await (const chunk of response.body) chunks.push(Buffer.from(chunk));
			const completion = JSON.parse(Buffer.concat(chunks).toString('utf8')) as IDataObject;
			const text = chunkText(completion) ?? '';
			return { json: { session_id: sessionId, reply: text, deltas: text ? [text] : [], done: true, streamed: false, ...(model ? { model } : {}) } };
		}
		reading: for await (const event of readSseStream(response.body, { idleTimeoutMs: op.limits.timeoutMs, deadline, signal: op.signal })) {
			events++;
			const payloads = eventPayloads(event.data);
			if (!payloads) throw fail(`The reply stream sent an event that is not JSON: ${event.data.slice(0, 200)}`);
			for (const payload of payloads) {
				if (payload === 'DONE') {
					done = true;
					break reading;
				}
				const failure = avaTar.parseError(payload);
				if (payload.error !== undefined && failure) throw fail(failure.message, failure.code);
				const text = chunkText(payload);
				if (text) deltas.push(text);
				finish = finishReason(payload) ?? finish;
			}
		}
	} catch (error) {
		if (error instanceof SseReadError) {
			if (error.reason === 'cancelled') throw cancelledError(node, op.itemIndex);
			throw providerApiError(node, {
				provider: avaTar.name,
				fallback: `${error.message} while reading the chat reply (${deltas.length} pieces received); nothing partial was returned`,
				hint:
					error.reason === 'idle'
						? 'Raise "Timeout" under Request Settings if the model is slow to answer.'
						: 'Raise "Max Reply Time" under Options for long replies.',
				itemIndex: op.itemIndex,
			});
		}
		if (error instanceof NodeApiError || error instanceof NodeOperationError) throw asNodeError(node, error, op.itemIndex);
		if (op.signal.aborted) throw cancelledError(node, op.itemIndex);
		throw providerApiError(node, {
			provider: avaTar.name,
			fallback: `The chat reply could not be read to the end after ${deltas.length} pieces (${(error as Error).message})`,
			itemIndex: op.itemIndex,
		});
	} finally {
		response.body.destroy?.();
	}

	return {
		json: {
			session_id: sessionId,
			reply: deltas.join(''),
			deltas,
			// false when the stream ended without "data: [DONE]": the reply may be cut short
			done,
			...(finish ? { finish_reason: finish } : {}),
			...(model ? { model } : {}),
			events,
		},
	};
}
