/**
 * Checks that bytes are a real MP4, with GPAC's mp4box.js parser (a devDependency) plus a
 * top-level box walk of our own, so a body cut short or a JSON error saved as ".mp4" fails.
 *
 *   expectMp4(await result.readBinary(item.binary.data));            // ftyp + moov + media
 *   expectFragmentedMp4(buffer);                                      // init segment + moof fragments
 */
// The package's types sit behind its "exports" map, which this repo's moduleResolution ("node")
// does not read: take the types from the CommonJS build's declarations, the code from "mp4box".
import type * as Mp4Box from 'mp4box/dist/mp4box.all.cjs';
import type { Movie } from 'mp4box/dist/mp4box.all.cjs';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createFile, Log, MP4BoxBuffer } = require('mp4box') as typeof Mp4Box;

export interface Mp4Info {
	/** Top-level box types in order. */
	boxes: string[];
	/** True when the top-level boxes cover the data exactly (nothing cut short). */
	complete: boolean;
	brands: string[];
	fragmented: boolean;
	/** `moof` boxes (fragments). */
	fragments: number;
	durationSeconds: number;
	tracks: Array<{ id: number; kind: 'video' | 'audio' | 'other'; codec: string; samples: number; width?: number; height?: number }>;
	/** What mp4box reported as errors while parsing. */
	errors: string[];
}

Log.setLogLevel(Log.error);

function walk(data: Buffer): { boxes: string[]; complete: boolean } {
	const boxes: string[] = [];
	let offset = 0;
	while (offset + 8 <= data.length) {
		let size = data.readUInt32BE(offset);
		const type = data.toString('latin1', offset + 4, offset + 8);
		if (size === 1) {
			if (offset + 16 > data.length) break;
			size = Number(data.readBigUInt64BE(offset + 8));
		} else if (size === 0) size = data.length - offset;
		if (size < 8) return { boxes, complete: false };
		boxes.push(type);
		offset += size;
	}
	return { boxes, complete: offset === data.length };
}

/** Parses the bytes and describes them (never throws for bad input: see `expectMp4`). */
export function inspectMp4(data: Buffer): Mp4Info {
	const { boxes, complete } = walk(data);
	const file = createFile();
	const errors: string[] = [];
	let movie: Movie | undefined;
	file.onReady = (info) => {
		movie = info;
	};
	file.onError = (module: string, message: string) => {
		errors.push(`${module}: ${message}`);
	};
	const copy = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
	try {
		file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(copy, 0));
		file.flush();
	} catch (error) {
		errors.push(String((error as Error).message ?? error));
	}
	const tracks = (movie?.tracks ?? []).map((track) => ({
		id: track.id,
		kind: (track.video ? 'video' : track.audio ? 'audio' : 'other') as 'video' | 'audio' | 'other',
		codec: track.codec,
		samples: track.nb_samples,
		width: track.video?.width,
		height: track.video?.height,
	}));
	return {
		boxes,
		complete,
		brands: movie?.brands ?? [],
		fragmented: movie?.isFragmented ?? false,
		fragments: boxes.filter((b) => b === 'moof').length,
		durationSeconds: movie && movie.timescale ? movie.duration / movie.timescale : 0,
		tracks,
		errors,
	};
}

function fail(info: Mp4Info, problem: string): never {
	throw new Error(`Not a valid MP4: ${problem} (boxes: ${info.boxes.slice(0, 12).join(',')}${info.boxes.length > 12 ? ',...' : ''}; errors: ${info.errors.join('; ') || 'none'})`);
}

/** A complete MP4: starts with ftyp, has moov, media data, a video track with samples, nothing cut short. */
export function expectMp4(data: Buffer | Uint8Array): Mp4Info {
	const buffer = Buffer.isBuffer(data) ? data : Buffer.from(data);
	const info = inspectMp4(buffer);
	if (buffer.length < 8) fail(info, `only ${buffer.length} bytes`);
	if (info.boxes[0] !== 'ftyp') fail(info, `first box is "${info.boxes[0] ?? 'none'}", not ftyp`);
	if (!info.boxes.includes('moov')) fail(info, 'no moov box');
	if (!info.boxes.includes('mdat')) fail(info, 'no mdat box');
	if (!info.complete) fail(info, 'the last box is cut short');
	if (info.errors.length) fail(info, 'mp4box reported errors');
	const video = info.tracks.find((t) => t.kind === 'video');
	if (!video) fail(info, 'no video track');
	if (video.samples <= 0) fail(info, 'the video track has no samples');
	return info;
}

/**
 * A fragmented MP4 (fMP4): an init segment (ftyp + moov declaring fragments) before any
 * fragment, then moof+mdat pairs.
 */
export function expectFragmentedMp4(data: Buffer | Uint8Array): Mp4Info {
	const info = expectMp4(data);
	if (!info.fragmented) fail(info, 'moov declares no fragments (no mvex): not an fMP4 init segment');
	const firstMoof = info.boxes.indexOf('moof');
	if (firstMoof === -1) fail(info, 'no moof fragments');
	if (info.boxes.indexOf('moov') > firstMoof) fail(info, 'a moof comes before the init segment');
	for (let i = 0; i < info.boxes.length; i++) {
		if (info.boxes[i] === 'moof' && info.boxes[i + 1] !== 'mdat') fail(info, `moof #${i} is not followed by its mdat`);
	}
	return info;
}
