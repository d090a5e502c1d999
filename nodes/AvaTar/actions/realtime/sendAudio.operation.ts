import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { inputBinaryChunks, storedSize } from '../../../shared/binary';
import { RequestPacer } from '../../../shared/polling';
import type { OperationContext, OperationResult } from '../../../shared/router';
import type { InputValidator } from '../../../shared/validation';
import { readSessionId, sessionIdField } from '../common';
import { collectOptions, readCollectSettings, runExchange, sortedOptions, timeLimitField, waitUntilField } from './exchange';
import { INPUT_BINARY_LABEL, inputBinaryField, optionsCollection, readInputBinaryField } from '../../../shared/fields';

/** Needs Node.js's built-in WebSocket (see the router and shared/compat.ts). */
export const usesWebSocket = true;

export const description: INodeProperties[] = [
	sessionIdField,
	inputBinaryField({ name: 'binaryProperty', what: 'the audio to send, e.g. a WAV file from Read/Write Files from Disk or an HTTP Request' }),
	waitUntilField('idle'),
	timeLimitField,
	optionsCollection(sortedOptions([
			{
				displayName: 'Audio Chunk Size (KB)',
				name: 'chunkKb',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 1024 },
				default: 32,
				description: 'The audio is sent in pieces of this size (each one an audio_buffer_append event)',
			},
			{
				displayName: 'Max Messages per Second',
				name: 'messagesPerSecond',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 100,
				description:
					'Sending pace; AvaTar allows 100 WebSocket messages per second. The node sends at most this many in any 1.2 s, so delays on the way do not push the server over its limit.',
			},
			...collectOptions,
		])),
];

/** "Max Messages per Second" are sent within this window: a margin for network delays. */
const PACING_WINDOW_MS = 1_200;

/** Binary types that are certainly not audio: caught before connecting. */
const NOT_AUDIO = /^(image|video|text)\//i;

/** Reads one item and checks its audio binary before anything connects. */
export async function parse(this: IExecuteFunctions, itemIndex: number, v: InputValidator) {
	const sessionId = readSessionId(this, v, itemIndex);
	const settings = readCollectSettings(this, v, itemIndex);
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const chunkBytes = v.number('Options > Audio Chunk Size (KB)', options.chunkKb ?? 32, { min: 1, max: 1024 }) * 1024;
	const perSecond = v.number('Options > Max Messages per Second', options.messagesPerSecond ?? 100, { min: 1, integer: true });

	const { field: property, binary } = readInputBinaryField(this, itemIndex, v, 'binaryProperty');
	if (binary.mimeType && NOT_AUDIO.test(binary.mimeType)) {
		v.fail(INPUT_BINARY_LABEL, `"${property}" holds ${binary.mimeType}, not audio`, 'an audio file, e.g. WAV (audio/wav)');
	}
	if ((await storedSize(this, binary)) === 0) v.fail(INPUT_BINARY_LABEL, `"${property}" is an empty file`, 'an audio file with content');
	return { sessionId, property, settings, chunkBytes, perSecond };
}

/**
 * Realtime: sends the audio of an input binary as `audio_buffer_append` chunks (base64), then
 * `audio_buffer_commit`, and collects the avatar's answer (status, frames, audio, chat) until
 * it is idle again. The file's bytes are sent as they are (a WAV keeps its header): the API
 * document only says "base64_encoded_audio_data", and WAV is what its own events carry.
 */
export async function execute(
	this: IExecuteFunctions,
	op: OperationContext<Awaited<ReturnType<typeof parse>>>,
): Promise<OperationResult> {
	const { sessionId, property, settings, chunkBytes, perSecond } = op.input;

	// The server counts arrivals: a first message held up on the way (network, a busy server)
	// bunches the next ones behind it. Counting over 1.2 s instead of 1 s leaves that slack.
	const pacer = new RequestPacer(this, perSecond, PACING_WINDOW_MS);
	const item = await runExchange(this, op, sessionId, settings, async (ws, deadline) => {
		let chunks = 0;
		let bytes = 0;
		for await (const chunk of inputBinaryChunks(this, op.itemIndex, property, Math.floor(chunkBytes))) {
			if (!chunk.length) continue;
			if (Date.now() > deadline) {
				throw new NodeOperationError(this.getNode(), 'Sending the audio took longer than "Time Limit (Seconds)"', {
					itemIndex: op.itemIndex,
					description: 'Raise the time limit, or "Max Messages per Second" / "Audio Chunk Size (KB)" under Options.',
				});
			}
			// a stored file may come in stream pieces of another size: re-cut to the chunk size
			for (let offset = 0; offset < chunk.length; offset += chunkBytes) {
				const piece = chunk.subarray(offset, offset + chunkBytes);
				await pacer.take(op.signal);
				ws.sendJson({ type: 'audio_buffer_append', data: { audio: piece.toString('base64') } });
				chunks++;
				bytes += piece.length;
			}
		}
		if (bytes === 0) {
			throw new NodeOperationError(this.getNode(), `Input Binary Field: "${property}" is an empty file`, { itemIndex: op.itemIndex });
		}
		await pacer.take(op.signal);
		ws.sendJson({ type: 'audio_buffer_commit' });
		return { event: 'audio', chunks, bytes };
	}, true);
	return item;
}
