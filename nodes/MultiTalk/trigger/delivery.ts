import { createHash, timingSafeEqual } from 'node:crypto';

import type { IDataObject } from 'n8n-workflow';

/** The documented webhook payload. */
export interface MultiTalkEvent extends IDataObject {
	job_id: string;
	status: string;
	timestamp?: string;
	result?: IDataObject | null;
	error?: string | null;
}

export type ParsedPayload = { ok: true; event: MultiTalkEvent } | { ok: false; problem: string };

function isPlainObject(value: unknown): value is IDataObject {
	return value !== null && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/**
 * Reads a webhook body: a JSON object with a non-empty string `job_id` and `status` (the other
 * documented fields are optional). `raw` is the request body as bytes when n8n left it unparsed;
 * `parsed` is what n8n made of it otherwise.
 */
export function parsePayload(raw: Buffer | string | undefined, parsed: unknown): ParsedPayload {
	let body: unknown = parsed;
	if (raw !== undefined && (Buffer.isBuffer(raw) ? raw.length > 0 : raw !== '')) {
		const text = (Buffer.isBuffer(raw) ? raw.toString('utf8') : raw).replace(/^\uFEFF/, '');
		try {
			body = JSON.parse(text);
		} catch {
			return { ok: false, problem: 'The body is not valid JSON' };
		}
	}
	if (!isPlainObject(body) || Object.keys(body).length === 0) {
		return { ok: false, problem: 'The body must be a JSON object with job_id and status' };
	}
	if (typeof body.job_id !== 'string' || body.job_id.trim() === '') {
		return { ok: false, problem: 'job_id is missing (a non-empty string is expected)' };
	}
	if (typeof body.status !== 'string' || body.status.trim() === '') {
		return { ok: false, problem: 'status is missing (a non-empty string is expected)' };
	}
	if (body.result !== undefined && body.result !== null && !isPlainObject(body.result)) {
		return { ok: false, problem: 'result must be an object or null' };
	}
	return { ok: true, event: body as MultiTalkEvent };
}

/** Compares a presented secret with the expected one in constant time (whatever the lengths). */
export function secretMatches(presented: unknown, expected: string): boolean {
	if (typeof presented !== 'string' || presented === '') return false;
	const a = createHash('sha256').update(presented, 'utf8').digest();
	const b = createHash('sha256').update(expected, 'utf8').digest();
	return timingSafeEqual(a, b);
}

// ---- exactly-once --------------------------------------------------------------------------

/**
 * Kept in the node's workflow static data (stored with the workflow in n8n's database).
 *
 * n8n reads the static data twice per webhook call (with the workflow row, then again as it
 * starts the execution), wraps it in a change-tracking proxy, and writes it back after a call
 * that changed it, each time through JSON. A record of 10,000 events as an object with one key
 * per event cost tens of ms per call in that parsing alone (CPU profile, test/bench/
 * profileTrigger.ts), so events are kept in one string, `log`: one entry per event, oldest first,
 * `<epoch ms in base 36> <key>;`, the key escaped so that it holds no space or `;`.
 * Parsing, copying and storing one string costs a fraction of that, and a lookup is one search.
 * Ledgers stored before (`delivered`, an object) are still read, and moved into `log` on the
 * next recorded event.
 */
export interface DeliveryLedger extends IDataObject {
	/** One entry per delivered event, oldest first: `<epoch ms, base 36> <escaped key>;`. */
	log?: string;
	/** The first format: `<job_id>:<status>` -> when it started an execution (epoch ms), oldest first. */
	delivered?: Record<string, number>;
	/** How many entries the ledger holds (so that a call needs not count them). */
	size?: number;
	/** When entries past the retention time were last dropped (epoch ms). */
	prunedAt?: number;
}

export const LEDGER_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
export const LEDGER_MAX_ENTRIES = 10_000;
/** A full ledger drops this many of its oldest entries at once. */
export const LEDGER_PRUNE_BATCH = 1_000;
/** Entries past the retention time are dropped at most this often (they are ignored meanwhile). */
export const LEDGER_PRUNE_INTERVAL_MS = 60 * 60 * 1000;

export function eventKey(event: Pick<MultiTalkEvent, 'job_id' | 'status'>): string {
	return `${event.job_id}:${event.status}`;
}

const ESCAPES: Record<string, string> = { '%': '%25', ' ': '%20', ';': '%3B' };
const escapeKey = (key: string) => key.replace(/[% ;]/g, (c) => ESCAPES[c]);
const unescapeKey = (text: string) => text.replace(/%(25|20|3B)/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
const line = (key: string, at: number) => `${Math.max(0, Math.trunc(at)).toString(36)} ${escapeKey(key)};`;

/** Where the entry of an escaped key starts and ends in a log, or undefined. */
function findLine(log: string, escaped: string): { start: number; space: number; end: number } | undefined {
	// keys hold no space or ';', so " key;" can only be one whole key
	const space = log.indexOf(` ${escaped};`);
	if (space < 0) return undefined;
	return { start: log.lastIndexOf(';', space) + 1, space, end: space + escaped.length + 2 };
}

/** Every entry of a log as [key, epoch ms], in log order (anything that is not one is skipped). */
function parseLog(log: string): Array<[string, number]> {
	const entries: Array<[string, number]> = [];
	for (let at = 0; at < log.length; ) {
		const end = log.indexOf(';', at);
		const stop = end < 0 ? log.length : end;
		const space = log.indexOf(' ', at);
		if (space > at && space < stop) entries.push([unescapeKey(log.slice(space + 1, stop)), parseInt(log.slice(at, space), 36)]);
		at = stop + 1;
	}
	return entries;
}

/** The first format's entries, oldest first. */
function legacyEntries(ledger: DeliveryLedger): Array<[string, number]> {
	const delivered = ledger.delivered;
	if (delivered === null || typeof delivered !== 'object') return [];
	return Object.keys(delivered)
		.filter((key) => key !== '__dataChanged')
		.map((key): [string, number] => [key, delivered[key]]);
}

/** Every recorded event of a ledger, whatever its format: key -> epoch ms, oldest first. */
export function ledgerEntries(ledger: DeliveryLedger): Record<string, number> {
	const entries: Record<string, number> = {};
	for (const [key, at] of [...legacyEntries(ledger), ...parseLog(typeof ledger.log === 'string' ? ledger.log : '')]) {
		delete entries[key];
		entries[key] = at;
	}
	return entries;
}

/** Was this event already delivered (within the retention time)? */
export function alreadyDelivered(ledger: DeliveryLedger, key: string, now: number, retentionMs = LEDGER_RETENTION_MS): boolean {
	let at: unknown;
	const found = typeof ledger.log === 'string' ? findLine(ledger.log, escapeKey(key)) : undefined;
	if (found) at = parseInt((ledger.log as string).slice(found.start, found.space), 36);
	else if (ledger.delivered !== null && typeof ledger.delivered === 'object') at = ledger.delivered[key];
	return typeof at === 'number' && Number.isFinite(at) && now - at < retentionMs;
}

/** The ledger's log, with a first-format record moved into it (dropped from `delivered`). */
function currentLog(ledger: DeliveryLedger): { log: string; migrated: boolean } {
	const log = typeof ledger.log === 'string' ? ledger.log : '';
	if (ledger.delivered === undefined) return { log, migrated: false };
	const legacy = legacyEntries(ledger).filter(([, at]) => typeof at === 'number' && Number.isFinite(at));
	delete ledger.delivered;
	const logged = new Set(parseLog(log).map(([key]) => key));
	return { log: legacy.filter(([key]) => !logged.has(key)).map(([key, at]) => line(key, at)).join('') + log, migrated: true };
}

/** The escaped keys of a log. */
function loggedKeys(log: string): Set<string> {
	const keys = new Set<string>();
	for (let at = 0; at < log.length; ) {
		const end = log.indexOf(';', at);
		const stop = end < 0 ? log.length : end;
		const space = log.indexOf(' ', at);
		if (space > at && space < stop) keys.add(log.slice(space + 1, stop));
		at = stop + 1;
	}
	return keys;
}

/** How many entries a log holds. */
function countLines(log: string): number {
	let count = 0;
	for (let at = log.indexOf(';'); at >= 0; at = log.indexOf(';', at + 1)) count++;
	return count;
}

/** Drops the entries past the retention time (or not a time), then the oldest beyond `keep`. */
function prune(log: string, now: number, retentionMs: number, keep: number): { log: string; size: number } {
	// oldest first by time (calls of other processes may have appended out of order)
	const kept = parseLog(log)
		.filter(([, at]) => Number.isFinite(at) && now - at < retentionMs)
		.sort((x, y) => x[1] - y[1]);
	const newest = kept.slice(Math.max(0, kept.length - keep));
	return { log: newest.map(([key, at]) => line(key, at)).join(''), size: newest.length };
}

/**
 * Records an event (an event recorded again after it lapsed becomes the newest entry) and keeps
 * the record bounded: at most `maxEntries`, entries past the retention time dropped.
 *
 * A call does not go through every entry: the ledger keeps its size, a full ledger drops its
 * oldest `LEDGER_PRUNE_BATCH` entries at once, and expired entries (which lookups ignore
 * anyway) are dropped at most once per `LEDGER_PRUNE_INTERVAL_MS`. A call then costs one search
 * of the log and one append. Writes through `ledger` (n8n watches the static data object for
 * changes).
 */
export function recordDelivery(
	ledger: DeliveryLedger,
	key: string,
	now: number,
	{ retentionMs = LEDGER_RETENTION_MS, maxEntries = LEDGER_MAX_ENTRIES, pruneBatch = LEDGER_PRUNE_BATCH, pruneIntervalMs = LEDGER_PRUNE_INTERVAL_MS } = {},
): void {
	const current = currentLog(ledger);
	let log = current.log;
	const found = findLine(log, escapeKey(key));
	if (found) log = log.slice(0, found.start) + log.slice(found.end);
	log += line(key, now);
	// a ledger stored before `size` existed (or in the first format), or edited by hand, is counted once
	const stored = ledger.size;
	let size =
		!current.migrated && typeof stored === 'number' && Number.isInteger(stored) && stored >= 0 ? stored + (found ? 0 : 1) : countLines(log);
	const lastPruned = typeof ledger.prunedAt === 'number' ? ledger.prunedAt : Number.NEGATIVE_INFINITY;
	const full = !(size <= maxEntries);
	if (full || now - lastPruned >= pruneIntervalMs || now < lastPruned) {
		({ log, size } = prune(log, now, retentionMs, full ? Math.max(1, maxEntries - pruneBatch) : maxEntries));
		ledger.prunedAt = now;
	}
	ledger.size = size;
	ledger.log = log;
}

/**
 * Claims held in this process while an event is being handled. Each request loads its own copy
 * of the workflow's static data, so two copies of one event arriving at the same moment would
 * both find the ledger empty: the first claim wins, the other is answered as a duplicate. A claim
 * lasts while the event is handled and for a grace period after (until n8n has stored the
 * ledger); one whose handling failed is released so that MultiTalk's retry can go through.
 */
export class ClaimTable {
	private readonly claims = new Map<string, number>();

	/** True when the key was free (now claimed until settled or released). */
	claim(key: string, now: number): boolean {
		for (const [k, until] of this.claims) if (until <= now) this.claims.delete(k);
		if (this.claims.has(key)) return false;
		this.claims.set(key, Number.POSITIVE_INFINITY);
		return true;
	}

	/** The event was handed to n8n: keep the claim for `graceMs` more. */
	settle(key: string, now: number, graceMs: number): void {
		if (this.claims.has(key)) this.claims.set(key, now + graceMs);
	}

	release(key: string): void {
		this.claims.delete(key);
	}

	clear(): void {
		this.claims.clear();
	}

	get size(): number {
		return this.claims.size;
	}
}

/**
 * Events this process recorded, per ledger (workflow + trigger node). n8n saves a workflow's
 * static data as a whole, and every request works on its own copy, so two events handled at the
 * same time would each save a ledger without the other's entry (the last save wins). Merging
 * what this process knows into the ledger just before it is handed back to n8n makes each save
 * carry every event recorded so far.
 */
export class LedgerCache {
	private readonly ledgers = new Map<string, Map<string, number>>();
	/**
	 * Per ledger, the keys of the head of a log seen before. Copies of a ledger differ only in
	 * their newest entries (until the oldest are pruned), so a copy that starts with that head
	 * needs only its tail read: a call does not go through 10,000 entries.
	 */
	private readonly heads = new Map<string, { head: string; keys: Set<string> }>();
	/** How much of a log's end is left out of the kept head (events of calls still running). */
	static readonly TAIL_CHARS = 16_384;

	remember(ledgerId: string, key: string, at: number): void {
		let known = this.ledgers.get(ledgerId);
		if (!known) this.ledgers.set(ledgerId, (known = new Map()));
		known.set(key, at);
	}

	forget(ledgerId: string, key: string): void {
		this.ledgers.get(ledgerId)?.delete(key);
	}

	/**
	 * Adds every remembered event missing from `ledger` (pruned like recordDelivery) and says
	 * whether it added any. Writing only then matters: n8n stores the static data after a call
	 * that changed it, so a call that finds a record missing (dropped by another process's
	 * overlapping save, see the README's "Scaling (queue mode)") puts it back.
	 */
	mergeInto(
		ledgerId: string,
		ledger: DeliveryLedger,
		now: number,
		{ retentionMs = LEDGER_RETENTION_MS, maxEntries = LEDGER_MAX_ENTRIES, pruneBatch = LEDGER_PRUNE_BATCH } = {},
	): boolean {
		const known = this.ledgers.get(ledgerId);
		if (!known?.size) return false;
		const current = currentLog(ledger);
		let log = current.log;
		// the kept head's keys and one pass over the rest when many are to be checked, a search each otherwise
		const logged = known.size > 16 ? this.loggedKeys(ledgerId, log) : undefined;
		const missing: Array<[string, number]> = [];
		for (const [key, at] of known) {
			if (now - at >= retentionMs) known.delete(key);
			else if (logged ? !logged(escapeKey(key)) : !findLine(log, escapeKey(key))) missing.push([key, at]);
		}
		while (known.size > maxEntries) known.delete(known.keys().next().value as string);
		if (!missing.length && !current.migrated) return false;
		// events recorded meanwhile by other calls, or dropped by another process's overlapping save
		log += missing
			.sort((x, y) => x[1] - y[1])
			.map(([key, at]) => line(key, at))
			.join('');
		let size = current.migrated || !(typeof ledger.size === 'number' && Number.isInteger(ledger.size)) ? countLines(log) : ledger.size + missing.length;
		if (size > maxEntries) ({ log, size } = prune(log, now, retentionMs, Math.max(1, maxEntries - pruneBatch)));
		ledger.log = log;
		ledger.size = size;
		return true;
	}

	/** Whether an escaped key is in `log`, reading only what the kept head does not cover. */
	private loggedKeys(ledgerId: string, log: string): (escaped: string) => boolean {
		let kept = this.heads.get(ledgerId);
		if (!kept || !log.startsWith(kept.head) || log.length - kept.head.length > 2 * LedgerCache.TAIL_CHARS) {
			// first call, the oldest entries were pruned or moved, or the log grew well past the head: read it once
			const cut = log.length > LedgerCache.TAIL_CHARS ? log.lastIndexOf(';', log.length - LedgerCache.TAIL_CHARS) + 1 : 0;
			kept = { head: log.slice(0, cut), keys: loggedKeys(log.slice(0, cut)) };
			this.heads.set(ledgerId, kept);
		}
		const { keys } = kept;
		const tail = loggedKeys(log.slice(kept.head.length));
		return (escaped) => keys.has(escaped) || tail.has(escaped);
	}

	clear(): void {
		this.ledgers.clear();
		this.heads.clear();
	}
}

/** One table per n8n process (module state survives between webhook calls, not restarts). */
export const processClaims = new ClaimTable();
export const processLedgers = new LedgerCache();

/** Forgets everything held in this process's memory (what an n8n restart does). */
export function forgetProcessState(): void {
	processClaims.clear();
	processLedgers.clear();
}

/** How long a settled claim is kept: long enough for n8n to store the static data. */
export const CLAIM_GRACE_MS = 30_000;
