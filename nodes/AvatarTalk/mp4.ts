/**
 * A small streaming ISO-BMFF (MP4) scanner for video that arrives over a WebSocket in pieces.
 * It reads only box headers, plus the small `moov`/`moof` boxes whole, and skips media
 * payloads, so it can follow a stream of any size chunk by chunk. It answers two questions:
 * - is what arrived a complete MP4 (starts with `ftyp`, has a `moov`, carries media, and ends
 *   exactly on a box boundary rather than in the middle of one)?
 * - how much media time has arrived so far (from `mvhd`, or from the `moof` fragments of a
 *   fragmented MP4, using `tfdt`, `trun` and the `tfhd`/`trex` defaults)?
 */

/** Boxes read whole; anything else is skipped after its header. */
const PARSED = new Set(['moov', 'moof']);
/** A `moov`/`moof` larger than this is not plausible; it is skipped instead of held. */
const MAX_PARSED_BOX = 32 * 1024 * 1024;

interface Track {
	timescale: number;
	handler: string;
	defaultSampleDuration: number;
	/** Decode time (track timescale) of the end of the latest fragment. */
	end: number;
}

export interface Mp4Summary {
	bytes: number;
	/** Type of the first top-level box (`ftyp` for a valid file). */
	firstBox?: string;
	/** How many top-level boxes of each type arrived. */
	boxCounts: Record<string, number>;
	/** True when the data ends exactly at the end of a box. */
	endsOnBoxBoundary: boolean;
	hasMoov: boolean;
	/** `moov` declares fragments (`mvex`): an fMP4 init segment. */
	fragmentedInit: boolean;
	/** `moof` fragments seen. */
	fragments: number;
	/** Media time that arrived, in seconds (video track when there is one). */
	durationSeconds: number | undefined;
}

function boxType(data: Buffer, offset: number): string {
	return data.toString('latin1', offset + 4, offset + 8);
}

/** The child boxes of a container box held in `data[start, end)`: [type, start, end] each. */
function* children(data: Buffer, start: number, end: number): Generator<{ type: string; start: number; end: number }> {
	let offset = start;
	while (offset + 8 <= end) {
		let size = data.readUInt32BE(offset);
		let header = 8;
		if (size === 1) {
			if (offset + 16 > end) return;
			size = Number(data.readBigUInt64BE(offset + 8));
			header = 16;
		} else if (size === 0) size = end - offset;
		if (size < header || offset + size > end) return;
		yield { type: boxType(data, offset), start: offset, end: offset + size };
		offset += size;
	}
}

function child(data: Buffer, start: number, end: number, type: string) {
	for (const box of children(data, start, end)) if (box.type === type) return box;
	return undefined;
}

/** Payload start of a box (after its 8-byte header). */
const body = (box: { start: number }) => box.start + 8;

export class Mp4Scanner {
	private bytes = 0;
	private header = Buffer.alloc(0);
	/** Payload bytes of the current (skipped) box still to come; -1: the box runs to the end. */
	private skip = 0;
	/** A moov/moof being collected whole. */
	private collecting: { chunks: Buffer[]; have: number; size: number } | undefined;
	private firstBox: string | undefined;
	private readonly counts: Record<string, number> = {};
	private readonly tracks = new Map<number, Track>();
	private movie: { timescale: number; duration: number } | undefined;
	private fragmentedInit = false;
	private hasMoov = false;

	push(chunk: Buffer): void {
		this.bytes += chunk.length;
		let offset = 0;
		while (offset < chunk.length) {
			if (this.skip === -1) return;
			if (this.skip > 0) {
				const n = Math.min(this.skip, chunk.length - offset);
				this.skip -= n;
				offset += n;
				continue;
			}
			if (this.collecting) {
				const c = this.collecting;
				const n = Math.min(c.size - c.have, chunk.length - offset);
				c.chunks.push(chunk.subarray(offset, offset + n));
				c.have += n;
				offset += n;
				if (c.have === c.size) {
					this.collecting = undefined;
					this.parseBox(Buffer.concat(c.chunks, c.size));
				}
				continue;
			}
			// Reading a box header: 8 bytes, or 16 when the size is 64-bit.
			const need = this.header.length >= 8 && this.header.readUInt32BE(0) === 1 ? 16 : 8;
			const n = Math.min(need - this.header.length, chunk.length - offset);
			this.header = Buffer.concat([this.header, chunk.subarray(offset, offset + n)]);
			offset += n;
			if (this.header.length < need) continue;
			if (need === 8 && this.header.readUInt32BE(0) === 1) continue; // read the 64-bit size next
			this.startBox(this.header);
			this.header = Buffer.alloc(0);
		}
	}

	private startBox(header: Buffer): void {
		const type = boxType(header, 0);
		this.firstBox ??= type;
		this.counts[type] = (this.counts[type] ?? 0) + 1;
		const small = header.readUInt32BE(0);
		const size = small === 1 ? Number(header.readBigUInt64BE(8)) : small;
		if (small === 0) {
			this.skip = -1; // "to the end of the file"
			return;
		}
		const payload = size - header.length;
		if (payload < 0) {
			this.skip = -1; // a corrupt size: nothing after it can be trusted
			this.counts.invalid = (this.counts.invalid ?? 0) + 1;
			return;
		}
		if (PARSED.has(type) && size <= MAX_PARSED_BOX) {
			this.collecting = { chunks: [header], have: header.length, size };
			if (payload === 0) {
				this.collecting = undefined;
				this.parseBox(header);
			}
			return;
		}
		this.skip = payload;
	}

	private parseBox(box: Buffer): void {
		const type = boxType(box, 0);
		if (type === 'moov') this.parseMoov(box);
		else if (type === 'moof') this.parseMoof(box);
	}

	private parseMoov(data: Buffer): void {
		this.hasMoov = true;
		const mvhd = child(data, 8, data.length, 'mvhd');
		if (mvhd) {
			const v = data.readUInt8(body(mvhd));
			const at = body(mvhd) + (v === 1 ? 20 : 12);
			const timescale = data.readUInt32BE(at);
			const duration = v === 1 ? Number(data.readBigUInt64BE(at + 4)) : data.readUInt32BE(at + 4);
			this.movie = { timescale, duration };
		}
		for (const trak of children(data, 8, data.length)) {
			if (trak.type !== 'trak') continue;
			const tkhd = child(data, body(trak), trak.end, 'tkhd');
			const mdia = child(data, body(trak), trak.end, 'mdia');
			if (!tkhd || !mdia) continue;
			const trackId = data.readUInt32BE(body(tkhd) + (data.readUInt8(body(tkhd)) === 1 ? 20 : 12));
			const mdhd = child(data, body(mdia), mdia.end, 'mdhd');
			const hdlr = child(data, body(mdia), mdia.end, 'hdlr');
			const timescale = mdhd ? data.readUInt32BE(body(mdhd) + (data.readUInt8(body(mdhd)) === 1 ? 20 : 12)) : 0;
			const handler = hdlr ? data.toString('latin1', body(hdlr) + 8, body(hdlr) + 12) : '';
			this.tracks.set(trackId, { timescale, handler, defaultSampleDuration: 0, end: 0 });
		}
		const mvex = child(data, 8, data.length, 'mvex');
		if (mvex) {
			this.fragmentedInit = true;
			for (const trex of children(data, body(mvex), mvex.end)) {
				if (trex.type !== 'trex') continue;
				const track = this.tracks.get(data.readUInt32BE(body(trex) + 4));
				if (track) track.defaultSampleDuration = data.readUInt32BE(body(trex) + 12);
			}
		}
	}

	private parseMoof(data: Buffer): void {
		for (const traf of children(data, 8, data.length)) {
			if (traf.type !== 'traf') continue;
			const tfhd = child(data, body(traf), traf.end, 'tfhd');
			if (!tfhd) continue;
			const flags = data.readUIntBE(body(tfhd) + 1, 3);
			const track = this.tracks.get(data.readUInt32BE(body(tfhd) + 4));
			if (!track) continue;
			let at = body(tfhd) + 8;
			if (flags & 0x01) at += 8; // base_data_offset
			if (flags & 0x02) at += 4; // sample_description_index
			const defaultDuration = flags & 0x08 ? data.readUInt32BE(at) : track.defaultSampleDuration;
			const tfdt = child(data, body(traf), traf.end, 'tfdt');
			let time = track.end;
			if (tfdt) {
				time = data.readUInt8(body(tfdt)) === 1 ? Number(data.readBigUInt64BE(body(tfdt) + 4)) : data.readUInt32BE(body(tfdt) + 4);
			}
			for (const trun of children(data, body(traf), traf.end)) {
				if (trun.type !== 'trun') continue;
				const trunFlags = data.readUIntBE(body(trun) + 1, 3);
				const count = data.readUInt32BE(body(trun) + 4);
				let p = body(trun) + 8;
				if (trunFlags & 0x01) p += 4; // data_offset
				if (trunFlags & 0x04) p += 4; // first_sample_flags
				const perSample =
					(trunFlags & 0x100 ? 4 : 0) + (trunFlags & 0x200 ? 4 : 0) + (trunFlags & 0x400 ? 4 : 0) + (trunFlags & 0x800 ? 4 : 0);
				for (let i = 0; i < count; i++) {
					if (p + perSample > trun.end) break;
					time += trunFlags & 0x100 ? data.readUInt32BE(p) : defaultDuration;
					p += perSample;
				}
			}
			track.end = Math.max(track.end, time);
		}
	}

	/** Per track: timescale, handler (`vide`, `soun`) and decode time reached by the fragments. */
	trackTimes(): Map<number, { timescale: number; handler: string; end: number }> {
		const result = new Map<number, { timescale: number; handler: string; end: number }>();
		for (const [id, t] of this.tracks) result.set(id, { timescale: t.timescale, handler: t.handler, end: t.end });
		return result;
	}

	/** Media time received so far in seconds (video track preferred). */
	get durationSeconds(): number | undefined {
		const fragments = this.counts.moof ?? 0;
		if (fragments > 0) {
			const tracks = [...this.tracks.values()].filter((t) => t.timescale > 0);
			const video = tracks.find((t) => t.handler === 'vide');
			const pick = video ?? tracks.sort((a, b) => b.end / b.timescale - a.end / a.timescale)[0];
			return pick ? pick.end / pick.timescale : undefined;
		}
		if (this.movie && this.movie.timescale > 0) return this.movie.duration / this.movie.timescale;
		return undefined;
	}

	summary(): Mp4Summary {
		return {
			bytes: this.bytes,
			firstBox: this.firstBox,
			boxCounts: { ...this.counts },
			endsOnBoxBoundary: this.skip === 0 && !this.collecting && this.header.length === 0,
			hasMoov: this.hasMoov,
			fragmentedInit: this.fragmentedInit,
			fragments: this.counts.moof ?? 0,
			durationSeconds: this.durationSeconds,
		};
	}

	/**
	 * Why this is not a complete, playable MP4 (undefined when it is): the words end up in the
	 * node's error message.
	 */
	problem(): string | undefined {
		const s = this.summary();
		if (s.bytes === 0) return 'no video data arrived';
		if (s.firstBox !== 'ftyp') return `the data does not start like an MP4 file (first box "${s.firstBox ?? '?'}", expected "ftyp")`;
		if (!s.hasMoov) return 'the MP4 has no "moov" box (no track description)';
		if (s.boxCounts.invalid) return 'the MP4 has a box with an impossible size';
		if (!s.endsOnBoxBoundary && this.skip !== -1) return 'the MP4 ends in the middle of a box: it was cut short';
		if (!s.boxCounts.mdat) return 'the MP4 carries no media data ("mdat")';
		return undefined;
	}
}
