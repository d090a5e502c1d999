import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { mapWithConcurrency } from './concurrency';
import type { RequestLimits } from './http';
import { executionSignal } from './http';
import { readRequestLimits } from './requestSettings';

/** Everything an operation needs besides `this` (the n8n execute context). */
export interface OperationContext {
	itemIndex: number;
	/** Fires when the execution is cancelled or when a sibling item failed the run. */
	signal: AbortSignal;
	/** Timeout, attempts and Retry-After cap from "Request Settings". */
	limits: RequestLimits;
	/** State shared by all items of this run (a request pacer, for example). */
	shared: Map<string, unknown>;
}

export type OperationResult = INodeExecutionData | INodeExecutionData[];

/** One operation: its UI fields and what it does for one item. One file each. */
export interface Operation {
	description: INodeProperties[];
	execute(this: IExecuteFunctions, op: OperationContext): Promise<OperationResult>;
	/** How many items may run at once (read from the node's parameters). Default 1. */
	concurrency?(this: IExecuteFunctions): number;
	/**
	 * Run `execute` once for all input items instead of once per item (e.g. a streaming session
	 * fed by every item). It gets `itemIndex` 0 and reads `this.getInputData()` itself; outputs
	 * without their own `pairedItem` are paired with every input item, and under Continue On
	 * Fail the one error item is too.
	 */
	runOnceForAllItems?: boolean;
}

/** resource -> operation -> implementation */
export type OperationMap = Record<string, Record<string, Operation>>;

function errorJson(error: unknown): IDataObject {
	const e = error as NodeApiError & { description?: string; context?: IDataObject };
	const json: IDataObject = { error: e?.message ?? String(error) };
	if (e?.description) json.description = e.description;
	if (e instanceof NodeApiError && e.httpCode) json.httpCode = e.httpCode;
	if (e?.context?.providerCode) json.code = e.context.providerCode as string;
	return json;
}

/**
 * The per-item loop, written once for every node: runs the chosen operation for each input
 * item (several at once when the operation allows it), keeps `pairedItem` on every output,
 * turns failures into error items under "Continue On Fail", and otherwise stops the other
 * items and fails the run with the first error.
 */
export async function route(this: IExecuteFunctions, operations: OperationMap): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const resource = this.getNodeParameter('resource', 0) as string;
	const operationName = this.getNodeParameter('operation', 0) as string;
	const operation = operations[resource]?.[operationName];
	if (!operation) {
		throw new NodeOperationError(this.getNode(), `The operation "${operationName}" of "${resource}" is not supported`);
	}

	const stop = new AbortController();
	const cancel = executionSignal(this);
	const signal = cancel ? AbortSignal.any([cancel, stop.signal]) : stop.signal;
	const shared = new Map<string, unknown>();
	if (operation.runOnceForAllItems) return await runOnce(this, operation, { signal, shared });
	const limit = Math.max(1, Math.floor(operation.concurrency?.call(this) ?? 1));
	const continueOnFail = this.continueOnFail();
	let firstFatal: { error: unknown } | undefined;

	const settled = await mapWithConcurrency(items.length, limit, async (itemIndex) => {
		if (firstFatal) throw firstFatal.error;
		try {
			const limits = readRequestLimits(this, itemIndex);
			const result = await operation.execute.call(this, { itemIndex, signal, limits, shared });
			return (Array.isArray(result) ? result : [result]).map((item) => ({
				...item,
				pairedItem: item.pairedItem ?? { item: itemIndex },
			}));
		} catch (error) {
			if (continueOnFail) {
				return [{ json: errorJson(error), pairedItem: { item: itemIndex } }];
			}
			if (!firstFatal) {
				firstFatal = { error: wrap(this, error, itemIndex) };
				stop.abort();
			}
			throw firstFatal.error;
		}
	});

	if (firstFatal) throw firstFatal.error;
	const output: INodeExecutionData[] = [];
	for (const result of settled) if (result.status === 'fulfilled') output.push(...result.value);
	return [output];
}

/** `runOnceForAllItems` operations: one call, its outputs paired with every input item. */
async function runOnce(
	ctx: IExecuteFunctions,
	operation: Operation,
	{ signal, shared }: Pick<OperationContext, 'signal' | 'shared'>,
): Promise<INodeExecutionData[][]> {
	const count = ctx.getInputData().length;
	if (count === 0) return [[]];
	const allItems = Array.from({ length: count }, (_, item) => ({ item }));
	try {
		const limits = readRequestLimits(ctx, 0);
		const result = await operation.execute.call(ctx, { itemIndex: 0, signal, limits, shared });
		return [(Array.isArray(result) ? result : [result]).map((item) => ({ ...item, pairedItem: item.pairedItem ?? allItems }))];
	} catch (error) {
		if (ctx.continueOnFail()) return [[{ json: errorJson(error), pairedItem: allItems }]];
		throw wrap(ctx, error, (error as { context?: { itemIndex?: number } })?.context?.itemIndex ?? 0);
	}
}

function wrap(ctx: IExecuteFunctions, error: unknown, itemIndex: number): Error {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		if (error.context.itemIndex === undefined) error.context.itemIndex = itemIndex;
		return error;
	}
	return new NodeOperationError(ctx.getNode(), error as Error, { itemIndex });
}
