import { ObservableObject } from 'n8n-workflow';

import {
	ClaimTable,
	LedgerCache,
	LEDGER_MAX_ENTRIES,
	LEDGER_PRUNE_BATCH,
	LEDGER_PRUNE_INTERVAL_MS,
	LEDGER_RETENTION_MS,
	alreadyDelivered,
	eventKey,
	parsePayload,
	recordDelivery,
	secretMatches,
} from '../../../nodes/MultiTalk/trigger/delivery';
import type { DeliveryLedger } from '../../../nodes/MultiTalk/trigger/delivery';

describe('parsePayload', () => {
	it('reads raw JSON bytes (a BOM too) and prefers them to a parsed body', () => {
		const raw = Buffer.from('\uFEFF{"job_id":"j","status":"completed","result":null,"error":null}');
		expect(parsePayload(raw, { ignored: true })).toEqual({ ok: true, event: { job_id: 'j', status: 'completed', result: null, error: null } });
	});

	it('falls back to the body a host already parsed', () => {
		expect(parsePayload(undefined, { job_id: 'j', status: 'failed' })).toMatchObject({ ok: true });
		expect(parsePayload(Buffer.alloc(0), { job_id: 'j', status: 'failed' })).toMatchObject({ ok: true });
	});

	it.each([
		['{nope', 'The body is not valid JSON'],
		['"text"', 'The body must be a JSON object with job_id and status'],
		['{}', 'The body must be a JSON object with job_id and status'],
		['{"job_id":"","status":"completed"}', 'job_id is missing (a non-empty string is expected)'],
		['{"job_id":7,"status":"completed"}', 'job_id is missing (a non-empty string is expected)'],
		['{"job_id":"j","status":null}', 'status is missing (a non-empty string is expected)'],
		['{"job_id":"j","status":"completed","result":[1]}', 'result must be an object or null'],
	])('rejects %s', (raw, problem) => {
		expect(parsePayload(raw, undefined)).toEqual({ ok: false, problem });
	});
});

describe('secretMatches', () => {
	it('matches only the exact secret, whatever the lengths', () => {
		expect(secretMatches('abc', 'abc')).toBe(true);
		expect(secretMatches('abd', 'abc')).toBe(false);
		expect(secretMatches('abcd', 'abc')).toBe(false);
		expect(secretMatches('', 'abc')).toBe(false);
		expect(secretMatches(undefined, 'abc')).toBe(false);
		expect(secretMatches(['abc'], 'abc')).toBe(false);
	});
});

describe('delivery ledger', () => {
	it('records (job_id, status) pairs', () => {
		const ledger: DeliveryLedger = {};
		const key = eventKey({ job_id: 'j', status: 'completed' });
		expect(key).toBe('j:completed');
		expect(alreadyDelivered(ledger, key, 1000)).toBe(false);
		recordDelivery(ledger, key, 1000);
		expect(alreadyDelivered(ledger, key, 2000)).toBe(true);
		expect(alreadyDelivered(ledger, 'j:failed', 2000)).toBe(false);
	});

	it('forgets entries after the retention time and keeps at most the newest N', () => {
		const ledger: DeliveryLedger = {};
		recordDelivery(ledger, 'old', 0);
		recordDelivery(ledger, 'new', LEDGER_RETENTION_MS + 1);
		expect(Object.keys(ledger.delivered ?? {})).toEqual(['new']);
		expect(ledger.size).toBe(1);
		expect(alreadyDelivered({ delivered: { old: 0 } }, 'old', LEDGER_RETENTION_MS)).toBe(false);
		const capped: DeliveryLedger = {};
		for (let i = 0; i < 5; i++) recordDelivery(capped, `k${i}`, 100 + i, { maxEntries: 3, pruneBatch: 1 });
		// k3 made it 4 > 3: the oldest two went at once (down to 3 - 1), then k4 fitted
		expect(Object.keys(capped.delivered ?? {})).toEqual(['k2', 'k3', 'k4']);
		expect(capped.size).toBe(3);
	});

	it('an event recorded again becomes the newest entry; expired entries go at most once an hour', () => {
		const ledger: DeliveryLedger = { delivered: { a: 0, b: 10 } };
		recordDelivery(ledger, 'a', 20);
		expect(Object.keys(ledger.delivered ?? {})).toEqual(['b', 'a']);
		expect(ledger).toMatchObject({ size: 2, prunedAt: 20 }); // a ledger stored without its size is counted once
		const later = LEDGER_RETENTION_MS + 11; // b has expired, a not yet
		recordDelivery(ledger, 'c', later);
		expect(ledger.delivered).toEqual({ a: 20, c: later });
		expect(ledger.size).toBe(2);
		// within the hour: an expired entry stays (lookups ignore it), dropped at the next prune
		recordDelivery(ledger, 'd', later + 10);
		expect(Object.keys(ledger.delivered ?? {})).toEqual(['a', 'c', 'd']);
		expect(alreadyDelivered(ledger, 'a', later + 10)).toBe(false);
		recordDelivery(ledger, 'e', later + LEDGER_PRUNE_INTERVAL_MS);
		expect(Object.keys(ledger.delivered ?? {})).toEqual(['c', 'd', 'e']);
	});

	it('with the record nearly full, a call touches a few entries, not all of them (the cost per event)', () => {
		const delivered: Record<string, number> = {};
		for (let i = 0; i < LEDGER_MAX_ENTRIES - 1; i++) delivered[`job-${i}:completed`] = 1_000 + i;
		let traps = 0;
		const count = <T extends unknown[], R>(fn: (...args: T) => R) => (...args: T): R => (traps++, fn(...args));
		// as n8n hands it over: behind a proxy, where listing keys costs a trap per key
		const handler: ProxyHandler<object> = {
			get: count(Reflect.get),
			set: count(Reflect.set),
			has: count(Reflect.has),
			deleteProperty: count(Reflect.deleteProperty),
			ownKeys: count(Reflect.ownKeys),
			getOwnPropertyDescriptor: count(Reflect.getOwnPropertyDescriptor),
		};
		const counted = new Proxy(delivered, handler as ProxyHandler<Record<string, number>>);
		const ledger: DeliveryLedger = { delivered: counted, size: LEDGER_MAX_ENTRIES - 1, prunedAt: 40_000 };
		recordDelivery(ledger, 'new:completed', 50_000);
		expect(traps).toBeLessThanOrEqual(3);
		expect(ledger.size).toBe(LEDGER_MAX_ENTRIES);
		expect(Object.keys(delivered)).toHaveLength(LEDGER_MAX_ENTRIES);
		// the next one makes it full: the oldest LEDGER_PRUNE_BATCH + 1 go at once
		recordDelivery(ledger, 'newer:completed', 50_001);
		expect(Object.keys(delivered)).toHaveLength(LEDGER_MAX_ENTRIES - LEDGER_PRUNE_BATCH);
		expect(ledger.size).toBe(LEDGER_MAX_ENTRIES - LEDGER_PRUNE_BATCH);
		expect(delivered[`job-${LEDGER_PRUNE_BATCH}:completed`]).toBeUndefined();
		expect(delivered[`job-${LEDGER_PRUNE_BATCH + 1}:completed`]).toBe(1_000 + LEDGER_PRUNE_BATCH + 1);
		expect(Object.keys(delivered).slice(-2)).toEqual(['new:completed', 'newer:completed']);
	});

	it('marks n8n\'s static data as changed (so n8n stores it), also when the record already existed', () => {
		const staticData = ObservableObject.create({ 'node:MultiTalk Trigger': { delivered: { 'a:completed': 1 } } }) as Record<string, unknown> & { __dataChanged?: boolean };
		recordDelivery(staticData['node:MultiTalk Trigger'] as DeliveryLedger, 'b:completed', 2);
		expect(staticData.__dataChanged).toBe(true);
		const empty = ObservableObject.create({ 'node:MultiTalk Trigger': {} }) as Record<string, unknown> & { __dataChanged?: boolean };
		recordDelivery(empty['node:MultiTalk Trigger'] as DeliveryLedger, 'b:completed', 2);
		expect(empty.__dataChanged).toBe(true);
	});
});

describe('ClaimTable', () => {
	it('lets one claim win, holds it while handled and for the grace period, releases failures', () => {
		const claims = new ClaimTable();
		expect(claims.claim('a', 0)).toBe(true);
		expect(claims.claim('a', 1_000_000)).toBe(false); // still being handled
		claims.settle('a', 10, 100);
		expect(claims.claim('a', 109)).toBe(false);
		expect(claims.claim('a', 110)).toBe(true);
		claims.release('a');
		expect(claims.claim('a', 111)).toBe(true);
		expect(claims.claim('b', 111)).toBe(true);
		expect(claims.size).toBe(2);
		claims.clear();
		expect(claims.size).toBe(0);
	});
});

describe('LedgerCache', () => {
	it('merges what this process recorded into a ledger copy that lacks it', () => {
		const cache = new LedgerCache();
		cache.remember('wf|node', 'a:completed', 100);
		cache.remember('wf|node', 'b:completed', 200);
		cache.remember('other|node', 'z:completed', 200);
		const copy: DeliveryLedger = { delivered: { 'b:completed': 200, 'c:failed': 50 } };
		cache.mergeInto('wf|node', copy, 300);
		expect(copy.delivered).toEqual({ 'c:failed': 50, 'a:completed': 100, 'b:completed': 200 });
		cache.forget('wf|node', 'a:completed');
		const fresh: DeliveryLedger = {};
		cache.mergeInto('wf|node', fresh, 300);
		expect(fresh.delivered).toEqual({ 'b:completed': 200 });
	});

	it('drops entries past the retention time', () => {
		const cache = new LedgerCache();
		cache.remember('l', 'old', 0);
		cache.remember('l', 'new', LEDGER_RETENTION_MS);
		const ledger: DeliveryLedger = {};
		cache.mergeInto('l', ledger, LEDGER_RETENTION_MS + 1);
		expect(Object.keys(ledger.delivered ?? {})).toEqual(['new']);
	});

	it('writes the ledger only when it adds a record (so n8n stores it only then)', () => {
		const cache = new LedgerCache();
		cache.remember('l', 'a:completed', 100);
		const complete: DeliveryLedger = { delivered: { 'a:completed': 90 } };
		const before = complete.delivered;
		expect(cache.mergeInto('l', complete, 200)).toBe(false);
		expect(complete.delivered).toBe(before);
		const dropped: DeliveryLedger = { delivered: { 'b:completed': 150 } };
		expect(cache.mergeInto('l', dropped, 200)).toBe(true);
		expect(dropped.delivered).toEqual({ 'a:completed': 100, 'b:completed': 150 });
		expect(dropped.size).toBe(2);
	});
});
