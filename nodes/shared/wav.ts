/**
 * A small WAV (RIFF/WAVE) header reader, for checking audio before it is uploaded: reads the
 * `fmt ` and `data` chunks wherever they are (tools such as ffmpeg put a LIST chunk first).
 */

export interface WavInfo {
	/** 1 = PCM, 3 = IEEE float, 0xFFFE = extensible (then `subFormat` says which). */
	audioFormat: number;
	/** The effective format: the extensible header's sub-format when there is one. */
	encoding: 'pcm' | 'float' | 'a-law' | 'mu-law' | 'other';
	channels: number;
	sampleRate: number;
	bitsPerSample: number;
	byteRate: number;
	blockAlign: number;
	/** Bytes of audio in the data chunk (what the file holds, when the header overstates it). */
	dataBytes: number;
	durationSeconds: number;
	fileBytes: number;
}

export class WavError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'WavError';
	}
}

const MIN_WAV_BYTES = 44;

function encodingOf(format: number): WavInfo['encoding'] {
	switch (format) {
		case 1:
			return 'pcm';
		case 3:
			return 'float';
		case 6:
			return 'a-law';
		case 7:
			return 'mu-law';
		default:
			return 'other';
	}
}

/** Reads a WAV header; throws a WavError naming what is wrong when the data is not a WAV file. */
export function parseWav(data: Buffer): WavInfo {
	if (data.length < 12 || data.toString('latin1', 0, 4) !== 'RIFF' || data.toString('latin1', 8, 12) !== 'WAVE') {
		const start = data.subarray(0, 4).toString('latin1');
		throw new WavError(
			data.length < 12
				? `the file is only ${data.length} bytes long, too short to be a WAV file`
				: `the file is not a WAV file: it starts with "${start.replace(/[^\x20-\x7e]/g, '?')}" instead of "RIFF....WAVE"${start.startsWith('ID3') || (data[0] === 0xff && (data[1] & 0xe0) === 0xe0) ? ' (it looks like an MP3)' : ''}`,
		);
	}
	if (data.length < MIN_WAV_BYTES) {
		throw new WavError(`the WAV file is only ${data.length} bytes long; at least ${MIN_WAV_BYTES} bytes (a full header) are needed`);
	}
	let offset = 12;
	let fmt: Omit<WavInfo, 'dataBytes' | 'durationSeconds' | 'fileBytes'> | undefined;
	let dataBytes: number | undefined;
	while (offset + 8 <= data.length) {
		const id = data.toString('latin1', offset, offset + 4);
		const size = data.readUInt32LE(offset + 4);
		const body = offset + 8;
		if (id === 'fmt ') {
			if (size < 16 || body + 16 > data.length) throw new WavError('the WAV file has a broken "fmt " chunk');
			const audioFormat = data.readUInt16LE(body);
			let effective = audioFormat;
			if (audioFormat === 0xfffe && size >= 40 && body + 26 <= data.length) {
				effective = data.readUInt16LE(body + 24); // first two bytes of the sub-format GUID
			}
			fmt = {
				audioFormat,
				encoding: encodingOf(effective),
				channels: data.readUInt16LE(body + 2),
				sampleRate: data.readUInt32LE(body + 4),
				byteRate: data.readUInt32LE(body + 8),
				blockAlign: data.readUInt16LE(body + 12),
				bitsPerSample: data.readUInt16LE(body + 14),
			};
		} else if (id === 'data') {
			// Streamed WAVs may announce 0 or 0xFFFFFFFF: count what is really there.
			const available = data.length - body;
			dataBytes = size === 0 || size > available ? available : size;
			if (fmt) break;
		}
		offset = body + size + (size % 2);
	}
	if (!fmt) throw new WavError('the WAV file has no "fmt " chunk describing its format');
	if (dataBytes === undefined) throw new WavError('the WAV file has no "data" chunk (no audio)');
	return {
		...fmt,
		dataBytes,
		durationSeconds: fmt.byteRate > 0 ? dataBytes / fmt.byteRate : 0,
		fileBytes: data.length,
	};
}

export interface WavRequirements {
	sampleRate: number;
	channels: number;
	bitsPerSample: number;
	encoding: WavInfo['encoding'];
}

function channelWords(n: number): string {
	return n === 1 ? '1 channel (mono)' : n === 2 ? '2 channels (stereo)' : `${n} channels`;
}

/** Every way the WAV differs from what is required, in words ("sample rate is 44100 Hz, not 16000 Hz"). */
export function wavMismatches(info: WavInfo, required: WavRequirements): string[] {
	const problems: string[] = [];
	if (info.encoding !== required.encoding) {
		problems.push(`the audio is ${info.encoding === 'other' ? `format ${info.audioFormat}` : info.encoding.toUpperCase()}, not ${required.encoding.toUpperCase()}`);
	}
	if (info.sampleRate !== required.sampleRate) {
		problems.push(`the sample rate is ${info.sampleRate} Hz, not ${required.sampleRate} Hz`);
	}
	if (info.channels !== required.channels) {
		problems.push(`it has ${channelWords(info.channels)}, not ${channelWords(required.channels)}`);
	}
	if (info.bitsPerSample !== required.bitsPerSample) {
		problems.push(`the bit depth is ${info.bitsPerSample}-bit, not ${required.bitsPerSample}-bit`);
	}
	return problems;
}
