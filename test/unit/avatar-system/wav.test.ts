import { readFileSync } from 'node:fs';
import path from 'node:path';

import { buildWav, joinWavs, parseWav } from '../../../nodes/AvaTar/wav';

const fixtures = path.join(__dirname, '..', '..', 'emulator', 'fixtures');
const reply = readFileSync(path.join(fixtures, 'reply-24k-mono.wav'));
const stereo = readFileSync(path.join(fixtures, 'stereo-44k.wav'));

describe('AvaTar WAV joining', () => {
	it('reads the fixture (fmt, LIST skipped, data)', () => {
		const wav = parseWav(reply);
		expect(wav?.format).toEqual({ audioFormat: 1, channels: 1, sampleRate: 24000, byteRate: 48000, blockAlign: 2, bitsPerSample: 16 });
		expect(wav?.data.length).toBe(24000); // 0.5 s of 16-bit mono at 24 kHz
	});

	it('is not fooled by non-WAV data', () => {
		expect(parseWav(Buffer.from('not a wav at all'))).toBeUndefined();
		expect(parseWav(Buffer.from('RIFF\0\0\0\0WAVEdata\0\0\0\0'))).toBeUndefined(); // data before fmt
	});

	it('joins pieces into one WAV with the same samples and format', () => {
		const wav = parseWav(reply)!;
		const half = wav.data.length / 2;
		const pieces = [buildWav(wav.fmt, wav.data.subarray(0, half)), buildWav(wav.fmt, wav.data.subarray(half))];
		const joined = joinWavs(pieces)!;
		const back = parseWav(joined.wav)!;
		expect(back.format).toEqual(wav.format);
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
		expect(joinWavs([])).toBeUndefined();
	});

	it('pads an odd data chunk and clamps an overstated data size', () => {
		const wav = parseWav(reply)!;
		const odd = buildWav(wav.fmt, Buffer.from([1, 2, 3]));
		expect(odd.length % 2).toBe(0);
		expect(parseWav(odd)!.data).toEqual(Buffer.from([1, 2, 3]));
		const streamed = Buffer.from(buildWav(wav.fmt, Buffer.alloc(10)));
		streamed.writeUInt32LE(0xffffffff, 40);
		expect(parseWav(streamed)!.data.length).toBe(10);
	});
});
