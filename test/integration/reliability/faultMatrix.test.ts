/**
 * Fault matrix: every HTTP request of every operation (test/reliability-helpers/faultMatrix.ts)
 * x every transport fault, each injected once (`times: 1`) on the request's emulator route.
 *
 * - A request the operation may repeat (idempotent, or refused with 429/503 so nothing started)
 *   is sent again and the run succeeds with the right output.
 * - Any other request is sent exactly once and the item fails with a NodeApiError saying what
 *   happened (the provider's message, or a plain-language one) with its HTTP code.
 * - Every case ends within a bound; no binary output is ever cut short or anything but an MP4.
 * - Under Continue On Fail, a request failing for item 1 of 3 yields an error item for item 1
 *   and normal output for items 0 and 2.
 *
 * Cases run side by side, each against its own emulator; the results are collected first and
 * asserted one test each.
 */
import { NodeApiError } from 'n8n-workflow';

import type { FaultRule } from '../../emulator/types';
import { cleanupHarness, loadPackageTypes } from '../../harness';
import { inspectMp4 } from '../../helpers/mp4';
import type { HttpFault, MatrixRow } from '../../reliability-helpers/faultMatrix';
import { HTTP_FAULTS, KNOWN_BUGS, MATRIX_ROWS, OFFLINE_OPERATIONS, WS_ROWS, providerErrorBody, rowName } from '../../reliability-helpers/faultMatrix';
import { NODE_LABEL } from '../../reliability-helpers/nodes';
import type { CaseOutcome, OutputItem } from '../../reliability-helpers/runCase';
import { pool, runCase } from '../../reliability-helpers/runCase';
import { VALID as VALID_INVOICES } from '../../unit/avatartalk/bolt11Vectors';

jest.setTimeout(10 * 60_000);

/**
 * No case may take longer than this: it catches a hang or a wait that is never cut, not slowness
 * (a hang is cut after 5 s, Retry-After is 1 s; cases run 8 at a time, on a machine that may be busy).
 */
const CASE_BOUND_MS = 30_000;
const CONCURRENCY = 8;

interface Planned {
	key: string;
	run: () => Promise<CaseOutcome>;
}

const caseKey = (row: MatrixRow, what: string) => `${NODE_LABEL[row.node]} · ${rowName(row)} · ${what}`;

/** A reported bug (see KNOWN_BUGS): the test states the right behaviour and is marked failing. */
const testFor = (key: string) => (KNOWN_BUGS[key] ? it.failing : it);

function matrixCase(row: MatrixRow, fault: HttpFault): Planned {
	return {
		key: caseKey(row, fault.key),
		run: async () =>
			await runCase({
				node: row.node,
				params: { ...row.params, requestSettings: { timeoutSeconds: fault.timeoutSeconds, maxAttempts: 3, maxRetryAfterSeconds: 5 } },
				items: row.items,
				route: row.route,
				faults: () => [{ service: row.route.service, method: row.route.method, path: row.route.path, fault: fault.fault(row.route), times: 1 }],
			}),
	};
}

/** Continue On Fail over 3 items: a 500 (never cleared within the attempts) for item 1 only. */
function continueOnFailCase(row: MatrixRow): Planned {
	const attempts = 2;
	const failing = {
		service: row.route.service,
		method: row.route.method,
		fault: { kind: 'status' as const, status: 500, body: providerErrorBody(row.route.service, 500).body },
		times: row.idempotent ? attempts : 1,
	};
	return {
		key: caseKey(row, 'continueOnFail'),
		run: async () =>
			await runCase({
				node: row.node,
				params: { ...row.params, requestSettings: { timeoutSeconds: 10, maxAttempts: attempts } },
				items: row.items,
				itemCount: 3,
				continueOnFail: true,
				route: row.route,
				faults: (items): FaultRule[] => {
					if (row.runOnce) return [{ ...failing, path: row.route.path }];
					if (row.itemPath) return [{ ...failing, path: row.itemPath(items[1]) }];
					// Items run one after the other: a no-op rule lets item 0 through, the next one hits item 1.
					return [
						{ service: row.route.service, method: row.route.method, path: row.route.path, fault: { kind: 'delay', ms: 0 }, times: 1 },
						{ ...failing, path: row.route.path },
					];
				},
			}),
	};
}

const planned: Planned[] = [];
for (const row of MATRIX_ROWS) {
	for (const fault of HTTP_FAULTS) if (!row.notInjectable?.[fault.key]) planned.push(matrixCase(row, fault));
	planned.push(continueOnFailCase(row));
}

const outcomes = new Map<string, PromiseSettledResult<CaseOutcome>>();

beforeAll(async () => {
	const settled = await pool(planned.map((p) => p.run), CONCURRENCY);
	planned.forEach((p, i) => outcomes.set(p.key, settled[i]));
});

afterAll(async () => {
	await cleanupHarness();
});

function outcomeOf(key: string): CaseOutcome {
	const settled = outcomes.get(key);
	if (!settled) throw new Error(`case ${key} did not run`);
	if (settled.status === 'rejected') throw settled.reason;
	return settled.value;
}

/** An item Continue On Fail made from an error (provider JSON may carry `error: null`). */
const isErrorItem = (item: OutputItem) =>
	typeof item.json.error === 'string' && Object.keys(item.json).every((key) => ['error', 'description', 'httpCode', 'code'].includes(key));

/** Every binary output is a whole MP4 (never a cut body, a JSON or an HTML page). */
function expectCompleteBinaries(row: MatrixRow, items: OutputItem[]) {
	for (const item of items) {
		for (const [name, binary] of Object.entries(item.binaries)) {
			expect(`${name}: ${binary.mimeType}`).toBe(`${name}: video/mp4`);
			const info = inspectMp4(binary.bytes);
			expect({ name, complete: info.complete, hasMoov: info.boxes.includes('moov'), errors: info.errors }).toEqual({
				name,
				complete: true,
				hasMoov: true,
				errors: [],
			});
		}
		if (row.binary && !isErrorItem(item)) expect(Object.keys(item.binaries)).toContain(row.binary.property);
	}
}

it('covers every operation of every action node (HTTP rows, WebSocket rows, or offline)', () => {
	const covered = new Set(
		[...MATRIX_ROWS, ...WS_ROWS, ...OFFLINE_OPERATIONS.map((o) => ({ node: o.node, params: o }))].map(
			(row) => `${row.node}.${String(row.params.resource)}.${String(row.params.operation)}`,
		),
	);
	const all: string[] = [];
	for (const [type, nodeType] of Object.entries(loadPackageTypes().nodes)) {
		const node = type.split('.').pop() as string;
		const properties = 'description' in nodeType && 'properties' in nodeType.description ? nodeType.description.properties : [];
		if (!properties.some((p) => p.name === 'resource')) continue; // the trigger: tested under load in real n8n
		for (const p of properties.filter((prop) => prop.name === 'operation')) {
			for (const resource of (p.displayOptions?.show?.resource ?? []) as string[]) {
				for (const option of (p.options ?? []) as Array<{ value: string }>) all.push(`${node}.${resource}.${option.value}`);
			}
		}
	}
	expect(all.length).toBeGreaterThan(40);
	expect(all.filter((op) => !covered.has(op))).toEqual([]);
});

it('offline operations send nothing (Lightning → Decode Invoice)', async () => {
	const outcome = await runCase({
		node: 'avatarTalk',
		params: { resource: 'lightning', operation: 'decodeInvoice', invoice: VALID_INVOICES.coffee },
	});
	expect(outcome.status).toBe('success');
	expect(outcome.items[0].json.signatureValid).toBe(true);
	expect(outcome.allRequests).toEqual([]);
});

describe.each(MATRIX_ROWS.map((row) => [`${NODE_LABEL[row.node]} · ${rowName(row)}`, row] as const))('%s', (_name, row) => {
	const faults = HTTP_FAULTS.filter((fault) => !row.notInjectable?.[fault.key]);
	const repeated = (fault: HttpFault) => fault.retried === 'always' || row.idempotent;

	for (const fault of faults) {
		const key = caseKey(row, fault.key);
		const name = KNOWN_BUGS[key] ? `${fault.label} (known bug: ${KNOWN_BUGS[key].detail})` : fault.label;
		testFor(key)(name, () => checkFault(fault, outcomeOf(key)));
	}

	function checkFault(fault: HttpFault, outcome: CaseOutcome) {
		expect(outcome.elapsedMs).toBeLessThan(CASE_BOUND_MS);
		expect(outcome.requests[0]?.fault).toBe(fault.fault(row.route).kind);

		if (repeated(fault)) {
			// The fault cleared: the request was sent again, once, and the run succeeded.
			expect(outcome.error?.message).toBeUndefined();
			expect(outcome.status).toBe('success');
			expect(outcome.requests).toHaveLength(2);
			expect(outcome.requests[1].fault).toBeUndefined();
			expect(outcome.requests[1].status).toBeDefined(); // answered (an operation may accept a 4xx, e.g. "already cancelled")
			if (fault.key === '429') expect(outcome.requests[1].at - outcome.requests[0].at).toBeGreaterThanOrEqual(900);
			expect(outcome.items.length).toBeGreaterThan(0);
			for (const item of outcome.items) expect(isErrorItem(item)).toBe(false);
		} else {
			// Not repeated: paid work may have started. A clear NodeApiError on item 0, no output.
			expect(outcome.status).toBe('error');
			expect(outcome.error?.error).toBeInstanceOf(NodeApiError);
			expect(outcome.error?.itemIndex).toBe(0);
			expect(outcome.error?.message).toMatch(fault.message);
			expect(fault.httpCodes).toContain(outcome.error?.httpCode ?? null);
			expect(outcome.requests).toHaveLength(1);
			expect(outcome.items).toHaveLength(0);
		}
		expectCompleteBinaries(row, outcome.items);
	}

	it('Continue On Fail: item 1 of 3 fails with an error item, items 0 and 2 succeed', () => {
		const outcome = outcomeOf(caseKey(row, 'continueOnFail'));
		expect(outcome.elapsedMs).toBeLessThan(CASE_BOUND_MS);
		expect(outcome.status).toBe('success');
		if (row.runOnce) {
			// One run for all items: one error item, paired with every input item.
			expect(outcome.items).toHaveLength(1);
			expect(outcome.items[0].json.error).toMatch(/Injected failure 500/);
			expect(outcome.items[0].pairedItem).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
			return;
		}
		const pairedWith = (item: OutputItem) => (item.pairedItem as { item: number }).item;
		const failed = outcome.items.filter(isErrorItem);
		expect(failed.map(pairedWith)).toEqual([1]);
		expect(failed[0].json.error).toMatch(/Injected failure 500/);
		expect(failed[0].json.httpCode).toBe('500');
		expect(Object.keys(failed[0].binaries)).toEqual([]);
		const succeeded = outcome.items.filter((item) => !isErrorItem(item)).map(pairedWith);
		expect([...new Set(succeeded)]).toEqual([0, 2]);
		// Output in item order: 0's, then the error item, then 2's.
		expect(outcome.items.map(pairedWith)).toEqual([...outcome.items.map(pairedWith)].sort((a, b) => a - b));
		expectCompleteBinaries(row, outcome.items);
	});
});

