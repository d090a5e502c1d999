/**
 * Runs one reliability case in its own emulator (so cases can run side by side), and keeps
 * everything the assertions need: the outcome, the time it took, the requests the faulted route
 * received, and the bytes of every binary output.
 */
import type { IBinaryData, IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import type { Emulator } from '../emulator/server';
import type { EmulatorKeys, FaultRule, LoggedRequest, ServiceName } from '../emulator/types';
import type { RunError, RunResult } from '../harness';
import type { NodeKey } from './nodes';
import { NODE, fastEmulator, runNode } from './nodes';

export interface OutputItem {
	json: IDataObject;
	pairedItem: INodeExecutionData['pairedItem'];
	binaries: Record<string, { mimeType: string; fileName?: string; bytes: Buffer }>;
}

export interface CaseOutcome {
	status: RunResult['status'];
	error?: Pick<RunError, 'name' | 'message' | 'description' | 'httpCode' | 'itemIndex' | 'stored'> & { error: unknown };
	items: OutputItem[];
	elapsedMs: number;
	/** Requests of the faulted route, in order. */
	requests: LoggedRequest[];
	/** Every request of the run, all services. */
	allRequests: LoggedRequest[];
	inputItems: INodeExecutionData[];
}

export interface CaseSpec {
	node: NodeKey;
	params: INodeParameters;
	items?: (emulator: Emulator, n: number) => Promise<INodeExecutionData[]>;
	itemCount?: number;
	/** Faults to add once the setup is done (they see only the node's own requests). */
	faults?: (items: INodeExecutionData[], emulator: Emulator) => FaultRule[];
	route?: { service: ServiceName; method?: string; path: RegExp };
	continueOnFail?: boolean;
	settings?: Record<string, unknown>;
	keys?: Partial<EmulatorKeys>;
}

export async function collectItems(result: RunResult): Promise<OutputItem[]> {
	const out: OutputItem[] = [];
	for (const item of result.items(NODE)) {
		const binaries: OutputItem['binaries'] = {};
		for (const [name, binary] of Object.entries(item.binary ?? {})) {
			binaries[name] = { mimeType: binary.mimeType, fileName: binary.fileName, bytes: await result.readBinary(binary as IBinaryData) };
		}
		out.push({ json: item.json, pairedItem: item.pairedItem, binaries });
	}
	return out;
}

export async function runCase(spec: CaseSpec): Promise<CaseOutcome> {
	const emulator = await fastEmulator({ settings: spec.settings, keys: spec.keys });
	try {
		const count = spec.itemCount ?? 1;
		const inputItems = spec.items
			? await spec.items(emulator, count)
			: Array.from({ length: count }, (_, i) => ({ json: { i } }));
		emulator.clearLog();
		for (const rule of spec.faults?.(inputItems, emulator) ?? []) emulator.addFault(rule);
		const started = Date.now();
		const result = await runNode(emulator, spec.node, spec.params, { items: inputItems, continueOnFail: spec.continueOnFail });
		const elapsedMs = Date.now() - started;
		const requests = spec.route
			? emulator.requests({ service: spec.route.service, method: spec.route.method, path: spec.route.path })
			: [];
		return {
			status: result.status,
			error: result.error
				? {
						name: result.error.name,
						message: result.error.message,
						description: result.error.description,
						httpCode: result.error.httpCode,
						itemIndex: result.error.itemIndex,
						stored: result.error.stored,
						error: result.error.error,
					}
				: undefined,
			items: await collectItems(result),
			elapsedMs,
			requests: requests.map((r) => ({ ...r })),
			allRequests: emulator.requests().map((r) => ({ ...r })),
			inputItems,
		};
	} finally {
		await emulator.close();
	}
}

/** Runs tasks with at most `limit` at a time; results in task order. */
export async function pool<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<Array<PromiseSettledResult<T>>> {
	const results: Array<PromiseSettledResult<T>> = new Array(tasks.length);
	let next = 0;
	const worker = async () => {
		while (next < tasks.length) {
			const index = next++;
			try {
				results[index] = { status: 'fulfilled', value: await tasks[index]() };
			} catch (reason) {
				results[index] = { status: 'rejected', reason };
			}
		}
	};
	await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
	return results;
}
