import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// Beside this file when run from source (jest); from build/test/emulator (the compiled CLI and
// demo) the committed fixtures are three levels up, in the source tree.
const FIXTURES = [join(__dirname, 'fixtures'), join(__dirname, '..', '..', '..', 'test', 'emulator', 'fixtures')].find((dir) =>
	existsSync(join(dir, 'sample.mp4')),
) as string;
const cache = new Map<string, Buffer>();

/** A committed media fixture (see fixtures/generate.sh for how each was made). */
export function fixture(
	name:
		| 'sample.mp4'
		| 'sample-fragmented.mp4'
		| 'sample.mp3'
		| 'frame.jpg'
		| 'speech-16k-mono.wav'
		| 'reply-24k-mono.wav'
		| 'stereo-44k.wav',
): Buffer {
	let data = cache.get(name);
	if (!data) {
		data = readFileSync(join(FIXTURES, name));
		cache.set(name, data);
	}
	return data;
}

/** Top-level ISO-BMFF boxes: [type, start, end]. */
export function topLevelBoxes(data: Buffer): Array<{ type: string; start: number; end: number }> {
	const boxes: Array<{ type: string; start: number; end: number }> = [];
	let offset = 0;
	while (offset + 8 <= data.length) {
		let size = data.readUInt32BE(offset);
		const type = data.toString('latin1', offset + 4, offset + 8);
		if (size === 1) size = Number(data.readBigUInt64BE(offset + 8));
		if (size === 0) size = data.length - offset;
		if (size < 8) break;
		boxes.push({ type, start: offset, end: Math.min(offset + size, data.length) });
		offset += size;
	}
	return boxes;
}

/**
 * The fragmented fixture split the way a live fMP4 stream arrives: the init segment
 * (ftyp + moov) first, then one chunk per moof+mdat fragment.
 */
export function fragmentedChunks(): Buffer[] {
	const data = fixture('sample-fragmented.mp4');
	const boxes = topLevelBoxes(data);
	const chunks: Buffer[] = [];
	let pending = 0;
	for (const box of boxes) {
		if (box.type === 'moof' && box.start > pending) {
			chunks.push(data.subarray(pending, box.start));
			pending = box.start;
		}
	}
	chunks.push(data.subarray(pending));
	return chunks;
}

/** Splits a buffer into chunks of at most `size` bytes (to stream a fixture in pieces). */
export function* chunked(data: Buffer, size = 16 * 1024): Generator<Buffer> {
	for (let offset = 0; offset < data.length; offset += size) yield data.subarray(offset, offset + size);
}

/**
 * A valid MP4 of any size without holding it in memory: the fixture's ftyp, a `free` box of
 * filler to reach the size, then the fixture's remaining boxes (moov, mdat). Players and
 * parsers skip `free` boxes, so the file stays a real MP4.
 */
export async function* largeMp4(totalBytes: number, chunkSize = 1024 * 1024): AsyncGenerator<Buffer> {
	const base = fixture('sample.mp4');
	const boxes = topLevelBoxes(base);
	const ftyp = boxes.find((b) => b.type === 'ftyp');
	if (!ftyp) throw new Error('fixture has no ftyp');
	const rest = base.subarray(ftyp.end);
	const fillerSize = Math.max(16, totalBytes - base.length);
	yield base.subarray(ftyp.start, ftyp.end);
	// 64-bit box header: size field 1, then the real size (boxes may exceed 4 GB).
	const header = Buffer.alloc(16);
	header.writeUInt32BE(1, 0);
	header.write('free', 4, 'latin1');
	header.writeBigUInt64BE(BigInt(fillerSize), 8);
	yield header;
	const zeros = Buffer.alloc(chunkSize);
	let left = fillerSize - 16;
	while (left > 0) {
		const n = Math.min(left, chunkSize);
		yield n === chunkSize ? zeros : zeros.subarray(0, n);
		left -= n;
	}
	yield rest;
}

export function largeMp4Size(totalBytes: number): number {
	const base = fixture('sample.mp4');
	return base.length + Math.max(16, totalBytes - base.length);
}
