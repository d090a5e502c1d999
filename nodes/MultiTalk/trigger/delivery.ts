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

/** Kept in the node's workflow static data (stored with the workflow in n8n's database). */
export interface DeliveryLedger extends IDataObject {
	/** `<job_id>:<status>` -> when it started an execution (epoch ms), oldest first. */
	delivered?: Record<string, number>;
	/** How many entries `delivered` holds (so that a call needs not count them). */
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

/** Was this event already delivered (within the retention time)? */
export function alreadyDelivered(ledger: DeliveryLedger, key: string, now: number, retentionMs = LEDGER_RETENTION_MS): boolean {
	const at = ledger.delivered?.[key];
	return typeof at === 'number' && now - at < retentionMs;
}

/**
 * Drops the entries past the retention time (or not a time), then the oldest beyond `keep`, and
 * returns how many are left. Entries are kept oldest first: keys are `<job_id>:<status>`, never
 * array indices, so objects keep them in insertion order.
 */
function prune(delivered: Record<string, number>, now: number, retentionMs: number, keep: number): number {
	const keys = Reflect.ownKeys(delivered).filter((key): key is string => typeof key === 'string' && key !== '__dataChanged');
	let size = keys.length;
	for (const key of keys) {
		const at = delivered[key];
		if (size <= keep && typeof at === 'number' && now - at < retentionMs) continue;
		delete delivered[key];
		size--;
	}
	return size;
}

/**
 * Records an event (an event recorded again after it lapsed becomes the newest entry) and keeps
 * the record bounded: at most `maxEntries`, entries past the retention time dropped.
 *
 * Listing the keys of a 10,000-entry object costs 10-40 ms on a busy machine (behind n8n's
 * change-tracking proxy, one trap per key), so a call does not do it: the ledger keeps its
 * size, a full ledger drops its oldest `LEDGER_PRUNE_BATCH` entries at once, and expired
 * entries (which lookups ignore anyway) are dropped at most once per
 * `LEDGER_PRUNE_INTERVAL_MS`. A call then costs a few property accesses. Writes through
 * `ledger` (n8n watches the static data object for changes).
 */
export function recordDelivery(
	ledger: DeliveryLedger,
	key: string,
	now: number,
	{ retentionMs = LEDGER_RETENTION_MS, maxEntries = LEDGER_MAX_ENTRIES, pruneBatch = LEDGER_PRUNE_BATCH, pruneIntervalMs = LEDGER_PRUNE_INTERVAL_MS } = {},
): void {
	const delivered = ledger.delivered ?? {};
	const known = key in delivered;
	if (known) delete delivered[key];
	delivered[key] = now;
	// a ledger stored before `size` existed, or edited by hand, is counted once
	let size = typeof ledger.size === 'number' && Number.isInteger(ledger.size) && ledger.size >= 0 ? ledger.size + (known ? 0 : 1) : Number.NaN;
	const lastPruned = typeof ledger.prunedAt === 'number' ? ledger.prunedAt : Number.NEGATIVE_INFINITY;
	const full = !(size <= maxEntries); // also when not known
	if (full || now - lastPruned >= pruneIntervalMs || now < lastPruned) {
		size = prune(delivered, now, retentionMs, full ? Math.max(1, maxEntries - pruneBatch) : maxEntries);
		ledger.prunedAt = now;
	}
	ledger.size = size;
	ledger.delivered = delivered;
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
		{ retentionMs = LEDGER_RETENTION_MS, maxEntries = LEDGER_MAX_ENTRIES } = {},
	): boolean {
		const known = this.ledgers.get(ledgerId);
		if (!known?.size) return false;
		const delivered = ledger.delivered ?? {};
		const missing: Array<[string, number]> = [];
		for (const [key, at] of known) {
			if (now - at >= retentionMs) known.delete(key);
			else if (!(key in delivered)) missing.push([key, at]);
		}
		while (known.size > maxEntries) known.delete(known.keys().next().value as string);
		if (!missing.length) return false;
		// rare (another process's overlapping save dropped a record): rebuild in time order
		const kept = [...Object.entries(delivered), ...missing]
			.filter(([, at]) => typeof at === 'number' && now - at < retentionMs)
			.sort((x, y) => x[1] - y[1]);
		ledger.delivered = Object.fromEntries(kept.slice(-maxEntries));
		ledger.size = Math.min(kept.length, maxEntries);
		return true;
	}

	clear(): void {
		this.ledgers.clear();
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
