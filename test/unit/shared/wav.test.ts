import { fixture } from '../../emulator/media';
import { WavError, buildWav, joinWavs, parseWav, wavMismatches } from '../../../nodes/shared/wav';

const AVATARTALK = { sampleRate: 16000, channels: 1, bitsPerSample: 16, encoding: 'pcm' } as const;

/** A canonical 44-byte-header WAV with optional extra chunks before "data". */
function wav(
	{ format = 1, channels = 1, rate = 16000, bits = 16, samples = 160, extraChunk = false, dataSize }: {
		format?: number;
		channels?: number;
		rate?: number;
		bits?: number;
		samples?: number;
		extraChunk?: boolean;
		dataSize?: number;
	} = {},
): Buffer {
	const blockAlign = (channels * bits) / 8;
	const audio = Buffer.alloc(samples * blockAlign, 1);
	const fmt = Buffer.alloc(24);
	fmt.write('fmt ', 0, 'latin1');
	fmt.writeUInt32LE(16, 4);
	fmt.writeUInt16LE(format, 8);
	fmt.writeUInt16LE(channels, 10);
	fmt.writeUInt32LE(rate, 12);
	fmt.writeUInt32LE(rate * blockAlign, 16);
	fmt.writeUInt16LE(blockAlign, 20);
	fmt.writeUInt16LE(bits, 22);
	const list = Buffer.concat([Buffer.from('LIST', 'latin1'), Buffer.from([5, 0, 0, 0]), Buffer.from('INFOx\0', 'latin1')]);
	const dataHeader = Buffer.alloc(8);
	dataHeader.write('data', 0, 'latin1');
	dataHeader.writeUInt32LE(dataSize ?? audio.length, 4);
	const body = Buffer.concat([Buffer.from('WAVE', 'latin1'), fmt, ...(extraChunk ? [list] : []), dataHeader, audio]);
	const riff = Buffer.alloc(8);
	riff.write('RIFF', 0, 'latin1');
	riff.writeUInt32LE(body.length, 4);
	return Buffer.concat([riff, body]);
}

describe('parseWav', () => {
	it('reads the 16 kHz mono 16-bit fixture (ffmpeg output with a LIST chunk)', () => {
		const info = parseWav(fixture('speech-16k-mono.wav'));
		expect(info).toMatchObject({ encoding: 'pcm', channels: 1, sampleRate: 16000, bitsPerSample: 16, audioFormat: 1 });
		expect(info.durationSeconds).toBeCloseTo(1.5, 2);
		expect(wavMismatches(info, AVATARTALK)).toEqual([]);
	});

	it('names every mismatch of the stereo 44.1 kHz fixture', () => {
		const info = parseWav(fixture('stereo-44k.wav'));
		expect(wavMismatches(info, AVATARTALK)).toEqual([
			'the sample rate is 44100 Hz, not 16000 Hz',
			'it has 2 channels (stereo), not 1 channel (mono)',
		]);
	});

	it('names the sample rate of the 24 kHz fixture', () => {
		expect(wavMismatches(parseWav(fixture('reply-24k-mono.wav')), AVATARTALK)).toEqual([
			'the sample rate is 24000 Hz, not 16000 Hz',
		]);
	});

	it('names bit depth and float encoding', () => {
		expect(wavMismatches(parseWav(wav({ bits: 8 })), AVATARTALK)).toEqual(['the bit depth is 8-bit, not 16-bit']);
		expect(wavMismatches(parseWav(wav({ format: 3, bits: 32 })), AVATARTALK)).toEqual([
			'the audio is FLOAT, not PCM',
			'the bit depth is 32-bit, not 16-bit',
		]);
	});

	it('accepts the extra chunks and a streamed data size of 0xFFFFFFFF', () => {
		const info = parseWav(wav({ extraChunk: true, dataSize: 0xffffffff, samples: 16000 }));
		expect(info.dataBytes).toBe(32000);
		expect(info.durationSeconds).toBe(1);
	});

	it('accepts a header-only 44-byte WAV (the documented minimum)', () => {
		const header = wav({ samples: 0 });
		expect(header.length).toBe(44);
		expect(parseWav(header).dataBytes).toBe(0);
	});

	it.each([
		['an MP3', () => fixture('sample.mp3'), /not a WAV file.*MP3/],
		['a 40-byte RIFF/WAVE stub', () => wav({ samples: 0 }).subarray(0, 40), /only 40 bytes long; at least 44/],
		['8 bytes', () => Buffer.from('RIFF1234'), /only 8 bytes long, too short/],
		['text', () => Buffer.from('this is not audio at all, just words in a file'), /starts with "this"/],
		[
			'a WAV without data chunk',
			() => {
				const full = wav({ samples: 0 });
				return Buffer.concat([full.subarray(0, 36), Buffer.from('junk\0\0\0\0', 'latin1')]);
			},
			/no "data" chunk/,
		],
	])('rejects %s', (_name, make, message) => {
		expect(() => parseWav(make())).toThrow(WavError);
		expect(() => parseWav(make())).toThrow(message);
	});
});

describe('WAV joining (AvaTar realtime replies)', () => {
	const reply = fixture('reply-24k-mono.wav');
	const stereo = fixture('stereo-44k.wav');

	it('reads the fixture (fmt, LIST skipped, data) with its raw fmt chunk and samples', () => {
		const wav = parseWav(reply);
		expect(wav).toMatchObject({ audioFormat: 1, encoding: 'pcm', channels: 1, sampleRate: 24000, byteRate: 48000, blockAlign: 2, bitsPerSample: 16 });
		expect(wav.fmt.length).toBe(16);
		expect(wav.data.length).toBe(24000); // 0.5 s of 16-bit mono at 24 kHz
		expect(wav.dataBytes).toBe(wav.data.length);
	});

	it('joins pieces into one WAV with the same samples and format', () => {
		const wav = parseWav(reply);
		const half = wav.data.length / 2;
		const pieces = [buildWav(wav.fmt, wav.data.subarray(0, half)), buildWav(wav.fmt, wav.data.subarray(half))];
		const joined = joinWavs(pieces)!;
		const back = parseWav(joined.wav);
		expect(back).toMatchObject({ sampleRate: 24000, channels: 1, bitsPerSample: 16, encoding: 'pcm' });
		expect(back.data.equals(wav.data)).toBe(true);
		expect(joined.durationSeconds).toBeCloseTo(0.5, 5);
		expect(joined.wav.readUInt32LE(4)).toBe(joined.wav.length - 8);
		expect(joined.wav.length).toBe(44 + wav.data.length);
	});

	it('returns a single piece unchanged', () => {
		expect(joinWavs([reply])!.wav).toBe(reply);
	});

	it('refuses to join different formats or non-WAV pieces', () => {
		expect(joinWavs([reply, stereo])).toBeUndefined();
		expect(joinWavs([reply, Buffer.from('raw pcm')])).toBeUndefined();
		expect(joinWavs([reply, Buffer.from('RIFF\0\0\0\0WAVEdata\0\0\0\0')])).toBeUndefined(); // data, no fmt
		expect(joinWavs([])).toBeUndefined();
	});

	it('pads an odd data chunk and clamps an overstated data size', () => {
		const wav = parseWav(reply);
		const odd = buildWav(wav.fmt, Buffer.from([1, 2, 3]));
		expect(odd.length % 2).toBe(0);
		expect(parseWav(odd).data).toEqual(Buffer.from([1, 2, 3]));
		const streamed = Buffer.from(buildWav(wav.fmt, Buffer.alloc(10)));
		streamed.writeUInt32LE(0xffffffff, 40);
		expect(parseWav(streamed).data.length).toBe(10);
	});

	it('reads the sub-format of an extensible header', () => {
		const fmt = Buffer.alloc(40);
		fmt.writeUInt16LE(0xfffe, 0);
		fmt.writeUInt16LE(1, 2);
		fmt.writeUInt32LE(16000, 4);
		fmt.writeUInt32LE(64000, 8);
		fmt.writeUInt16LE(4, 12);
		fmt.writeUInt16LE(32, 14);
		fmt.writeUInt16LE(22, 16);
		fmt.writeUInt16LE(3, 24); // IEEE float
		const info = parseWav(buildWav(fmt, Buffer.alloc(64)));
		expect(info).toMatchObject({ audioFormat: 0xfffe, encoding: 'float', sampleRate: 16000, dataBytes: 64 });
		expect(info.fmt.length).toBe(40);
	});
});
