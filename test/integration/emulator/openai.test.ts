import type { ModelScript } from '../../emulator/providers/openai';
import { openAiState } from '../../emulator/providers/openai';
import type { Emulator } from '../../emulator/server';
import { startEmulator } from '../../emulator/server';
import { useEmulator } from '../../helpers/emulatorSetup';

/**
 * The emulator's OpenAI-compatible chat model (test/emulator/providers/openai.ts) on the wire:
 * what the real-n8n agent tests (test/e2e/agents.test.ts, the agent examples) do not reach —
 * streamed answers, wrong keys, malformed requests, a conversation no script knows.
 */
let emu: Emulator;
const tools = [
	{
		type: 'function',
		function: {
			name: 'Make_Video',
			description: 'Generate a talking avatar video from text in AvatarTalk',
			parameters: { type: 'object', properties: { text: { type: 'string', description: 'What the avatar says' } }, required: ['text'] },
		},
	},
];

useEmulator(startEmulator, (e) => (emu = e));

async function chat(body: unknown, key = emu.keys.openAi) {
	return await fetch(`${emu.urls.openAi}/chat/completions`, {
		method: 'POST',
		headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});
}

it('lists models, and refuses a wrong key with OpenAI\'s error body', async () => {
	const models = await fetch(`${emu.urls.openAi}/models`, { headers: { authorization: `Bearer ${emu.keys.openAi}` } });
	expect(models.status).toBe(200);
	expect(((await models.json()) as { data: Array<{ id: string }> }).data.map((m) => m.id)).toContain('gpt-5-mini');
	const refused = await chat({ model: 'gpt-5-mini', messages: [] }, 'sk-wrong');
	expect(refused.status).toBe(401);
	expect(await refused.json()).toEqual({ error: expect.objectContaining({ code: 'invalid_api_key', type: 'invalid_request_error' }) });
	const malformed = await chat({ model: 'gpt-5-mini' });
	expect(malformed.status).toBe(400);
});

it('answers with a tool call, then with the answer built from the tool result', async () => {
	const prompt = 'Make a video that says "Hi there" and give me its link';
	const first = await chat({ model: 'gpt-5-mini', messages: [{ role: 'user', content: prompt }], tools });
	const firstBody = (await first.json()) as { choices: Array<{ finish_reason: string; message: { tool_calls: Array<{ id: string; function: { name: string; arguments: string } }> } }> };
	expect(firstBody.choices[0].finish_reason).toBe('tool_calls');
	const [call] = firstBody.choices[0].message.tool_calls;
	expect(call.function).toEqual({ name: 'Make_Video', arguments: JSON.stringify({ text: 'Hi there' }) });

	const second = await chat({
		model: 'gpt-5-mini',
		tools,
		messages: [
			{ role: 'user', content: prompt },
			{ role: 'assistant', content: null, tool_calls: [{ id: call.id, type: 'function', function: call.function }] },
			{ role: 'tool', tool_call_id: call.id, content: JSON.stringify([{ id: 'v1', status: 'completed', mp4_url: 'http://example.test/v1.mp4' }]) },
		],
	});
	const secondBody = (await second.json()) as { choices: Array<{ finish_reason: string; message: { content: string } }> };
	expect(secondBody.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: expect.stringContaining('http://example.test/v1.mp4') } });
	// every request recorded with the tools it offered
	expect(openAiState(emu).completions.slice(-2).map((c) => c.tools[0].parameters.required)).toEqual([['text'], ['text']]);
});

it('streams the same turn as server-sent events when asked to', async () => {
	const response = await chat({ model: 'gpt-5-mini', stream: true, messages: [{ role: 'user', content: 'Make a video that says "Streamed"' }], tools });
	expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
	const events = (await response.text()).split('\n\n').filter(Boolean);
	expect(events.at(-1)).toBe('data: [DONE]');
	const chunks = events.slice(0, -1).map((event) => JSON.parse(event.replace(/^data: /, '')) as { choices: Array<{ delta: Record<string, unknown>; finish_reason: string | null }> });
	expect(chunks.at(-1)!.choices[0].finish_reason).toBe('tool_calls');
	const call = chunks.flatMap((chunk) => (chunk.choices[0].delta.tool_calls as Array<{ function: { arguments: string } }>) ?? [])[0];
	expect(JSON.parse(call.function.arguments)).toEqual({ text: 'Streamed' });
});

it('says so when no script knows the conversation, and when a tool lacks what the script needs', async () => {
	const unknown = await chat({ model: 'gpt-5-mini', messages: [{ role: 'user', content: 'Hello' }] });
	expect(((await unknown.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content).toMatch(/no script/);

	const noText = [{ ...tools[0], function: { ...tools[0].function, parameters: { type: 'object', properties: { words: { type: 'string' } }, required: ['words'] } } }];
	const stuck = await chat({ model: 'gpt-5-mini', messages: [{ role: 'user', content: 'Make a video that says "x"' }], tools: noText });
	expect(((await stuck.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content).toMatch(/asks for "words"/);

	// a test's own script comes first
	const mine: ModelScript = { name: 'mine', matches: (c) => c.prompt === 'ping', next: () => ({ content: 'pong' }) };
	openAiState(emu).scripts.unshift(mine);
	const pong = await chat({ model: 'gpt-5-mini', messages: [{ role: 'user', content: 'ping' }] });
	expect(((await pong.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content).toBe('pong');
});
