import type { IBinaryData, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { requireInputBinary } from './binary';
import type { InputValidator } from './validation';

/**
 * Field builders every node uses, so the same kind of field has the same display name,
 * wording and validation everywhere (the conventions are written down in CONTRIBUTING.md,
 * "Field conventions"). Parameter names stay what users' saved workflows hold: a builder takes
 * the operation's existing `name` where it differs from the default.
 */

/** The "Options" collection of an operation, holding these optional fields. */
export function optionsCollection(options: INodeProperties[], overrides: Partial<INodeProperties> = {}): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		// alphabetical, as n8n's lint wants a literal list; also when builders add options
		options: [...options].sort((a, b) => a.displayName.localeCompare(b.displayName)),
		...overrides,
	};
}

/** "Text": what the avatar says (required, four rows); `description` says the limits. */
export function textField({ description, ...overrides }: Partial<INodeProperties> & { description: string }): INodeProperties {
	return {
		displayName: 'Text',
		name: 'text',
		type: 'string',
		typeOptions: { rows: 4 },
		default: '',
		required: true,
		description,
		...overrides,
	};
}

/** What a binary field holds: decides its display name ("Put Video in Field"). */
export type BinaryContent = 'video' | 'audio' | 'file';

const OUTPUT_LABELS: Record<BinaryContent, string> = {
	video: 'Put Video in Field',
	audio: 'Put Audio in Field',
	file: 'Put Output File in Field',
};

/** The display name of an output binary field (for validation messages). */
export function outputBinaryLabel(content: BinaryContent = 'file'): string {
	return OUTPUT_LABELS[content];
}

/** The display name of every input binary field. */
export const INPUT_BINARY_LABEL = 'Input Binary Field';

interface BinaryFieldSpec extends Partial<INodeProperties> {
	/** What goes in the field (decides the display name); default `file`. */
	content?: BinaryContent;
	/** Words for the description, e.g. "the MP4 video". */
	what?: string;
}

/**
 * The output binary field a file is put in: "Put Video in Field" / "Put Audio in Field" /
 * "Put Output File in Field", parameter `binaryPropertyName` (default `data`) unless the
 * operation saved another name. Validate it with `v.binaryField(outputBinaryLabel(content), …)`.
 */
export function outputBinaryField({ content = 'file', what, ...overrides }: BinaryFieldSpec = {}): INodeProperties {
	const words = what ?? (content === 'file' ? 'the file' : `the ${content}`);
	return {
		displayName: OUTPUT_LABELS[content],
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		description: `Name of the output binary field to put ${words} in`,
		...overrides,
	};
}

/**
 * The input binary field an operation reads ("Input Binary Field", default `data`).
 * `name` is the operation's saved parameter name. Validate with `v.binaryField(INPUT_BINARY_LABEL, …)`.
 */
export function inputBinaryField({ what = 'the file', ...overrides }: Omit<BinaryFieldSpec, 'content'> & { name: string }): INodeProperties {
	return {
		displayName: INPUT_BINARY_LABEL,
		type: 'string',
		default: 'data',
		required: true,
		description: `Name of the input binary field holding ${what}`,
		...overrides,
	};
}

/**
 * Reads an Input Binary Field (saved as `name`) and the item's binary it names: a
 * NodeOperationError naming the field when the name is unusable or the item has no such binary.
 */
export function readInputBinaryField(
	ctx: IExecuteFunctions,
	itemIndex: number,
	v: InputValidator,
	name: string,
): { field: string; binary: IBinaryData } {
	const field = v.binaryField(INPUT_BINARY_LABEL, ctx.getNodeParameter(name, itemIndex, 'data'));
	return { field, binary: requireInputBinary(ctx, itemIndex, field, INPUT_BINARY_LABEL) };
}

/**
 * The toggle that downloads a result into binary data: "Download Video" (`downloadVideo`) or
 * "Download Audio" (`downloadAudio`); `otherwise` says what the item holds when it is off.
 */
export function downloadToggle(
	content: 'video' | 'audio',
	{ what, otherwise, ...overrides }: Partial<INodeProperties> & { what?: string; otherwise?: string } = {},
): INodeProperties {
	const label = content === 'video' ? 'Video' : 'Audio';
	return {
		displayName: `Download ${label}`,
		name: `download${label}`,
		type: 'boolean',
		default: true,
		description: `Whether to download ${what ?? `the ${content}`} into a binary field${otherwise ? ` (otherwise ${otherwise})` : ''}`,
		...overrides,
	};
}

/**
 * How long an operation waits for something to happen (a job to finish, a payment, a session to
 * become ready): "Wait Timeout (Seconds)" or "(Minutes)". Never called plain "Timeout": a
 * request's own timeout is Request Settings > Request Timeout.
 */
export function waitTimeoutField({
	default: defaultValue,
	unit = 'Seconds',
	what,
	after,
	...overrides
}: Partial<INodeProperties> & { name: string; default: number; unit?: 'Seconds' | 'Minutes'; what: string; after?: string }): INodeProperties {
	return {
		displayName: waitTimeoutLabel(unit),
		type: 'number',
		default: defaultValue,
		typeOptions: { minValue: 1 },
		description: `How long to wait for ${what} before the item fails${after ? `. ${after}` : ''}`,
		...overrides,
	};
}

export function waitTimeoutLabel(unit: 'Seconds' | 'Minutes' = 'Seconds'): string {
	return `Wait Timeout (${unit})`;
}

export const POLL_INTERVAL_LABEL = 'Check Every (Seconds)';

/** How often a wait asks again ("Check Every (Seconds)", `pollIntervalSeconds`). */
export function pollIntervalField({
	default: defaultValue,
	what,
	after,
	...overrides
}: Partial<INodeProperties> & { default: number; what: string; after?: string }): INodeProperties {
	return {
		displayName: POLL_INTERVAL_LABEL,
		name: 'pollIntervalSeconds',
		type: 'number',
		default: defaultValue,
		typeOptions: { minValue: 0.1, numberPrecision: 1 },
		description: `How often to check ${what}${after ? `; ${after}` : ''}`,
		...overrides,
	};
}

export const ITEMS_IN_PARALLEL_LABEL = 'Items in Parallel';
const MAX_ITEMS_IN_PARALLEL = 100;

/**
 * Options > "Items in Parallel" (`options.concurrency`): how many input items one run works on
 * at once. The same field, range (1 to 100) and check (`readItemsInParallel`) in every node
 * that offers it; only the default differs per operation.
 */
export function itemsInParallelOption(defaultValue: number, after?: string): INodeProperties {
	return {
		displayName: ITEMS_IN_PARALLEL_LABEL,
		name: 'concurrency',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: MAX_ITEMS_IN_PARALLEL },
		default: defaultValue,
		description: `How many input items are worked on at the same time (1 to ${MAX_ITEMS_IN_PARALLEL}); the others wait for a free slot${after ? `. ${after}` : ''}`,
	};
}

/**
 * Items in Parallel as the run uses it (read from the first item): a whole number from 1 to 100,
 * or a NodeOperationError naming the field. `saved` is a value an older node version kept
 * under another name (MultiTalk v1's top-level `maxConcurrentJobs`), used when the option is unset.
 */
export function readItemsInParallel(ctx: IExecuteFunctions, defaultValue: number, saved?: unknown): number {
	const options = ctx.getNodeParameter('options', 0, {}) as { concurrency?: unknown };
	const value = options.concurrency ?? saved ?? defaultValue;
	const label = options.concurrency === undefined && saved !== undefined ? ITEMS_IN_PARALLEL_LABEL : `Options > ${ITEMS_IN_PARALLEL_LABEL}`;
	const n = typeof value === 'number' ? value : Number(String(value).trim() || NaN);
	if (!Number.isInteger(n) || n < 1 || n > MAX_ITEMS_IN_PARALLEL) {
		throw new NodeOperationError(ctx.getNode(), `${label}: "${String(value)}" is not allowed`, {
			itemIndex: 0,
			description: `Allowed: a whole number from 1 to ${MAX_ITEMS_IN_PARALLEL}`,
		});
	}
	return n;
}
