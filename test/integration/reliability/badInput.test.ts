/**
 * Bad input (test/reliability-helpers/badInputs.ts): every invalid value fails the item with a
 * NodeOperationError (never a NodeApiError: no provider was asked) whose message starts with
 * the field's UI label and which says what is allowed, and the run sends nothing at all: the
 * emulator's request log (every service, WebSocket upgrades included) stays empty.
 */
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { Emulator } from '../../emulator/server';
import { useEmulator } from '../../helpers/emulatorSetup';
import { BAD_INPUTS } from '../../reliability-helpers/badInputs';
import { NODE, NODE_LABEL, fastEmulator, runNode } from '../../reliability-helpers/nodes';

jest.setTimeout(120_000);

let emulator: Emulator;

useEmulator(fastEmulator, (e) => (emulator = e));

it('covers at least 40 invalid inputs across all five nodes', () => {
	expect(BAD_INPUTS.length).toBeGreaterThanOrEqual(40);
	expect(new Set(BAD_INPUTS.map((b) => b.node)).size).toBe(5);
});

describe.each(BAD_INPUTS.map((bad) => [`${NODE_LABEL[bad.node]} · ${bad.what}`, bad] as const))('%s', (_name, bad) => {
	it(`is refused naming "${bad.field}" and what is allowed; nothing is sent`, async () => {
		const items = bad.items ? await bad.items(emulator) : undefined;
		emulator.clearLog();
		const result = await runNode(emulator, bad.node, { ...bad.params, requestSettings: { maxAttempts: 1 } }, { items });

		expect(result.status).toBe('error');
		expect(result.error?.nodeName).toBe(NODE);
		expect(result.error?.error).toBeInstanceOf(NodeOperationError);
		expect(result.error?.error).not.toBeInstanceOf(NodeApiError);
		expect(result.error?.message.startsWith(`${bad.field}: `)).toBe(true);
		expect(`${result.error?.message} ${result.error?.description ?? ''}`).toMatch(bad.allowed);
		expect(result.error?.itemIndex).toBe(bad.itemIndex ?? 0);
		expect(result.items(NODE)).toHaveLength(0);
		expect(emulator.requests()).toEqual([]);
	});
});
