/**
 * WebSocket faults: every WebSocket session (AvatarTalk /ws/infer and /ws/continuous, AvaTar's
 * realtime socket) x close 1008, close 1011 mid-stream, a connection dropped mid-stream without
 * a close frame, and silence past the time limit.
 *
 * - AvatarTalk (an MP4 comes over the socket): each fault is a NodeApiError saying what happened,
 *   with no HTTP code, and no output at all: a partial MP4 is never presented as complete.
 * - AvaTar realtime: closes and drops are NodeApiErrors too. Silence ends the exchange at its
 *   "Time Limit", which the operation documents as a normal end: the output then says
 *   `endReason: "timeLimit"` (not "idle"), and any audio it carries is a whole WAV file.
 * - Every case ends within a bound, and the emulator holds no open connection afterwards.
 */
import { NodeApiError } from 'n8n-workflow';

import { cleanupHarness } from '../../harness';
import type { WsFault, WsFaultKey, WsRow } from '../../reliability-helpers/faultMatrix';
import { AVATARTALK_IDLE_S, REALTIME_TIME_LIMIT_S, WS_FAULTS, WS_KNOWN_BUGS, WS_ROWS } from '../../reliability-helpers/faultMatrix';
import { NODE_LABEL, fastEmulator, runNode, waitForNoConnections } from '../../reliability-helpers/nodes';
import type { OutputItem } from '../../reliability-helpers/runCase';
import { collectItems, pool } from '../../reliability-helpers/runCase';
import type { RunResult } from '../../harness';

jest.setTimeout(5 * 60_000);

/** Catches a session that is never cut (not slowness): cases run 8 at a time, maybe beside a busy core. */
const CASE_BOUND_MS = 30_000;
/**
 * How long the emulator may take to see a socket closed after the run ended. A left-open socket
 * stays open until the server's own 30 s close timeout, so 5 s still tells the two apart; 1 s was
 * too short for the close handshake on a loaded machine.
 */
const CLOSE_WINDOW_MS = 5000;

interface WsOutcome {
	status: RunResult['status'];
	error?: { message: string; httpCode?: string | null; itemIndex?: number; error: unknown };
	items: OutputItem[];
	elapsedMs: number;
	faulted: boolean;
	openAfter: number;
}

const key = (row: WsRow, fault: WsFault) => `${NODE_LABEL[row.node]} · ${row.operation} · ${fault.key}`;

async function runWsCase(row: WsRow, fault: WsFault): Promise<WsOutcome> {
	const emulator = await fastEmulator();
	try {
		const items = row.items ? await row.items(emulator) : undefined;
		emulator.clearLog();
		emulator.addFault({ service: row.service, method: 'GET', path: row.path, fault: fault.fault(row), times: 1 });
		const started = Date.now();
		const result = await runNode(emulator, row.node, { ...row.params, requestSettings: { timeoutSeconds: 5 } }, { items });
		const elapsedMs = Date.now() - started;
		const upgrades = emulator.requests({ service: row.service, path: row.path }).filter((r) => r.websocket);
		return {
			status: result.status,
			error: result.error
				? { message: result.error.message, httpCode: result.error.httpCode, itemIndex: result.error.itemIndex, error: result.error.error }
				: undefined,
			items: await collectItems(result),
			elapsedMs,
			faulted: upgrades.length === 1 && upgrades[0].fault === fault.fault(row).kind,
			openAfter: await waitForNoConnections(emulator, CLOSE_WINDOW_MS),
		};
	} finally {
		await emulator.close();
	}
}

const cases = WS_ROWS.flatMap((row) => WS_FAULTS.map((fault) => ({ row, fault })));
const outcomes = new Map<string, PromiseSettledResult<WsOutcome>>();

beforeAll(async () => {
	const settled = await pool(cases.map(({ row, fault }) => async () => await runWsCase(row, fault)), 8);
	cases.forEach(({ row, fault }, i) => outcomes.set(key(row, fault), settled[i]));
});

afterAll(async () => {
	await cleanupHarness();
});

function outcomeOf(row: WsRow, fault: WsFault): WsOutcome {
	const settled = outcomes.get(key(row, fault));
	if (!settled) throw new Error('case did not run');
	if (settled.status === 'rejected') throw settled.reason;
	return settled.value;
}

/** What each fault's error says, per kind of session. */
const AVATARTALK_MESSAGES: Record<WsFaultKey, RegExp> = {
	close1008: /^AvatarTalk: Invalid API key: check the API key in the AvatarTalk credential \(close code 1008\)/,
	close1011: /^AvatarTalk: Processing error: .*\(close code 1011\)/,
	abrupt: /^AvatarTalk: The connection dropped in the middle of the session \(no close frame\)/,
	silence: new RegExp(`^AvatarTalk: No message from the server for ${AVATARTALK_IDLE_S} s; the session was stopped and nothing partial was returned`),
};
const AVATAR_MESSAGES: Partial<Record<WsFaultKey, RegExp>> = {
	close1008: /^AvaTar: The server refused the realtime connection: Invalid API key \(close code 1008\)/,
	close1011: /^AvaTar: Processing error \(close code 1011\)/,
	abrupt: /^AvaTar: The connection dropped in the middle of the session \(no close frame\)/,
};

/** A RIFF/WAVE file whose RIFF and data sizes match its length. */
function expectWholeWav(data: Buffer) {
	expect(data.toString('latin1', 0, 4)).toBe('RIFF');
	expect(data.toString('latin1', 8, 12)).toBe('WAVE');
	expect(data.readUInt32LE(4)).toBe(data.length - 8);
	const dataAt = data.indexOf('data', 12, 'latin1');
	expect(dataAt).toBeGreaterThan(0);
	expect(data.readUInt32LE(dataAt + 4)).toBe(data.length - dataAt - 8);
}

describe.each(WS_ROWS.map((row) => [`${NODE_LABEL[row.node]} · ${row.operation} (${row.endpoint})`, row] as const))('%s', (_name, row) => {
	for (const fault of WS_FAULTS) {
		const bug = WS_KNOWN_BUGS[key(row, fault)];
		(bug ? it.failing : it)(bug ? `${fault.label} (known bug: ${bug.detail})` : fault.label, () => check(fault, outcomeOf(row, fault)));
	}

	function check(fault: WsFault, outcome: WsOutcome) {
		expect(outcome.faulted).toBe(true);
		expect(outcome.elapsedMs).toBeLessThan(CASE_BOUND_MS);
		expect(outcome.openAfter).toBe(0);

		if (row.output === 'realtime' && fault.key === 'silence') {
			// The documented end of a realtime exchange: the Time Limit, said as such.
			expect(outcome.error?.message).toBeUndefined();
			expect(outcome.items).toHaveLength(1);
			const [item] = outcome.items;
			expect(item.json.endReason).toBe('timeLimit');
			expect(item.json.lastStatus).not.toBe('idle');
			expect(outcome.elapsedMs).toBeGreaterThanOrEqual(REALTIME_TIME_LIMIT_S * 1000 - 100);
			for (const [name, binary] of Object.entries(item.binaries)) {
				if (binary.mimeType === 'audio/wav') expectWholeWav(binary.bytes);
				else expect(`${name}: ${binary.mimeType}`).toBe(`${name}: image/jpeg`);
			}
			return;
		}

		expect(outcome.status).toBe('error');
		expect(outcome.error?.error).toBeInstanceOf(NodeApiError);
		expect(outcome.error?.httpCode ?? null).toBeNull();
		expect(outcome.error?.itemIndex).toBe(0);
		expect(outcome.error?.message).toMatch((row.node === 'avatarTalk' ? AVATARTALK_MESSAGES : AVATAR_MESSAGES)[fault.key] as RegExp);
		// Nothing partial: no item, no binary.
		expect(outcome.items).toHaveLength(0);
	}
});
