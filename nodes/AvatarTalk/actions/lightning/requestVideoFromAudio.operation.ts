import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { readInputBinary, requireInputBinary } from '../../../shared/binary';
import type { OperationContext, OperationResult } from '../../../shared/router';
import type { InputValidator } from '../../../shared/validation';
import type { WavInfo } from '../../../shared/wav';
import { WavError, parseWav, wavMismatches } from '../../../shared/wav';
import { avatarTalk } from '../../transport';
import { decodedInvoiceJson, publicRequest, serverUrlOptions } from './common';
import { inputBinaryField, readInputBinaryField } from '../../../shared/fields';

/** What the Lightning audio endpoint accepts (document: "Audio File Requirements"). */
const REQUIRED = { sampleRate: 16000, channels: 1, bitsPerSample: 16, encoding: 'pcm' } as const;
const CONVERT_HINT =
	'AvatarTalk accepts WAV audio: 16 kHz, mono, 16-bit PCM. Convert it first, for example with ffmpeg: ffmpeg -i input -ar 16000 -ac 1 -c:a pcm_s16le speech.wav';

export const description: INodeProperties[] = [
	inputBinaryField({
		name: 'binaryPropertyName',
		what: 'the WAV file (16 kHz, mono, 16-bit PCM)',
		hint: 'The audio is checked before it is uploaded; a WAV in another format is refused with what is wrong',
	}),
	{
		displayName:
			'Returns a Lightning invoice priced on the audio length. Then use Wait for Payment and Generate Video; avatar, emotion and language are chosen in Generate Video.',
		name: 'lightningFlowNotice',
		type: 'notice',
		default: '',
	},
	serverUrlOptions,
];

/** The upload's file name: the binary's own when it ends in .wav, else one that does. */
function wavFileName(name: string | undefined): string {
	const base = (name ?? '').trim().replace(/[\\/]/g, '_');
	if (/\.wav$/i.test(base)) return base;
	return base ? `${base.replace(/\.[A-Za-z0-9]{1,5}$/, '')}.wav` : 'audio.wav';
}

/**
 * POST /lightning/request-video/audio (multipart, field `audio`): the price of a video for this
 * speech. The WAV header is checked first, so a wrong format fails here, naming the problem,
 * instead of after an upload.
 */
/**
 * Checks the WAV format of one item before any item is sent. The audio is read again in
 * execute: holding every item's audio from parse until its turn would multiply the memory.
 */
export async function parse(this: IExecuteFunctions, i: number, v: InputValidator): Promise<{ field: string; publicBaseUrl: string }> {
	const { field } = readInputBinaryField(this, i, v, 'binaryPropertyName');
	await readCheckedWav(this, i, field);
	return { field, ...publicRequest(this, i) };
}

async function readCheckedWav(ctx: IExecuteFunctions, i: number, field: string): Promise<{ data: Buffer; fileName?: string }> {
	const binary = requireInputBinary(ctx, i, field);
	const data = await readInputBinary(ctx, i, field);
	const shownName = binary.fileName ? `"${binary.fileName}"` : `in "${field}"`;
	let info: WavInfo;
	try {
		info = parseWav(data);
	} catch (error) {
		throw new NodeOperationError(
			ctx.getNode(),
			`Input Binary Field: the audio ${shownName} cannot be used: ${error instanceof WavError ? error.message : String(error)}`,
			{ itemIndex: i, description: CONVERT_HINT },
		);
	}
	const problems = wavMismatches(info, REQUIRED);
	if (problems.length) {
		throw new NodeOperationError(
			ctx.getNode(),
			`Input Binary Field: the WAV file ${shownName} is not in the format AvatarTalk accepts: ${problems.join('; ')}`,
			{ itemIndex: i, description: CONVERT_HINT },
		);
	}
	return { data, fileName: binary.fileName };
}

/** POST the checked WAV as multipart: AvatarTalk answers with an invoice for the video. */
export async function execute(this: IExecuteFunctions, op: OperationContext<{ field: string; publicBaseUrl: string }>): Promise<OperationResult> {
	const { data, fileName: original } = await readCheckedWav(this, op.itemIndex, op.input.field);
	const fileName = wavFileName(original);
	const form = new FormData();
	form.append('audio', new Blob([new Uint8Array(data.buffer, data.byteOffset, data.byteLength)], { type: 'audio/wav' }), fileName);
	const response = await op.request<IDataObject>(avatarTalk, {
		method: 'POST',
		url: '/lightning/request-video/audio',
		// Documented without authorization: works with no credential, and sends none.
		publicBaseUrl: op.input.publicBaseUrl,
		body: form,
		idempotent: false,
	});
	const body = response.body;
	const invoice = typeof body.bolt11_invoice === 'string' ? body.bolt11_invoice : '';
	return {
		json: { ...body, ...(invoice ? decodedInvoiceJson(invoice, body.amount) : {}), audioFileName: fileName, audioBytes: data.length },
	};
}
