/**
 * Checks shared by the AI Agent examples (examples-config.ts): what the emulator's scripted chat
 * model was sent (the tools n8n built from this package's nodes, with their JSON schemas), the
 * tool calls it made, what each tool returned to it, and the agent's final answer.
 */
import type { IDataObject } from 'n8n-workflow';

import type { CompletionRecord, OfferedTool } from '../emulator/providers/openai';
import { openAiState } from '../emulator/providers/openai';
import type { ExampleRun, ExampleSessionLike } from './exampleRunner';

export interface AgentRun {
	/** Every chat-completions request of this run, in order. */
	completions: CompletionRecord[];
	/** The tools n8n offered in the first request. */
	tools: OfferedTool[];
	/** The tool calls the model made, in order. */
	calls: Array<{ name: string; args: Record<string, unknown> }>;
	/** The agent's final answer (its output item). */
	answer: string;
	/** The first JSON item a tool node returned to the agent (its last run). */
	toolOutput(nodeName: string): IDataObject;
}

/** Long runs of base64 characters: file contents that should never reach a model. */
const BASE64_RUN = /[A-Za-z0-9+/]{200,}={0,2}/;

export function agentRun(run: ExampleRun, session: Pick<ExampleSessionLike, 'emulator'>, script: string): AgentRun {
	const completions = openAiState(session.emulator).completions.filter((record) => record.script === script);
	expect(completions.length).toBeGreaterThanOrEqual(2);
	// a non-streamed /v1/chat/completions model, with tools offered every time
	for (const completion of completions) {
		expect({ model: completion.model, stream: completion.stream }).toEqual({ model: 'gpt-5-mini', stream: false });
		expect(completion.tools.length).toBeGreaterThan(0);
	}
	const calls = completions.flatMap((completion) => ('toolCalls' in completion.turn ? completion.turn.toolCalls : []));
	const answer = String(run.json('AI Agent')[0]?.output ?? '');
	const last = completions.at(-1)!.turn;
	expect('content' in last ? last.content : last).toBe(answer);

	const toolOutput = (nodeName: string): IDataObject => {
		const task = run.runData[nodeName]?.at(-1);
		const item = task?.data?.ai_tool?.[0]?.[0];
		if (!item) throw new Error(`${nodeName}: no tool output in the run (ran: ${Object.keys(run.runData).join(', ')})`);
		return item.json;
	};

	// what went back to the model: JSON the tools returned, no file contents, no key of any service
	const { keys } = session.emulator;
	for (const completion of completions) {
		const sent = JSON.stringify(completion.messages);
		expect(sent).not.toMatch(BASE64_RUN);
		for (const key of Object.values(keys)) if (key) expect(sent).not.toContain(key);
	}
	for (const key of Object.values(keys)) if (key) expect(answer).not.toContain(key);
	return { completions, tools: completions[0].tools, calls, answer, toolOutput };
}

/**
 * The tools n8n offered, as the model saw them: exactly these names, each with its description
 * (n8n's automatic "<action> in <node>", from the operation's action text) and exactly these
 * arguments, all required and each described. The same set in every request.
 */
export function expectToolSchemas(agent: AgentRun, expected: Record<string, { description: string; args: string[] }>) {
	const summary = (tools: OfferedTool[]) =>
		Object.fromEntries(
			tools.map((tool) => {
				const properties = tool.parameters.properties ?? {};
				return [
					tool.name,
					{
						description: tool.description,
						args: Object.keys(properties).sort(),
						required: [...(tool.parameters.required ?? [])].sort(),
						described: Object.entries(properties)
							.filter(([, schema]) => typeof schema.description === 'string' && schema.description.trim().length >= 10)
							.map(([key]) => key)
							.sort(),
					},
				];
			}),
		);
	const wanted = Object.fromEntries(
		Object.entries(expected).map(([name, { description, args }]) => [
			name,
			{ description, args: [...args].sort(), required: [...args].sort(), described: [...args].sort() },
		]),
	);
	expect(summary(agent.tools)).toEqual(wanted);
	for (const completion of agent.completions) expect(summary(completion.tools)).toEqual(wanted);
}
