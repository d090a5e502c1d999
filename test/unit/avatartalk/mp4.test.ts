import { Mp4Scanner } from '../../../nodes/AvatarTalk/mp4';
import { continuousMedia } from '../../emulator/providers/avatartalk';
import { chunked, fixture, fragmentedChunks, largeMp4 } from '../../emulator/media';
import { expectFragmentedMp4, expectMp4, inspectMp4 } from '../../helpers/mp4';

function scan(parts: Iterable<Buffer>): Mp4Scanner {
	const scanner = new Mp4Scanner();
	for (const part of parts) scanner.push(part);
	return scanner;
}

/** Splits into pieces of varying odd sizes, so box headers straddle chunk boundaries. */
function* ragged(data: Buffer): Generator<Buffer> {
	const sizes = [1, 3, 7, 5, 13, 101, 999, 4096, 2];
	let offset = 0;
	for (let i = 0; offset < data.length; i++) {
		const n = sizes[i % sizes.length];
		yield data.subarray(offset, offset + n);
		offset += n;
	}
}

describe('Mp4Scanner (node-side streaming MP4 check)', () => {
	it('accepts the progressive fixture, in one piece or in ragged pieces, with its 2 s duration', () => {
		const data = fixture('sample.mp4');
		for (const scanner of [scan([data]), scan(ragged(data))]) {
			expect(scanner.problem()).toBeUndefined();
			const summary = scanner.summary();
			expect(summary.firstBox).toBe('ftyp');
			expect(summary.hasMoov).toBe(true);
			expect(summary.fragments).toBe(0);
			expect(summary.bytes).toBe(data.length);
			expect(summary.durationSeconds).toBeCloseTo(2, 1);
		}
	});

	it('reads the media time of an fMP4 fragment by fragment', () => {
		const chunks = fragmentedChunks();
		const scanner = new Mp4Scanner();
		scanner.push(chunks[0]);
		expect(scanner.summary().fragmentedInit).toBe(true);
		const seen: number[] = [];
		for (const chunk of chunks.slice(1)) {
			scanner.push(chunk);
			seen.push(scanner.durationSeconds as number);
		}
		for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]);
		expect(seen[0]).toBeGreaterThan(0);
		expect(seen[0]).toBeLessThan(1);
		expect(seen.at(-1)).toBeCloseTo(2, 1);
		expect(scanner.problem()).toBeUndefined();
		expect(scanner.summary().fragments).toBe(chunks.length - 1);
	});

	it('names what is wrong: cut short, not an MP4, no data, no moov', () => {
		const data = fixture('sample.mp4');
		expect(scan([data.subarray(0, data.length - 10)]).problem()).toMatch(/cut short/);
		expect(scan([Buffer.from('{"status":"error","message":"nope"}')]).problem()).toMatch(/does not start like an MP4/);
		expect(new Mp4Scanner().problem()).toMatch(/no video data/);
		const ftypOnly = data.subarray(0, data.readUInt32BE(0));
		expect(scan([ftypOnly]).problem()).toMatch(/no "moov"/);
	});

	it('follows a padded large MP4 without holding it (64-bit free box)', async () => {
		const scanner = new Mp4Scanner();
		for await (const chunk of largeMp4(3 * 1024 * 1024, 256 * 1024)) scanner.push(chunk);
		expect(scanner.problem()).toBeUndefined();
		expect(scanner.summary().bytes).toBeGreaterThanOrEqual(3 * 1024 * 1024);
	});
});

describe('test/helpers/mp4 (mp4box checks)', () => {
	it('accepts the fixtures and reports tracks', () => {
		const info = expectMp4(fixture('sample.mp4'));
		expect(info.tracks.map((t) => t.kind).sort()).toEqual(['audio', 'video']);
		expect(info.durationSeconds).toBeCloseTo(2, 1);
		const frag = expectFragmentedMp4(fixture('sample-fragmented.mp4'));
		expect(frag.fragments).toBeGreaterThan(1);
	});

	it('rejects a truncated MP4, a non-MP4 and a progressive file where fMP4 is required', () => {
		const data = fixture('sample.mp4');
		expect(() => expectMp4(data.subarray(0, data.length - 100))).toThrow(/cut short/);
		expect(() => expectMp4(Buffer.from('<html>502</html>'))).toThrow(/Not a valid MP4/);
		expect(() => expectFragmentedMp4(data)).toThrow(/fragments/);
		expect(inspectMp4(Buffer.alloc(0)).boxes).toEqual([]);
	});
});

describe('emulator continuous media (looped fMP4 fragments)', () => {
	it('renumbers and re-times repeated fragments into one valid, growing fMP4', () => {
		const media = continuousMedia();
		const perPass = fragmentedChunks().length - 1;
		const count = 3 * perPass; // three passes over the fixture's fragments: 3 x 2 s
		const data = Buffer.concat([media.init, ...Array.from({ length: count }, (_, i) => media.fragment(i))]);
		const info = expectFragmentedMp4(data);
		expect(info.fragments).toBe(count);
		const scanner = scan([data]);
		expect(scanner.problem()).toBeUndefined();
		expect(scanner.durationSeconds).toBeCloseTo(6, 1);
		const video = info.tracks.find((t) => t.kind === 'video');
		expect(video?.width).toBe(512);
		expect(video?.samples).toBe(3 * 50); // 25 fps x 2 s per pass
	});

	it('chunks of the fixture are still valid when split for streaming', () => {
		expectMp4(Buffer.concat([...chunked(fixture('sample.mp4'), 1000)]));
	});
});
