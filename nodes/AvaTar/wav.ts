/** Just enough RIFF/WAVE to join the audio pieces a realtime session sends into one file. */

export interface WavFormat {
	audioFormat: number;
	channels: number;
	sampleRate: number;
	byteRate: number;
	blockAlign: number;
	bitsPerSample: number;
}

export interface ParsedWav {
	format: WavFormat;
	/** The raw `fmt ` chunk body (kept whole: extensible formats carry more than 16 bytes). */
	fmt: Buffer;
	/** The samples (`data` chunk body). */
	data: Buffer;
}

/** Reads a WAV file; undefined when it is not one. A data size past the end (streamed WAVs) is clamped. */
export function parseWav(buffer: Buffer): ParsedWav | undefined {
	if (buffer.length < 12 || buffer.toString('latin1', 0, 4) !== 'RIFF' || buffer.toString('latin1', 8, 12) !== 'WAVE') {
		return undefined;
	}
	let fmt: Buffer | undefined;
	let offset = 12;
	while (offset + 8 <= buffer.length) {
		const id = buffer.toString('latin1', offset, offset + 4);
		const declared = buffer.readUInt32LE(offset + 4);
		const start = offset + 8;
		const end = Math.min(buffer.length, start + declared);
		if (id === 'fmt ') {
			if (end - start < 16) return undefined;
			fmt = buffer.subarray(start, end);
		} else if (id === 'data') {
			if (!fmt) return undefined;
			return {
				format: {
					audioFormat: fmt.readUInt16LE(0),
					channels: fmt.readUInt16LE(2),
					sampleRate: fmt.readUInt32LE(4),
					byteRate: fmt.readUInt32LE(8),
					blockAlign: fmt.readUInt16LE(12),
					bitsPerSample: fmt.readUInt16LE(14),
				},
				fmt,
				data: buffer.subarray(start, end),
			};
		}
		offset = start + declared + (declared % 2); // chunks are word-aligned
	}
	return undefined;
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

function sameFormat(a: WavFormat, b: WavFormat): boolean {
	return (
		a.audioFormat === b.audioFormat &&
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
export function joinWavs(parts: Buffer[]): { wav: Buffer; format: WavFormat; durationSeconds: number } | undefined {
	const parsed = parts.map(parseWav);
	if (!parsed.length || parsed.some((p) => !p)) return undefined;
	const all = parsed as ParsedWav[];
	const first = all[0];
	if (!all.every((p) => sameFormat(p.format, first.format))) return undefined;
	const samples = all.reduce((sum, p) => sum + p.data.length, 0);
	const durationSeconds = first.format.byteRate ? samples / first.format.byteRate : 0;
	const wav = parts.length === 1 ? parts[0] : buildWav(first.fmt, Buffer.concat(all.map((p) => p.data)));
	return { wav, format: first.format, durationSeconds };
}
