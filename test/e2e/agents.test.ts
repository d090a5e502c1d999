/**
 * The action nodes as tools of n8n's AI Agent, in a real n8n against the emulator's scripted
 * chat model (test/emulator/providers/openai.ts). The agent examples themselves run in
 * examples.test.ts; this file checks what they cannot show:
 * - every operation of every action node becomes a tool n8n offers the model, described by its
 *   operation ("<action> in <node>", distinct for every operation), each argument described;
 * - a tool call that fails gives the model an error it can act on (the provider's message, its
 *   code and what to change), and the agent goes on to answer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { INode, INodeProperties, INodeType } from 'n8n-workflow';
import { nodeNameToToolName } from 'n8n-workflow';

import type { ModelScript } from '../emulator/providers/openai';
import { openAiState } from '../emulator/providers/openai';
import { toolFor } from '../emulator/providers/openaiScripts';
import { loadPackageTypes, PACKAGE_NAME } from '../harness';
import type { Example } from './exampleRunner';
import { ExamplesSession } from './exampleRunner';
import type { WorkflowFixture } from './n8nRunner';

jest.setTimeout(20 * 60_000);

const TRIGGER = 'When clicking ‘Execute workflow’';
const CREDENTIALS: Record<string, [string, string, string]> = {
	avatarTalk: ['avatarTalkApi', 'cred-avatartalk', 'AvatarTalk account'],
	multiTalk: ['multiTalkApi', 'cred-multitalk', 'MultiTalk account'],
	museTalk: ['museTalkApi', 'cred-musetalk', 'MuseTalk account'],
	liveTalking: ['liveTalkingApi', 'cred-livetalking', 'LiveTalking account'],
	avaTar: ['avaTarApi', 'cred-avatar', 'AvaTar account'],
};

interface ToolSpec {
	/** Node name in the workflow. */
	name: string;
	nodeType: string;
	parameters: INode['parameters'];
}

/** Manual Trigger -> AI Agent (OpenAI Chat Model on the emulator) with these tools. */
function agentWorkflow(id: string, prompt: string, tools: ToolSpec[]): Example {
	const nodes: INode[] = [
		{ id: 'trigger', name: TRIGGER, type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
		{
			id: 'agent',
			name: 'AI Agent',
			type: '@n8n/n8n-nodes-langchain.agent',
			typeVersion: 3.1,
			position: [240, 0],
			parameters: { promptType: 'define', text: prompt, options: {} },
		},
		{
			id: 'model',
			name: 'OpenAI Chat Model',
			type: '@n8n/n8n-nodes-langchain.lmChatOpenAi',
			typeVersion: 1.3,
			position: [120, 240],
			parameters: { model: { __rl: true, mode: 'list', value: 'gpt-5-mini' }, responsesApiEnabled: false, options: {} },
			credentials: { openAiApi: { id: 'cred-openai', name: 'OpenAI account (emulator)' } },
		},
	];
	const connections: WorkflowFixture['connections'] = {
		[TRIGGER]: { main: [[{ node: 'AI Agent', type: 'main', index: 0 }]] },
		'OpenAI Chat Model': { ai_languageModel: [[{ node: 'AI Agent', type: 'ai_languageModel', index: 0 }]] },
	};
	tools.forEach((tool, index) => {
		const [credentialType, credentialId, credentialName] = CREDENTIALS[tool.nodeType];
		nodes.push({
			id: `tool-${index}`,
			name: tool.name,
			type: `${PACKAGE_NAME}.${tool.nodeType}Tool`,
			typeVersion: 1,
			position: [240 + 40 * index, 240],
			parameters: tool.parameters,
			credentials: { [credentialType]: { id: credentialId, name: credentialName } },
		});
		connections[tool.name] = { ai_tool: [[{ node: 'AI Agent', type: 'ai_tool', index: 0 }]] };
	});
	const workflow: WorkflowFixture = { id, name: id, nodes, connections, settings: { executionOrder: 'v1' } };
	return { slug: id, file: `${id}.json`, workflow, kind: 'execute', startNode: nodes[0] };
}

/** The `$fromAI()` type for a field the editor lets the model fill. */
const FROM_AI_TYPES: Partial<Record<INodeProperties['type'], string>> = { string: 'string', number: 'number', boolean: 'boolean', json: 'json' };

/** Shown for the operation alone (no condition on another field). */
const alwaysShown = (field: INodeProperties) =>
	Object.keys(field.displayOptions?.show ?? {}).every((key) => key === 'resource' || key === 'operation') && !field.displayOptions?.hide;

interface CatalogEntry {
	tool: ToolSpec;
	/** n8n's automatic tool description: "<action> in <node>". */
	description: string;
	/** Required fields the model fills: $fromAI key -> the field's own description. */
	args: Record<string, string>;
}

/**
 * One tool node per operation of every action node, as a workflow builder would add them: the
 * operation chosen, the description left automatic, and every required field the editor lets
 * the model fill set to `$fromAI()` with the field's own description.
 */
function catalog(): CatalogEntry[] {
	const entries: CatalogEntry[] = [];
	for (const [typeName, type] of Object.entries(loadPackageTypes().nodes)) {
		const node = type as INodeType;
		const nodeType = typeName.slice(PACKAGE_NAME.length + 1);
		if (!node.description.usableAsTool) continue;
		const properties = node.description.properties;
		const resources = properties.find((p) => p.name === 'resource')!.options as Array<{ value: string; name: string }>;
		for (const resource of resources) {
			const operations = properties.find((p) => p.name === 'operation' && p.displayOptions?.show?.resource?.includes(resource.value))!
				.options as Array<{ value: string; name: string; action: string }>;
			for (const operation of operations) {
				const parameters: INode['parameters'] = { descriptionType: 'auto', resource: resource.value, operation: operation.value };
				const args: Record<string, string> = {};
				for (const field of properties) {
					const show = field.displayOptions?.show;
					if (!show?.resource?.includes(resource.value) || !show.operation?.includes(operation.value)) continue;
					const fromAiType = FROM_AI_TYPES[field.type];
					if (!field.required || !fromAiType || !alwaysShown(field)) continue;
					const description = String(field.description ?? '');
					parameters[field.name] = `={{ $fromAI('${field.name}', \`${description.replace(/[`\\]/g, '')}\`, '${fromAiType}') }}`;
					args[field.name] = description;
				}
				entries.push({
					tool: { name: `${node.description.defaults.name} ${resource.name} ${operation.name}`, nodeType, parameters },
					description: `${operation.action} in ${String(node.description.defaults.name)}`,
					args,
				});
			}
		}
	}
	return entries;
}

const entries = catalog();
const failing = agentWorkflow('ex-agents-tool-error', 'How is my MultiTalk job 00000000-0000-4000-8000-00000000dead doing?', [
	{
		name: 'Check Job',
		nodeType: 'multiTalk',
		parameters: {
			descriptionType: 'auto',
			resource: 'job',
			operation: 'get',
			jobId: "={{ $fromAI('job_id', `The job_id returned when the job was submitted`, 'string') }}",
		},
	},
]);
/** The same agent, its tool node set to stop the workflow on error. */
const stopping = agentWorkflow('ex-agents-tool-error-stops', 'Stop if my MultiTalk job 00000000-0000-4000-8000-00000000dead is unknown', failing.workflow.nodes.filter((node) => node.name === 'Check Job').map((node) => ({ name: node.name, nodeType: 'multiTalk', parameters: node.parameters })));
stopping.workflow.nodes.find((node) => node.name === 'Check Job')!.onError = 'stopWorkflow';
const everything = agentWorkflow(
	'ex-agents-catalog',
	'Which tools do you have?',
	entries.map((entry) => entry.tool),
);

let session: ExamplesSession;
let outputRoot: string;

beforeAll(async () => {
	outputRoot = mkdtempSync(path.join(tmpdir(), 'ta-agents-'));
	session = await ExamplesSession.open({ examples: [everything, failing, stopping], outputRoot });
});

afterAll(async () => {
	await session?.close();
	if (outputRoot) rmSync(outputRoot, { recursive: true, force: true });
});

it('offers every operation of every action node to the model as a tool, each described by its operation', async () => {
	expect(entries.length).toBeGreaterThanOrEqual(40);
	for (const node of ['AvatarTalk', 'MultiTalk', 'MuseTalk', 'LiveTalking', 'AvaTar']) {
		expect(entries.some((entry) => entry.tool.name.startsWith(`${node} `))).toBe(true);
	}
	const catalogScript: ModelScript = {
		name: 'catalog',
		matches: (c) => c.prompt === 'Which tools do you have?',
		next: (c) => ({ content: `I have ${c.tools.length} tools.` }),
	};
	openAiState(session.emulator).scripts.unshift(catalogScript);
	const run = await session.run(everything);
	expect({ status: run.status, error: run.error }).toEqual({ status: 'success', error: undefined });
	const [completion] = openAiState(session.emulator).completions.filter((record) => record.script === 'catalog');
	expect(run.json('AI Agent')[0].output).toBe(`I have ${entries.length} tools.`);

	const offered = new Map(completion.tools.map((tool) => [tool.name, tool]));
	const seen = entries.map((entry) => {
		const tool = offered.get(nodeNameToToolName(entry.tool.name));
		const properties = tool?.parameters.properties ?? {};
		return {
			tool: entry.tool.name,
			description: tool?.description,
			args: Object.fromEntries(Object.entries(properties).map(([key, schema]) => [key, schema.description])),
			required: [...(tool?.parameters.required ?? [])].sort(),
		};
	});
	expect(seen).toEqual(
		entries.map((entry) => ({ tool: entry.tool.name, description: entry.description, args: entry.args, required: Object.keys(entry.args).sort() })),
	);
	// a model tells the operations apart: no two share a description; every argument is described
	expect(new Set(seen.map((tool) => tool.description)).size).toBe(entries.length);
	for (const entry of entries) {
		for (const [field, description] of Object.entries(entry.args)) expect({ tool: entry.tool.name, field, description }).toEqual({ tool: entry.tool.name, field, description: expect.stringMatching(/\w{3,}.{10,}/) });
	}
});

it('gives the model the error of a failed tool call, with what to change, and the agent answers', async () => {
	const jobId = '00000000-0000-4000-8000-00000000dead';
	const errorScript: ModelScript = {
		name: 'tool-error',
		matches: (c) => c.prompt.startsWith('How is my MultiTalk job'),
		next(c) {
			const check = toolFor(c, /get a job in multitalk/i);
			const done = c.calls.find((call) => call.name === check.name);
			if (!done) return { toolCalls: [{ name: check.name, args: { job_id: jobId } }] };
			return { content: `The check failed: ${done.resultText}` };
		},
	};
	openAiState(session.emulator).scripts.unshift(errorScript);
	const run = await session.run(failing);
	expect({ status: run.status, error: run.error }).toEqual({ status: 'success', error: undefined });
	const [request] = session.emulator.requests({ service: 'multiTalk', method: 'GET', path: `/api/v1/jobs/${jobId}` });
	expect(request.status).toBe(404);

	// the tool's result as the model read it: one item with the provider's message, code and a hint
	const completions = openAiState(session.emulator).completions.filter((record) => record.script === 'tool-error');
	expect(completions).toHaveLength(2);
	const toolMessage = (completions[1].messages as Array<{ role: string; content: string }>).find((message) => message.role === 'tool');
	const result = JSON.parse(toolMessage!.content) as Array<Record<string, unknown>>;
	expect(result).toEqual([
		expect.objectContaining({
			error: expect.stringMatching(/^MultiTalk: .+/),
			description: expect.stringContaining(jobId),
			httpCode: '404',
		}),
	]);
	expect(toolMessage!.content).not.toContain(session.emulator.keys.multiTalk);
	expect(run.json('AI Agent')[0].output).toContain(String(result[0].error));
});

it('stops the run on a failed tool call when the tool node is set to Stop Workflow on error', async () => {
	const stopScript: ModelScript = {
		name: 'tool-error-stops',
		matches: (c) => c.prompt.startsWith('Stop if my MultiTalk job'),
		next(c) {
			const check = toolFor(c, /get a job in multitalk/i);
			if (!c.calls.length) return { toolCalls: [{ name: check.name, args: { job_id: '00000000-0000-4000-8000-00000000dead' } }] };
			return { content: 'The model went on, which it must not.' };
		},
	};
	openAiState(session.emulator).scripts.unshift(stopScript);
	const run = await session.run(stopping);
	expect(run.status).toBe('error');
	expect(run.error).toMatch(/^Check Job: MultiTalk: .+/);
	expect(openAiState(session.emulator).completions.filter((record) => record.script === 'tool-error-stops')).toHaveLength(1);
});
