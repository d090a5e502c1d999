import type { IBinaryData, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { ApiRequest, RequestContext } from './http';
import { apiRequest } from './http';
import { cancelledError, providerApiError } from './errors';
import type { Provider } from './provider';

export interface DownloadTarget {
	fileName: string;
	mimeType: string;
}

/** Bytes actually stored for a binary: from the binary data service, or the inline base64. */
export async function storedSize(ctx: RequestContext, binary: IBinaryData): Promise<number | undefined> {
	if (binary.id) {
		try {
			const meta = await ctx.helpers.getBinaryMetadata(binary.id);
			if (typeof meta.fileSize === 'number') return meta.fileSize;
		} catch {
			// hosts without metadata for this storage mode: fall through to the inline data
		}
	}
	// inline data ('' is an empty file, not an unknown size)
	if (typeof binary.data === 'string' && binary.data !== 'filesystem-v2' && !binary.id) {
		return Buffer.from(binary.data, 'base64').length;
	}
	return undefined;
}

/**
 * Downloads a response body straight into n8n's binary data store, never holding it in
 * memory: the response stream goes to `prepareBinaryData` as it arrives. The stored size is
 * then checked against Content-Length, so a body cut short fails instead of leaving a broken
 * MP4 behind, and a body that is a message (JSON, HTML, text) is never stored as the file.
 * Idempotent downloads (GET) are retried whole when the stream breaks.
 */
export async function downloadToBinary(
	ctx: RequestContext,
	provider: Provider,
	request: Omit<ApiRequest, 'responseType'>,
	target: DownloadTarget,
	maxAttempts = 3,
): Promise<{ binary: IBinaryData; bytes: number | undefined; headers: Record<string, unknown> }> {
	const idempotent = request.idempotent ?? request.method === 'GET';
	for (let attempt = 1; ; attempt++) {
		const response = await apiRequest<AsyncIterable<Buffer> & { destroy?: () => void }>(ctx, provider, {
			...request,
			responseType: 'stream',
		});
		const expected = Number(response.headers['content-length'] ?? NaN);
		const contentType = String(response.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
		if (isNotTheFile(contentType, target.mimeType)) {
			// A 200 whose body is a message (JSON, an HTML or text page), not the file: never store
			// it under the file's name. A GET is asked again; anything else is reported.
			const text = await readSome(response.body, 4096);
			if (idempotent && attempt < maxAttempts) continue;
			let said: unknown;
			try {
				said = JSON.parse(text);
			} catch {
				said = undefined;
			}
			const instead = `The server answered with ${contentType} instead of the file ${target.fileName}; nothing was stored`;
			const failure = said === undefined ? undefined : provider.parseError(said);
			throw providerApiError(ctx.getNode(), {
				provider: provider.name,
				statusCode: response.statusCode,
				failure,
				fallback: instead,
				hint: failure ? `${instead}.` : undefined,
				itemIndex: request.itemIndex,
			});
		}
		try {
			const binary = await ctx.helpers.prepareBinaryData(
				response.body as unknown as Buffer,
				target.fileName,
				target.mimeType,
			);
			const bytes = await storedSize(ctx, binary);
			if (Number.isFinite(expected) && bytes !== undefined && bytes !== expected) {
				throw new Error(`received ${bytes} of ${expected} bytes`);
			}
			if (bytes === 0) throw new Error('received an empty body');
			binary.fileName = target.fileName;
			binary.mimeType = target.mimeType;
			return { binary, bytes, headers: response.headers };
		} catch (error) {
			response.body.destroy?.();
			const signal = request.signal;
			if (signal?.aborted) {
				throw cancelledError(ctx.getNode(), request.itemIndex);
			}
			if (refusedAsTooLarge(error)) {
				// n8n's own size cap (database mode): the download was whole, repeating it cannot help
				throw new NodeOperationError(ctx.getNode(), `n8n refused to store ${target.fileName}: ${(error as Error).message}`, {
					itemIndex: request.itemIndex,
					description:
						'In queue mode n8n keeps binary data in its database, one file at most N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE MiB. ' +
						'Raise it (see the README, "Scaling (queue mode)", for the limit with Postgres), or turn off the download and pass the link on.',
				});
			}
			if (!idempotent || attempt >= maxAttempts) {
				throw providerApiError(ctx.getNode(), {
					provider: provider.name,
					fallback: `The download of ${target.fileName} was cut short (${(error as Error).message}); nothing was stored`,
					itemIndex: request.itemIndex,
				});
			}
		}
	}
}

/** n8n's FileTooLargeError: the binary data mode's size cap (database mode) refused the file. */
function refusedAsTooLarge(error: unknown): boolean {
	if (!(error instanceof Error)) return false;
	return error.constructor.name === 'FileTooLargeError' || /exceeds the max size limit of [\d.]+ MB/.test(error.message);
}

/** Bodies that are a message about the file rather than the file (unless a text file is wanted). */
function isNotTheFile(contentType: string, wanted: string): boolean {
	if (!/^(application\/([\w.+-]*\+)?(json|xml)|text\/)/.test(contentType)) return false;
	return !/^(text\/|application\/([\w.+-]*\+)?(json|xml))/i.test(wanted);
}

/** Reads at most `max` bytes of a response stream as text, then lets the rest go. */
async function readSome(body: AsyncIterable<Buffer> & { destroy?: () => void }, max: number): Promise<string> {
	const chunks: Buffer[] = [];
	let size = 0;
	try {
		for await (const chunk of body) {
			chunks.push(Buffer.from(chunk));
			size += chunk.length;
			if (size >= max) break;
		}
	} catch {
		// a broken body still leaves the status and type to report
	}
	body.destroy?.();
	return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}

/** Attaches binaries to an output item under the given property names. */
export function withBinary(
	item: INodeExecutionData,
	binaries: Record<string, IBinaryData | undefined>,
): INodeExecutionData {
	const binary = { ...(item.binary ?? {}) };
	for (const [name, data] of Object.entries(binaries)) if (data) binary[name] = data;
	return { ...item, binary };
}

/** Reads an input binary property, failing clearly (field name, what exists) when it is missing. */
export function requireInputBinary(
	ctx: IExecuteFunctions,
	itemIndex: number,
	propertyName: string,
	fieldLabel = 'Input Binary Field',
): IBinaryData {
	const item = ctx.getInputData()[itemIndex];
	const binary = item?.binary?.[propertyName];
	if (!binary) {
		const available = Object.keys(item?.binary ?? {});
		throw new NodeOperationError(
			ctx.getNode(),
			`${fieldLabel}: the input item has no binary property "${propertyName}"`,
			{
				itemIndex,
				description: available.length
					? `Binary properties on this item: ${available.join(', ')}`
					: 'This item carries no binary data. Add a node that reads or downloads the file first.',
			},
		);
	}
	return binary;
}

/** The whole input binary as a Buffer (for small files such as WAV uploads). */
export async function readInputBinary(
	ctx: IExecuteFunctions,
	itemIndex: number,
	propertyName: string,
): Promise<Buffer> {
	requireInputBinary(ctx, itemIndex, propertyName);
	return await ctx.helpers.getBinaryDataBuffer(itemIndex, propertyName);
}

/**
 * The input binary as a sequence of chunks: streamed from the binary data store when it is
 * stored by id (large files never sit whole in memory), sliced from memory otherwise.
 */
export async function* inputBinaryChunks(
	ctx: IExecuteFunctions,
	itemIndex: number,
	propertyName: string,
	chunkSize: number,
): AsyncGenerator<Buffer> {
	const binary = requireInputBinary(ctx, itemIndex, propertyName);
	if (binary.id) {
		const stream = await ctx.helpers.getBinaryStream(binary.id, chunkSize);
		for await (const chunk of stream as AsyncIterable<Buffer>) yield Buffer.from(chunk);
		return;
	}
	const buffer = await ctx.helpers.getBinaryDataBuffer(itemIndex, propertyName);
	for (let offset = 0; offset < buffer.length; offset += chunkSize) {
		yield buffer.subarray(offset, offset + chunkSize);
	}
}

/** Collected in-memory chunks (WebSocket sessions) with a hard cap the user sets. */
export class CappedBuffer {
	private readonly chunks: Buffer[] = [];
	private size = 0;

	constructor(
		private readonly capBytes: number,
		private readonly onOverflow: (capBytes: number) => Error,
	) {}

	push(chunk: Buffer): void {
		if (this.size + chunk.length > this.capBytes) throw this.onOverflow(this.capBytes);
		this.chunks.push(chunk);
		this.size += chunk.length;
	}

	get byteLength(): number {
		return this.size;
	}

	get chunkCount(): number {
		return this.chunks.length;
	}

	toBuffer(): Buffer {
		return Buffer.concat(this.chunks, this.size);
	}
}
