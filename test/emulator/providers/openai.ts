/**
 * An OpenAI-compatible chat model, the one thing an n8n AI Agent needs besides its tools: the
 * `/v1/chat/completions` shape n8n's "OpenAI Chat Model" node talks to (through the `openai`
 * SDK, at the credential's Base URL), and `/v1/models` (the credential test and the model list).
 *
 * It is not a language model: it is scripted. Every request is matched against
 * `openAiState(emulator).scripts` (the first whose `matches()` is true); the script looks at the
 * conversation as the agent sent it (user prompt, the tools n8n offered with their JSON schemas,
 * the tool calls so far and their results) and returns the next turn: tool calls, or a final
 * answer. A model that reads tool descriptions and schemas: scripts pick tools by description
 * and must fill every required argument, so a tool n8n describes badly fails the script.
 * The default scripts (openaiScripts.ts) drive the agent examples; tests add their own in front.
 *
 * Every request is recorded (`openAiState(emulator).completions`) with the tools n8n sent, so
 * tests can check the schemas n8n produced.
 *
 * Reading of the API where the emulator has to choose (the OpenAI API reference):
 * - Non-streamed answers are one `chat.completion` object; `stream: true` gets
 *   `chat.completion.chunk` server-sent events ending with `data: [DONE]`, tool-call arguments
 *   in one chunk per call (the reference allows any split).
 * - Errors use OpenAI's `{ error: { message, type, param, code } }` body: 401
 *   `invalid_api_key` for a wrong key, 400 `invalid_request_error` for a malformed request.
 * - `/v1/responses` (the node's "Use Responses API" switch) is not provided: it answers 404, as
 *   many OpenAI-compatible servers do; the examples switch it off.
 */
import { randomUUID } from 'node:crypto';

import type { Emulator } from '../server';
import { perEmulator } from '../state';
import type { EmuRequest, EmuResponse } from '../types';
import { DEFAULT_SCRIPTS, ScriptError } from './openaiScripts';

export { ScriptError };

/** A tool as the agent offered it: name, description and the JSON schema of its arguments. */
export interface OfferedTool {
	name: string;
	description: string;
	parameters: {
		type?: string;
		properties?: Record<string, { type?: string | string[]; description?: string; [key: string]: unknown }>;
		required?: string[];
		[key: string]: unknown;
	};
}

export interface ToolCallRecord {
	id: string;
	name: string;
	args: Record<string, unknown>;
	/** The tool message's content, parsed when it is JSON (n8n sends a JSON array of items). */
	result?: unknown;
	/** The first item of the result (n8n's tools answer with an array of output items). */
	item?: Record<string, unknown>;
	/** The tool message's raw content; undefined while the call has no answer. */
	resultText?: string;
}

/** The conversation of one request, read from the OpenAI messages. */
export interface Conversation {
	model: string;
	system: string;
	/** The last user message. */
	prompt: string;
	tools: OfferedTool[];
	/** Tool calls the model made so far, in order, with their results. */
	calls: ToolCallRecord[];
}

export type ModelTurn = { toolCalls: Array<{ name: string; args: Record<string, unknown> }> } | { content: string };

export interface ModelScript {
	name: string;
	matches(conversation: Conversation): boolean;
	next(conversation: Conversation): ModelTurn;
}

export interface CompletionRecord {
	at: number;
	model: string;
	stream: boolean;
	messages: unknown[];
	tools: OfferedTool[];
	/** The script that answered, if any. */
	script?: string;
	turn: ModelTurn;
}

export interface OpenAiState {
	/** Tried in order; tests put their own first (`scripts.unshift(...)`). */
	scripts: ModelScript[];
	completions: CompletionRecord[];
}

export const openAiState = perEmulator<OpenAiState>(() => ({ scripts: [...DEFAULT_SCRIPTS], completions: [] }));

export const MODELS = ['gpt-5-mini', 'gpt-4o-mini', 'emulator-model'];

function openAiError(res: EmuResponse, status: number, message: string, type: string, code: string | null, param: string | null = null) {
	res.json(status, { error: { message, type, param, code } });
}

function text(content: unknown): string {
	if (typeof content === 'string') return content;
	if (Array.isArray(content)) {
		return content.map((part) => (part && typeof part === 'object' && 'text' in part ? String((part as { text: unknown }).text) : '')).join('');
	}
	return '';
}

function parseJson(value: string): unknown {
	try {
		return JSON.parse(value);
	} catch {
		return undefined;
	}
}

interface WireMessage {
	role?: string;
	content?: unknown;
	tool_calls?: Array<{ id?: string; function?: { name?: string; arguments?: string } }>;
	tool_call_id?: string;
}

interface WireTool {
	type?: string;
	function?: { name?: string; description?: string; parameters?: OfferedTool['parameters'] };
}

/** The conversation as a script sees it. */
export function readConversation(body: { model?: string; messages?: WireMessage[]; tools?: WireTool[] }): Conversation {
	const messages = body.messages ?? [];
	const calls: ToolCallRecord[] = [];
	let system = '';
	let prompt = '';
	for (const message of messages) {
		if (message.role === 'system' || message.role === 'developer') system += text(message.content);
		if (message.role === 'user') prompt = text(message.content);
		for (const call of message.tool_calls ?? []) {
			calls.push({
				id: String(call.id ?? ''),
				name: String(call.function?.name ?? ''),
				args: (parseJson(call.function?.arguments ?? '{}') as Record<string, unknown>) ?? {},
			});
		}
		if (message.role === 'tool') {
			const call = calls.find((c) => c.id === message.tool_call_id);
			if (call) {
				call.resultText = text(message.content);
				call.result = parseJson(call.resultText);
				const first = Array.isArray(call.result) ? call.result[0] : call.result;
				if (first && typeof first === 'object') call.item = first as Record<string, unknown>;
			}
		}
	}
	const tools = (body.tools ?? []).map((tool) => ({
		name: String(tool.function?.name ?? ''),
		description: String(tool.function?.description ?? ''),
		parameters: tool.function?.parameters ?? {},
	}));
	return { model: String(body.model ?? ''), system, prompt, tools, calls };
}

function usage() {
	return { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 };
}

function toolCallsWire(turn: ModelTurn) {
	if (!('toolCalls' in turn)) return undefined;
	return turn.toolCalls.map((call) => ({
		id: `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`,
		type: 'function' as const,
		function: { name: call.name, arguments: JSON.stringify(call.args) },
	}));
}

async function* sse(id: string, model: string, created: number, turn: ModelTurn): AsyncIterable<Buffer> {
	const chunk = (delta: unknown, finish: string | null) =>
		Buffer.from(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] })}\n\n`);
	yield chunk({ role: 'assistant', content: '' }, null);
	const calls = toolCallsWire(turn);
	if (calls) {
		for (const [index, call] of calls.entries()) yield chunk({ tool_calls: [{ index, ...call }] }, null);
		yield chunk({}, 'tool_calls');
	} else {
		yield chunk({ content: (turn as { content: string }).content }, null);
		yield chunk({}, 'stop');
	}
	yield Buffer.from('data: [DONE]\n\n');
}

export function register(emulator: Emulator): void {
	const app = emulator.app('openAi');
	const authorised = (req: EmuRequest, res: EmuResponse) => {
		if (req.bearer === emulator.keys.openAi) return true;
		openAiError(res, 401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
		return false;
	};

	app.route('GET', '/v1/models', (req, res) => {
		if (!authorised(req, res)) return;
		res.json(200, { object: 'list', data: MODELS.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'emulator' })) });
	});

	app.route('POST', '/v1/chat/completions', async (req, res) => {
		if (!authorised(req, res)) return;
		const body = req.body as { model?: string; messages?: WireMessage[]; tools?: WireTool[]; stream?: boolean } | undefined;
		if (req.bodyInvalid || !body || !Array.isArray(body.messages)) {
			return openAiError(res, 400, "'messages' is a required property", 'invalid_request_error', null, 'messages');
		}
		if (!body.model) return openAiError(res, 400, "'model' is a required property", 'invalid_request_error', null, 'model');
		const state = openAiState(emulator);
		const conversation = readConversation(body);
		const script = state.scripts.find((candidate) => candidate.matches(conversation));
		let turn: ModelTurn;
		try {
			turn = script
				? script.next(conversation)
				: { content: `The emulator's model has no script for this conversation (prompt: "${conversation.prompt.slice(0, 200)}").` };
		} catch (error) {
			// a ScriptError is the model's answer; anything else is a bug in a script: a 500, as a server would
			if (!(error instanceof ScriptError)) return openAiError(res, 500, `Emulator script error: ${(error as Error).message}`, 'server_error', null);
			turn = { content: `The emulator's model could not go on: ${error.message}` };
		}
		state.completions.push({
			at: Date.now(),
			model: body.model,
			stream: body.stream === true,
			messages: body.messages,
			tools: conversation.tools,
			script: script?.name,
			turn,
		});
		const id = `chatcmpl-${randomUUID()}`;
		const created = Math.floor(Date.now() / 1000);
		if (body.stream === true) {
			await res.stream(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }, sse(id, body.model, created, turn));
			return;
		}
		const calls = toolCallsWire(turn);
		res.json(200, {
			id,
			object: 'chat.completion',
			created,
			model: body.model,
			choices: [
				{
					index: 0,
					message: calls
						? { role: 'assistant', content: null, tool_calls: calls, refusal: null }
						: { role: 'assistant', content: (turn as { content: string }).content, refusal: null },
					finish_reason: calls ? 'tool_calls' : 'stop',
					logprobs: null,
				},
			],
			usage: usage(),
		});
	});
}
