import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { DownloadTarget } from './binary';
import { downloadToBinary } from './binary';
import { webSocketMissing } from './compat';
import { mapWithConcurrency } from './concurrency';
import type { LinkDownload } from './downloadLink';
import { downloadFromLink } from './downloadLink';
import type { ApiRequest, ApiResponse, RequestLimits } from './http';
import { apiRequest, executionSignal } from './http';
import type { Provider } from './provider';
import { readRequestLimits } from './requestSettings';
import type { PollOptions } from './polling';
import { pollUntil } from './polling';
import { InputValidator } from './validation';

/** A request as an operation writes it: the item's index, signal and limits are added for it. */
export type ItemRequest = Omit<ApiRequest, 'itemIndex' | 'signal' | 'limits'> & {
	/** Combined with the item's signal (both stop the request). */
	signal?: AbortSignal;
	/** Overrides single Request Settings for this request (a shorter timeout, for example). */
	limits?: Partial<RequestLimits>;
};

/** Everything an operation needs besides `this` (the n8n execute context). */
export interface OperationContext<Input = unknown> {
	itemIndex: number;
	/** This item's parameters, read and checked by the operation's `parse` before any item ran. */
	input: Input;
	/** Fires when the execution is cancelled or when a sibling item failed the run. */
	signal: AbortSignal;
	/** Timeout, attempts and Retry-After cap from "Request Settings". */
	limits: RequestLimits;
	/** State shared by all items of this run (a request pacer, for example). */
	shared: Map<string, unknown>;
	/**
	 * `apiRequest` for this item: item index, cancel signal, Request Settings and the provider's
	 * hints (and its per-run request defaults, such as a pacer) always go with it.
	 */
	request<T = IDataObject>(provider: Provider, request: ItemRequest): Promise<ApiResponse<T>>;
	/** `downloadToBinary` for this item, with the same context as `request`. */
	download(
		provider: Provider,
		request: Omit<ItemRequest, 'responseType'>,
		target: DownloadTarget,
		maxAttempts?: number,
	): ReturnType<typeof downloadToBinary>;
	/** `downloadFromLink` for this item: a provider-returned link, fetched without any credential. */
	downloadLink(
		provider: Provider,
		link: Omit<LinkDownload, 'itemIndex' | 'limits' | 'signal'>,
		target: DownloadTarget,
	): ReturnType<typeof downloadFromLink>;
	/** `pollUntil` for this item: stops at once when the item's signal fires. */
	poll<T>(options: Omit<PollOptions<T>, 'signal' | 'itemIndex'>): Promise<T>;
}

export type OperationResult = INodeExecutionData | INodeExecutionData[];

/**
 * One operation: its UI fields, how it reads one item, and what it does with it. One file each.
 * `parse` runs for every item before any item's `execute`, so bad input fails the run (or, under
 * Continue On Fail, just its item) before a single request, paid or not, is sent.
 */
export interface Operation<Input = unknown> {
	description: INodeProperties[];
	/**
	 * Reads and validates one item's parameters into a typed input. No requests here: throw a
	 * NodeOperationError (the validator does) naming the field and what is allowed.
	 */
	parse(this: IExecuteFunctions, itemIndex: number, v: InputValidator): Input | Promise<Input>;
	execute(this: IExecuteFunctions, op: OperationContext<Input>): Promise<OperationResult>;
	/** How many items may run at once (read from the node's parameters). Default 1. */
	concurrency?(this: IExecuteFunctions): number;
	/**
	 * Run `execute` once for all input items instead of once per item (e.g. a streaming session
	 * fed by every item). It gets `itemIndex` 0 and reads `this.getInputData()` itself; outputs
	 * without their own `pairedItem` are paired with every input item, and under Continue On
	 * Fail the one error item is too.
	 */
	runOnceForAllItems?: boolean;
	/**
	 * Talks over a WebSocket: on a Node.js without a global WebSocket (Node 20) the operation fails
	 * at once for every item, before any request, with a message naming the requirement.
	 */
	usesWebSocket?: boolean;
	/** The name the Operation dropdown shows (set by `buildOperationMap`), for messages. */
	displayName?: string;
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
 * True when an AI Agent runs the node as a tool (n8n's "<node>Tool" variant of a `usableAsTool`
 * node). Its output items go back to the model as JSON; binary data does not.
 */
export function isToolCall(ctx: IExecuteFunctions): boolean {
	const node = ctx.getNode();
	return node.type.endsWith('Tool') || node.rewireOutputLogTo === 'ai_tool' || ctx.isToolExecution?.() === true;
}

/**
 * As a tool, a failure is the model's to handle: n8n would hand it only the error's message, so
 * the item carries the message, the hint (what to change) and the provider's code instead, and
 * the agent goes on. A tool node set to "Stop Workflow" on error still stops the run.
 */
function errorsBecomeItems(ctx: IExecuteFunctions): boolean {
	return ctx.continueOnFail() || (isToolCall(ctx) && ctx.getNode().onError !== 'stopWorkflow');
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

	const unsupported = operation.usesWebSocket
		? webSocketMissing(this.getNode(), operation.displayName ?? operationName)
		: undefined;
	if (unsupported) {
		if (!this.continueOnFail()) throw unsupported;
		return [items.map((_, item) => ({ json: errorJson(unsupported), pairedItem: { item } }))];
	}

	const stop = new AbortController();
	const cancel = executionSignal(this);
	const signal = cancel ? AbortSignal.any([cancel, stop.signal]) : stop.signal;
	const shared = new Map<string, unknown>();
	const continueOnFail = errorsBecomeItems(this);

	// Every item is read and checked before the first request of the run: one bad item among
	// many never leaves paid work half-started. Without Continue On Fail the first bad item
	// fails the run here; with it, only that item becomes an error item.
	const parsed: Array<{ ok: true; input: unknown; limits: RequestLimits } | { ok: false; error: unknown }> = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const input: unknown = await operation.parse.call(this, itemIndex, new InputValidator(this.getNode(), itemIndex));
			parsed.push({ ok: true, input, limits: readRequestLimits(this, itemIndex) });
		} catch (error) {
			if (!continueOnFail) throw wrap(this, error, itemIndex);
			parsed.push({ ok: false, error });
		}
	}
	const context = (itemIndex: number, input: unknown, limits: RequestLimits): OperationContext =>
		itemContext(this, { itemIndex, input, signal, shared, limits });

	if (operation.runOnceForAllItems) {
		return await runOnce(this, operation, () => {
			// One run for all items: under Continue On Fail a bad item fails it as one error item.
			const inputs: unknown[] = [];
			for (const p of parsed) {
				if (!p.ok) throw p.error;
				inputs.push(p.input);
			}
			return context(0, inputs, (parsed[0] as { limits: RequestLimits }).limits);
		});
	}
	const limit = Math.max(1, Math.floor(operation.concurrency?.call(this) ?? 1));
	let firstFatal: { error: unknown } | undefined;

	const settled = await mapWithConcurrency(items.length, limit, async (itemIndex) => {
		if (firstFatal) throw firstFatal.error;
		try {
			const own = parsed[itemIndex];
			if (!own.ok) throw own.error;
			const result = await operation.execute.call(this, context(itemIndex, own.input, own.limits));
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

/** The context of one item: its request helpers carry the item's index, signal and limits. */
function itemContext(
	ctx: IExecuteFunctions,
	base: Pick<OperationContext, 'itemIndex' | 'input' | 'signal' | 'shared' | 'limits'>,
): OperationContext {
	const complete = (provider: Provider, request: ItemRequest): ApiRequest => {
		// The provider's hints speak of its own API: not of a link it handed out (S3, a CDN).
		const providerHint = /^[a-z][a-z0-9+.-]*:\/\//i.test(request.url) ? undefined : provider.hint;
		const ownHint = request.hint;
		return {
			...provider.requestDefaults?.(ctx, base.shared),
			...request,
			itemIndex: base.itemIndex,
			signal: request.signal ? AbortSignal.any([base.signal, request.signal]) : base.signal,
			limits: { ...base.limits, ...request.limits },
			hint: ownHint || providerHint ? (status, failure) => ownHint?.(status, failure) ?? providerHint?.(status, failure) : undefined,
		};
	};
	return {
		...base,
		request: async (provider, request) => await apiRequest(ctx, provider, complete(provider, request)),
		download: async (provider, request, target, maxAttempts) =>
			await downloadToBinary(ctx, provider, complete(provider, request), target, maxAttempts),
		downloadLink: async (provider, link, target) =>
			await downloadFromLink(ctx, provider, { ...link, itemIndex: base.itemIndex, limits: base.limits, signal: base.signal }, target),
		poll: async (options) => await pollUntil(ctx, { ...options, signal: base.signal, itemIndex: base.itemIndex }),
	};
}

/** `runOnceForAllItems` operations: one call, its outputs paired with every input item. */
async function runOnce(
	ctx: IExecuteFunctions,
	operation: Operation,
	context: () => OperationContext,
): Promise<INodeExecutionData[][]> {
	const count = ctx.getInputData().length;
	if (count === 0) return [[]];
	const allItems = Array.from({ length: count }, (_, item) => ({ item }));
	try {
		const result = await operation.execute.call(ctx, context());
		return [(Array.isArray(result) ? result : [result]).map((item) => ({ ...item, pairedItem: item.pairedItem ?? allItems }))];
	} catch (error) {
		if (errorsBecomeItems(ctx)) return [[{ json: errorJson(error), pairedItem: allItems }]];
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
