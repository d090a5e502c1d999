/**
 * Helpers for the AvatarTalk video/stream integration tests: the emulator, one-node workflows
 * run through the harness, and readers for binary outputs and the request log.
 */
import type { IBinaryData, INodeExecutionData, INodeParameters } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import type { RunOptions, RunResult, WorkflowJson } from '../../harness';
import { runWorkflow } from '../../harness';
import type { Emulator } from '../../emulator/server';
import { startEmulator } from '../../emulator/server';

export const TRIGGER = 'When clicking ‘Execute workflow’';
export const NODE = 'AvatarTalk';

/** Fast emulator defaults for tests. */
export async function startAvatarTalkEmulator(settings: Record<string, unknown> = {}): Promise<Emulator> {
	return await startEmulator({
		settings: { avatarTalkLatencyMs: 5, avatarTalkChunkDelayMs: 1, avatarTalkFragmentIntervalMs: 2, ...settings },
	});
}

export function credentialsFor(emulator: Emulator, apiKey = emulator.keys.avatarTalk) {
	return { avatarTalkApi: { apiKey, baseUrl: emulator.urls.avatarTalk } };
}

export function avatarTalkWorkflow(parameters: INodeParameters, extras: { onError?: 'continueRegularOutput' } = {}): WorkflowJson {
	return {
		nodes: [
			{ id: 't', name: TRIGGER, type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 'a',
				name: NODE,
				type: 'n8n-nodes-talking-avatars.avatarTalk',
				typeVersion: 1,
				position: [220, 0],
				parameters,
				credentials: { avatarTalkApi: { id: 'cred-avatartalk', name: 'AvatarTalk account' } },
				...(extras.onError ? { onError: extras.onError } : {}),
			},
		],
		connections: { [TRIGGER]: { main: [[{ node: NODE, type: NodeConnectionTypes.Main, index: 0 }]] } },
	};
}

export async function runAvatarTalk(
	emulator: Emulator,
	parameters: INodeParameters,
	options: Partial<RunOptions> & { items?: INodeExecutionData[]; onError?: 'continueRegularOutput'; apiKey?: string } = {},
): Promise<RunResult> {
	const { items, onError, apiKey, ...rest } = options;
	return await runWorkflow(avatarTalkWorkflow(parameters, { onError }), {
		credentials: credentialsFor(emulator, apiKey),
		inputItems: items,
		...rest,
	});
}

export function items(count: number, make: (i: number) => Record<string, unknown> = (i) => ({ n: i })): INodeExecutionData[] {
	return Array.from({ length: count }, (_, i) => ({ json: make(i) as INodeExecutionData['json'] }));
}

/** The binary of the node's nth output item, with its bytes. */
export async function outputBinary(result: RunResult, index = 0, property = 'data'): Promise<{ meta: IBinaryData; bytes: Buffer }> {
	const item = result.items(NODE)[index];
	const meta = item?.binary?.[property];
	if (!meta) throw new Error(`output item ${index} has no binary "${property}" (has: ${Object.keys(item?.binary ?? {}).join(', ') || 'none'})`);
	return { meta, bytes: await result.readBinary(meta) };
}

/** JSON body of a logged request. */
export function bodyOf(entry: { body: string }): unknown {
	return entry.body ? JSON.parse(entry.body) : undefined;
}
