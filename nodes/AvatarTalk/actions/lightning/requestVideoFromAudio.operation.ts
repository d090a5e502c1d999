import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { readInputBinary, requireInputBinary } from '../../../shared/binary';
import { apiRequest } from '../../../shared/http';
import type { OperationContext, OperationResult } from '../../../shared/router';
import { validatorFor } from '../../../shared/validation';
import type { WavInfo } from '../../../shared/wav';
import { WavError, parseWav, wavMismatches } from '../../../shared/wav';
import { avatarTalk } from '../../transport';
import { decodedInvoiceJson, publicRequest, serverUrlOptions } from './common';

/** What the Lightning audio endpoint accepts (document: "Audio File Requirements"). */
const REQUIRED = { sampleRate: 16000, channels: 1, bitsPerSample: 16, encoding: 'pcm' } as const;
const CONVERT_HINT =
	'AvatarTalk accepts WAV audio: 16 kHz, mono, 16-bit PCM. Convert it first, for example with ffmpeg: ffmpeg -i input -ar 16000 -ac 1 -c:a pcm_s16le speech.wav';

export const description: INodeProperties[] = [
	{
		displayName: 'Input Binary Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		description: 'Name of the binary field that holds the WAV file (16 kHz, mono, 16-bit PCM)',
		hint: 'The audio is checked before it is uploaded; a WAV in another format is refused with what is wrong',
	},
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
export async function execute(this: IExecuteFunctions, op: OperationContext): Promise<OperationResult> {
	const i = op.itemIndex;
	const field = validatorFor(this.getNode(), i).text('Input Binary Field', this.getNodeParameter('binaryPropertyName', i)).trim();
	const binary = requireInputBinary(this, i, field);
	const data = await readInputBinary(this, i, field);
	const shownName = binary.fileName ? `"${binary.fileName}"` : `in "${field}"`;
	let info: WavInfo;
	try {
		info = parseWav(data);
	} catch (error) {
		throw new NodeOperationError(
			this.getNode(),
			`Input Binary Field: the audio ${shownName} cannot be used: ${error instanceof WavError ? error.message : String(error)}`,
			{ itemIndex: i, description: CONVERT_HINT },
		);
	}
	const problems = wavMismatches(info, REQUIRED);
	if (problems.length) {
		throw new NodeOperationError(
			this.getNode(),
			`Input Binary Field: the WAV file ${shownName} is not in the format AvatarTalk accepts: ${problems.join('; ')}`,
			{ itemIndex: i, description: CONVERT_HINT },
		);
	}

	const fileName = wavFileName(binary.fileName);
	const form = new FormData();
	form.append('audio', new Blob([new Uint8Array(data.buffer, data.byteOffset, data.byteLength)], { type: 'audio/wav' }), fileName);
	const response = await apiRequest<IDataObject>(this, avatarTalk, {
		method: 'POST',
		url: '/lightning/request-video/audio',
		// Documented without authorization: works with no credential, and sends none.
		...(await publicRequest(this, i)),
		body: form,
		idempotent: false,
		itemIndex: i,
		limits: op.limits,
		signal: op.signal,
	});
	const body = response.body;
	const invoice = typeof body.bolt11_invoice === 'string' ? body.bolt11_invoice : '';
	return {
		json: { ...body, ...(invoice ? decodedInvoiceJson(invoice, body.amount) : {}), audioFileName: fileName, audioBytes: data.length },
	};
}
