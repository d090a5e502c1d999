/**
 * Helpers for the AvatarTalk video/stream integration tests: the emulator, one-node workflows
 * run through the harness, and readers for binary outputs and the request log.
 */
import type { INodeTypeDescription, IBinaryData, IDataObject, IExecuteFunctions, INodeExecutionData, INodeType } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import type { RunResult } from '../../../harness';
import type { Emulator } from '../../../emulator/server';
import { startEmulator } from '../../../emulator/server';
import type { EmulatorSetup } from '../../../helpers/emulatorSetup';
import { useEmulator } from '../../../helpers/emulatorSetup';
import { readWriteFileStandIn } from '../../../helpers/workflows';
import { NODE } from '../helpers';

export { NODE, TRIGGER, avatarTalkWorkflow, credentialsFor, expectApiErrorWithoutOutput, runAvatarTalk } from '../helpers';

/** Fast emulator defaults for tests. */
export async function startAvatarTalkEmulator(settings: Record<string, unknown> = {}): Promise<Emulator> {
	return await startEmulator({
		settings: { avatarTalkLatencyMs: 5, avatarTalkChunkDelayMs: 1, avatarTalkFragmentIntervalMs: 2, ...settings },
	});
}

/** The shared emulator set-up (test/helpers/emulatorSetup.ts) with the fast AvatarTalk defaults. */
export function useAvatarTalkEmulator(use: (emulator: Emulator) => void, options: EmulatorSetup = {}): void {
	useEmulator(startAvatarTalkEmulator, use, options);
}

/**
 * A hand-made client (not the node) on the emulator's /ws/continuous with this avatar in the
 * query, once open: what it was sent (JSON messages, in order) and its close code when it closes.
 */
export async function openContinuousSocket(emulator: Emulator, avatar: string) {
	const ws = new WebSocket(`${emulator.app('avatarTalk').wsUrl}/ws/continuous?avatar=${avatar}`, {
		headers: { Authorization: `Bearer ${emulator.keys.avatarTalk}` },
	} as unknown as string[]);
	const messages: Array<{ type: string; data: { message?: string } }> = [];
	const closed = new Promise<number>((resolve) => ws.addEventListener('close', (e) => resolve(e.code)));
	ws.addEventListener('message', (e) => {
		if (typeof e.data === 'string') messages.push(JSON.parse(e.data));
	});
	await new Promise((resolve) => ws.addEventListener('open', resolve));
	return { ws, messages, closed };
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

/**
 * Harness stand-ins for the core nodes the AvatarTalk examples use (real n8n runs the real
 * ones in the e2e suite): Read/Write Files (write, the shared stand-in of test/helpers/workflows.ts),
 * Edit Fields (Set, manual assignments) and Split Out, each doing just what the examples need, as
 * the real node does it.
 */
export function exampleStandIns(outDir: string): Record<string, INodeType> {
	const base = (name: string, version: number[]) => ({
		displayName: `${name} (test stand-in)`,
		name,
		group: ['transform'] as INodeTypeDescription['group'],
		version,
		description: 'Harness stand-in',
		defaults: { name },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true as const,
	});
	const set: INodeType = {
		description: {
			...base('set', [3.3, 3.4]),
			properties: [
				{ displayName: 'Mode', name: 'mode', type: 'options', options: [{ name: 'Manual Mapping', value: 'manual' }], default: 'manual' },
				{ displayName: 'Fields to Set', name: 'assignments', type: 'assignmentCollection', default: {} },
				{ displayName: 'Options', name: 'options', type: 'collection', default: {}, options: [] },
			],
		},
		async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
			return [
				this.getInputData().map((item, i) => {
					const assignments = this.getNodeParameter('assignments.assignments', i, []) as Array<{ name: string; value: unknown }>;
					const json: IDataObject = { ...item.json };
					for (const a of assignments) json[a.name] = a.value as IDataObject[keyof IDataObject];
					return { json, pairedItem: { item: i } };
				}),
			];
		},
	};
	const splitOut: INodeType = {
		description: {
			...base('splitOut', [1]),
			properties: [
				{ displayName: 'Fields To Split Out', name: 'fieldToSplitOut', type: 'string', default: '' },
				{ displayName: 'Include', name: 'include', type: 'options', options: [{ name: 'No Other Fields', value: 'noOtherFields' }], default: 'noOtherFields' },
				{ displayName: 'Options', name: 'options', type: 'collection', default: {}, options: [] },
			],
		},
		async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
			const out: INodeExecutionData[] = [];
			this.getInputData().forEach((item, i) => {
				const field = this.getNodeParameter('fieldToSplitOut', i) as string;
				for (const element of (item.json[field] as unknown[]) ?? []) {
					out.push({ json: { [field]: element as IDataObject[keyof IDataObject] }, pairedItem: { item: i } });
				}
			});
			return [out];
		},
	};
	return {
		'n8n-nodes-base.readWriteFile': readWriteFileStandIn(outDir),
		'n8n-nodes-base.set': set,
		'n8n-nodes-base.splitOut': splitOut,
	};
}
