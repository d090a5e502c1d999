/**
 * The one WAV (RIFF/WAVE) reader: `parseWav()` finds the `fmt ` and `data` chunks wherever they
 * are (tools such as ffmpeg put a LIST chunk first) and throws a `WavError` naming what is wrong.
 * AvatarTalk checks audio with it before uploading (`wavMismatches()`); AvaTar joins the pieces a
 * realtime session sends into one file with it (`joinWavs()`, `buildWav()`).
 */

export interface WavInfo {
	/** 1 = PCM, 3 = IEEE float, 0xFFFE = extensible (then `encoding` follows its sub-format). */
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
	/** The raw `fmt ` chunk body (kept whole: extensible formats carry more than 16 bytes). */
	fmt: Buffer;
	/** The samples: the `data` chunk body, clamped to what the file holds (not a copy). */
	data: Buffer;
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

function notWav(data: Buffer): WavError {
	if (data.length < 12) return new WavError(`the file is only ${data.length} bytes long, too short to be a WAV file`);
	const start = data.subarray(0, 4).toString('latin1');
	const mp3 = start.startsWith('ID3') || (data[0] === 0xff && (data[1] & 0xe0) === 0xe0);
	return new WavError(
		`the file is not a WAV file: it starts with "${start.replace(/[^\x20-\x7e]/g, '?')}" instead of "RIFF....WAVE"${mp3 ? ' (it looks like an MP3)' : ''}`,
	);
}

/** Reads a WAV file; throws a WavError naming what is wrong when the data is not one. */
export function parseWav(data: Buffer): WavInfo {
	if (data.length < 12 || data.toString('latin1', 0, 4) !== 'RIFF' || data.toString('latin1', 8, 12) !== 'WAVE') {
		throw notWav(data);
	}
	if (data.length < MIN_WAV_BYTES) {
		throw new WavError(`the WAV file is only ${data.length} bytes long; at least ${MIN_WAV_BYTES} bytes (a full header) are needed`);
	}
	let offset = 12;
	let fmt: Buffer | undefined;
	let samples: Buffer | undefined;
	while (offset + 8 <= data.length) {
		const id = data.toString('latin1', offset, offset + 4);
		const size = data.readUInt32LE(offset + 4);
		const body = offset + 8;
		if (id === 'fmt ') {
			if (size < 16 || body + 16 > data.length) throw new WavError('the WAV file has a broken "fmt " chunk');
			fmt = data.subarray(body, Math.min(data.length, body + size));
		} else if (id === 'data') {
			// Streamed WAVs may announce 0 or 0xFFFFFFFF: count what is really there.
			const available = data.length - body;
			samples = data.subarray(body, body + (size === 0 || size > available ? available : size));
			if (fmt) break;
		}
		offset = body + size + (size % 2); // chunks are word-aligned
	}
	if (!fmt) throw new WavError('the WAV file has no "fmt " chunk describing its format');
	if (samples === undefined) throw new WavError('the WAV file has no "data" chunk (no audio)');
	const audioFormat = fmt.readUInt16LE(0);
	// extensible: the first two bytes of the sub-format GUID say which format it really is
	const effective = audioFormat === 0xfffe && fmt.length >= 26 ? fmt.readUInt16LE(24) : audioFormat;
	const byteRate = fmt.readUInt32LE(8);
	return {
		audioFormat,
		encoding: encodingOf(effective),
		channels: fmt.readUInt16LE(2),
		sampleRate: fmt.readUInt32LE(4),
		byteRate,
		blockAlign: fmt.readUInt16LE(12),
		bitsPerSample: fmt.readUInt16LE(14),
		dataBytes: samples.length,
		durationSeconds: byteRate > 0 ? samples.length / byteRate : 0,
		fileBytes: data.length,
		fmt,
		data: samples,
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

/** A WAV file of the given `fmt ` chunk body and samples. */
export function buildWav(fmt: Buffer, data: Buffer): Buffer {
	const fmtPad = fmt.length % 2;
	const header = Buffer.alloc(12 + 8 + fmt.length + fmtPad + 8);
	header.write('RIFF', 0, 'latin1');
	header.writeUInt32LE(header.length - 8 + data.length + (data.length % 2), 4);
	header.write('WAVE', 8, 'latin1');
	header.write('fmt ', 12, 'latin1');
	header.writeUInt32LE(fmt.length, 16);
	fmt.copy(header, 20);
	const dataAt = 20 + fmt.length + fmtPad;
	header.write('data', dataAt, 'latin1');
	header.writeUInt32LE(data.length, dataAt + 4);
	return Buffer.concat([header, data, data.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

function tryParseWav(data: Buffer): WavInfo | undefined {
	try {
		return parseWav(data);
	} catch {
		return undefined; // not a WAV: the piece is kept as it is
	}
}

function sameFormat(a: WavInfo, b: WavInfo): boolean {
	return (
		a.audioFormat === b.audioFormat &&
		a.encoding === b.encoding &&
		a.channels === b.channels &&
		a.sampleRate === b.sampleRate &&
		a.bitsPerSample === b.bitsPerSample &&
		a.blockAlign === b.blockAlign
	);
}

/**
 * Joins WAV pieces into one playable file. One piece comes back unchanged; several are joined
 * only when all are WAVs of the same format (otherwise undefined: keep them apart).
 */
export function joinWavs(parts: Buffer[]): { wav: Buffer; format: WavInfo; durationSeconds: number } | undefined {
	const parsed = parts.map(tryParseWav);
	if (!parsed.length || parsed.some((p) => !p)) return undefined;
	const all = parsed as WavInfo[];
	const first = all[0];
	if (!all.every((p) => sameFormat(p, first))) return undefined;
	const samples = all.reduce((sum, p) => sum + p.dataBytes, 0);
	const durationSeconds = first.byteRate ? samples / first.byteRate : 0;
	const wav = parts.length === 1 ? parts[0] : buildWav(first.fmt, Buffer.concat(all.map((p) => p.data)));
	return { wav, format: first, durationSeconds };
}
