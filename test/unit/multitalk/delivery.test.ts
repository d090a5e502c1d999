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
	ledgerEntries,
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
		expect(Object.keys(ledgerEntries(ledger))).toEqual(['new']);
		expect(ledger.size).toBe(1);
		expect(alreadyDelivered({ delivered: { old: 0 } }, 'old', LEDGER_RETENTION_MS)).toBe(false);
		const capped: DeliveryLedger = {};
		for (let i = 0; i < 5; i++) recordDelivery(capped, `k${i}`, 100 + i, { maxEntries: 3, pruneBatch: 1 });
		// k3 made it 4 > 3: the oldest two went at once (down to 3 - 1), then k4 fitted
		expect(Object.keys(ledgerEntries(capped))).toEqual(['k2', 'k3', 'k4']);
		expect(capped.size).toBe(3);
	});

	it('an event recorded again becomes the newest entry; expired entries go at most once an hour', () => {
		const ledger: DeliveryLedger = { log: '0 a;a b;' };
		recordDelivery(ledger, 'a', 20);
		expect(ledgerEntries(ledger)).toEqual({ b: 10, a: 20 });
		expect(Object.keys(ledgerEntries(ledger))).toEqual(['b', 'a']);
		expect(ledger).toMatchObject({ size: 2, prunedAt: 20 }); // a ledger stored without its size is counted once
		const later = LEDGER_RETENTION_MS + 11; // b has expired, a not yet
		recordDelivery(ledger, 'c', later);
		expect(ledgerEntries(ledger)).toEqual({ a: 20, c: later });
		expect(ledger.size).toBe(2);
		// within the hour: an expired entry stays (lookups ignore it), dropped at the next prune
		recordDelivery(ledger, 'd', later + 10);
		expect(Object.keys(ledgerEntries(ledger))).toEqual(['a', 'c', 'd']);
		expect(alreadyDelivered(ledger, 'a', later + 10)).toBe(false);
		recordDelivery(ledger, 'e', later + LEDGER_PRUNE_INTERVAL_MS);
		expect(Object.keys(ledgerEntries(ledger))).toEqual(['c', 'd', 'e']);
	});

	it('keeps the events in one string: one entry each, any key (spaces, ;, %, line breaks) read back exactly', () => {
		const ledger: DeliveryLedger = {};
		const odd = ['a b:completed', 'x;y:failed', '50%:completed', '%20:completed', 'l\nf:completed', 'j:completed'];
		odd.forEach((key, i) => recordDelivery(ledger, key, 1_000 + i));
		expect(typeof ledger.log).toBe('string');
		expect((ledger.log as string).split(';')).toHaveLength(odd.length + 1);
		expect(Object.keys(ledgerEntries(ledger))).toEqual(odd);
		for (const key of odd) expect(alreadyDelivered(ledger, key, 2_000)).toBe(true);
		// a key is matched whole, never as the end or the start of another one
		for (const key of ['b:completed', 'a b', ':completed', '20:completed', 'y:failed', 'x', 'f:completed']) expect(alreadyDelivered(ledger, key, 2_000)).toBe(false);
		const t = (i: number) => (1_000 + i).toString(36);
		expect(ledger.log).toBe(`${t(0)} a%20b:completed;${t(1)} x%3By:failed;${t(2)} 50%25:completed;${t(3)} %2520:completed;${t(4)} l\nf:completed;${t(5)} j:completed;`);
	});

	it('stores a full ledger in fewer bytes than the first format, as one string instead of one property per event', () => {
		const uuid = (i: number) => `550e8400-e29b-41d4-a716-${String(i).padStart(12, '0')}`;
		const legacy: DeliveryLedger = { delivered: {} };
		const ledger: DeliveryLedger = {};
		const now = 1_800_000_000_000;
		for (let i = 0; i < LEDGER_MAX_ENTRIES; i++) {
			(legacy.delivered as Record<string, number>)[`${uuid(i)}:completed`] = now + i;
			recordDelivery(ledger, `${uuid(i)}:completed`, now + i);
		}
		expect(ledger.size).toBe(LEDGER_MAX_ENTRIES);
		const compact = JSON.stringify({ 'node:MultiTalk Trigger': ledger });
		const first = JSON.stringify({ 'node:MultiTalk Trigger': legacy });
		expect(compact.length).toBeLessThan(first.length * 0.92);
		// what n8n does with it on each call: parse the stored text into one string, not 10,000 properties
		const parsed = JSON.parse(compact) as Record<string, DeliveryLedger>;
		expect(Object.keys(parsed['node:MultiTalk Trigger']).sort()).toEqual(['log', 'prunedAt', 'size']);
		expect(Object.keys(JSON.parse(first)['node:MultiTalk Trigger'].delivered)).toHaveLength(LEDGER_MAX_ENTRIES);
		expect(ledgerEntries(parsed['node:MultiTalk Trigger'])).toEqual(legacy.delivered);
	});

	it('reads a ledger stored in the first format, and moves it into the log at the next event', () => {
		const legacy: DeliveryLedger = { delivered: { 'a:completed': 10, 'b:failed': 20 }, size: 2, prunedAt: 5 };
		expect(alreadyDelivered(legacy, 'a:completed', 30)).toBe(true);
		expect(alreadyDelivered(legacy, 'b:failed', 30)).toBe(true);
		expect(alreadyDelivered(legacy, 'c:completed', 30)).toBe(false);
		recordDelivery(legacy, 'c:completed', 30);
		expect(legacy.delivered).toBeUndefined();
		expect(ledgerEntries(legacy)).toEqual({ 'a:completed': 10, 'b:failed': 20, 'c:completed': 30 });
		expect(Object.keys(ledgerEntries(legacy))).toEqual(['a:completed', 'b:failed', 'c:completed']);
		expect(legacy.size).toBe(3);
		expect(alreadyDelivered(legacy, 'a:completed', 40)).toBe(true);
		// an event of the old record delivered again moves to the end, once
		recordDelivery(legacy, 'a:completed', 50);
		expect(Object.keys(ledgerEntries(legacy))).toEqual(['b:failed', 'c:completed', 'a:completed']);
		expect(legacy.size).toBe(3);
	});

	it('with the record nearly full, a call touches a few fields and no entry list (the cost per event)', () => {
		let log = '';
		for (let i = 0; i < LEDGER_MAX_ENTRIES - 1; i++) log += `${(1_000 + i).toString(36)} job-${i}:completed;`;
		let traps = 0;
		const count = <T extends unknown[], R>(fn: (...args: T) => R) => (...args: T): R => (traps++, fn(...args));
		// as n8n hands it over: behind a proxy
		const handler: ProxyHandler<object> = {
			get: count(Reflect.get),
			set: count(Reflect.set),
			has: count(Reflect.has),
			deleteProperty: count(Reflect.deleteProperty),
			ownKeys: count(Reflect.ownKeys),
			getOwnPropertyDescriptor: count(Reflect.getOwnPropertyDescriptor),
		};
		const target: DeliveryLedger = { log, size: LEDGER_MAX_ENTRIES - 1, prunedAt: 40_000 };
		const ledger = new Proxy(target, handler as ProxyHandler<DeliveryLedger>);
		recordDelivery(ledger, 'new:completed', 50_000);
		// reads of log, delivered, size, prunedAt and two writes, whatever the number of entries
		expect(traps).toBeLessThanOrEqual(10);
		expect(ledger.size).toBe(LEDGER_MAX_ENTRIES);
		expect(Object.keys(ledgerEntries(target))).toHaveLength(LEDGER_MAX_ENTRIES);
		// the next one makes it full: the oldest LEDGER_PRUNE_BATCH + 1 go at once
		recordDelivery(ledger, 'newer:completed', 50_001);
		const entries = ledgerEntries(target);
		expect(Object.keys(entries)).toHaveLength(LEDGER_MAX_ENTRIES - LEDGER_PRUNE_BATCH);
		expect(ledger.size).toBe(LEDGER_MAX_ENTRIES - LEDGER_PRUNE_BATCH);
		expect(entries[`job-${LEDGER_PRUNE_BATCH}:completed`]).toBeUndefined();
		expect(entries[`job-${LEDGER_PRUNE_BATCH + 1}:completed`]).toBe(1_000 + LEDGER_PRUNE_BATCH + 1);
		expect(Object.keys(entries).slice(-2)).toEqual(['new:completed', 'newer:completed']);
	});

	it('marks n8n\'s static data as changed (so n8n stores it), also when the record already existed', () => {
		const staticData = ObservableObject.create({ 'node:MultiTalk Trigger': { log: '1 a:completed;' } }) as Record<string, unknown> & { __dataChanged?: boolean };
		recordDelivery(staticData['node:MultiTalk Trigger'] as DeliveryLedger, 'b:completed', 2);
		expect(staticData.__dataChanged).toBe(true);
		const legacy = ObservableObject.create({ 'node:MultiTalk Trigger': { delivered: { 'a:completed': 1 } } }) as Record<string, unknown> & { __dataChanged?: boolean };
		recordDelivery(legacy['node:MultiTalk Trigger'] as DeliveryLedger, 'b:completed', 2);
		expect(legacy.__dataChanged).toBe(true);
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
		const copy: DeliveryLedger = {};
		recordDelivery(copy, 'c:failed', 50);
		recordDelivery(copy, 'b:completed', 200);
		cache.mergeInto('wf|node', copy, 300);
		expect(ledgerEntries(copy)).toEqual({ 'c:failed': 50, 'b:completed': 200, 'a:completed': 100 });
		expect(copy.size).toBe(3);
		cache.forget('wf|node', 'a:completed');
		const fresh: DeliveryLedger = {};
		cache.mergeInto('wf|node', fresh, 300);
		expect(ledgerEntries(fresh)).toEqual({ 'b:completed': 200 });
		// a copy still in the first format
		const legacy: DeliveryLedger = { delivered: { 'c:failed': 50 } };
		expect(cache.mergeInto('wf|node', legacy, 300)).toBe(true);
		expect(legacy.delivered).toBeUndefined();
		expect(ledgerEntries(legacy)).toEqual({ 'c:failed': 50, 'b:completed': 200 });
	});

	it('checks many remembered events in one pass over the log, the same way', () => {
		const cache = new LedgerCache();
		const copy: DeliveryLedger = {};
		for (let i = 0; i < 100; i++) {
			cache.remember('l', `j${i}:completed`, 1_000 + i);
			if (i % 10 !== 3) recordDelivery(copy, `j${i}:completed`, 1_000 + i);
		}
		expect(cache.mergeInto('l', copy, 5_000)).toBe(true);
		expect(Object.keys(ledgerEntries(copy))).toHaveLength(100);
		expect(copy.size).toBe(100);
		expect(cache.mergeInto('l', copy, 5_000)).toBe(false);
	});

	it('finds a missing event in a large log wherever it is (head kept between calls, or read again)', () => {
		const cache = new LedgerCache();
		const full: DeliveryLedger = {};
		for (let i = 0; i < 3_000; i++) {
			cache.remember('l', `job-${i}:completed`, 10_000 + i);
			recordDelivery(full, `job-${i}:completed`, 10_000 + i);
		}
		const log = full.log as string;
		expect(log.length).toBeGreaterThan(3 * LedgerCache.TAIL_CHARS);
		expect(cache.mergeInto('l', { log, size: 3_000 }, 20_000)).toBe(false);
		// a copy without one of its newest events (a call still running when it was loaded)
		const recent = `${(10_000 + 2_990).toString(36)} job-2990:completed;`;
		const withoutRecent: DeliveryLedger = { log: log.replace(recent, ''), size: 2_999 };
		expect(cache.mergeInto('l', withoutRecent, 20_000)).toBe(true);
		expect(Object.keys(ledgerEntries(withoutRecent)).slice(-1)).toEqual(['job-2990:completed']);
		expect(withoutRecent.size).toBe(3_000);
		// a copy without one of its oldest events (another process's overlapping save dropped it)
		const old = `${(10_000 + 5).toString(36)} job-5:completed;`;
		const withoutOld: DeliveryLedger = { log: log.replace(old, ''), size: 2_999 };
		expect(cache.mergeInto('l', withoutOld, 20_000)).toBe(true);
		expect(ledgerEntries(withoutOld)['job-5:completed']).toBe(10_005);
		expect(Object.keys(ledgerEntries(withoutOld))).toHaveLength(3_000);
		// and the whole copy again: nothing to add
		expect(cache.mergeInto('l', { log, size: 3_000 }, 20_000)).toBe(false);
	});

	it('drops entries past the retention time', () => {
		const cache = new LedgerCache();
		cache.remember('l', 'old', 0);
		cache.remember('l', 'new', LEDGER_RETENTION_MS);
		const ledger: DeliveryLedger = {};
		cache.mergeInto('l', ledger, LEDGER_RETENTION_MS + 1);
		expect(Object.keys(ledgerEntries(ledger))).toEqual(['new']);
	});

	it('writes the ledger only when it adds a record (so n8n stores it only then)', () => {
		const cache = new LedgerCache();
		cache.remember('l', 'a:completed', 100);
		const complete: DeliveryLedger = {};
		recordDelivery(complete, 'a:completed', 90);
		const before = complete.log;
		expect(cache.mergeInto('l', complete, 200)).toBe(false);
		expect(complete.log).toBe(before);
		const dropped: DeliveryLedger = {};
		recordDelivery(dropped, 'b:completed', 150);
		expect(cache.mergeInto('l', dropped, 200)).toBe(true);
		expect(ledgerEntries(dropped)).toEqual({ 'b:completed': 150, 'a:completed': 100 });
		expect(dropped.size).toBe(2);
	});
});
