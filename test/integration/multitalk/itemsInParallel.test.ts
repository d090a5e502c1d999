/**
 * Items in Parallel in MultiTalk: node version 2 reads Options > Items in Parallel
 * (`options.concurrency`) like every node; version 1 workflows saved the top-level
 * `maxConcurrentJobs` and still run with it.
 */
import type { INodeParameters } from 'n8n-workflow';

import { maxOverlap, multiTalkState } from '../../emulator/providers/multitalk';
import type { Emulator } from '../../emulator/server';
import { expectInputError } from '../../helpers/assertions';
import { useEmulator } from '../../helpers/emulatorSetup';
import { NODE, apiRequests, items, runMultiTalk, startMultiTalkEmulator, submitParams } from './helpers';

jest.setTimeout(60_000);

let emulator: Emulator;
// multiTalkConcurrentJobs: the plan would not mask the node's limit
useEmulator(async () => await startMultiTalkEmulator({ multiTalkConcurrentJobs: 100 }), (e) => (emulator = e), {
	reset: (e) => multiTalkState(e).reset(),
});

const submitAndWait = (extra: INodeParameters) =>
	submitParams({ operation: 'submitAndWait', pollIntervalSeconds: 0.1, downloadVideo: false, ...extra });

function overlapOf(ids: unknown[]): number {
	const state = multiTalkState(emulator);
	return maxOverlap(ids.map((id) => state.jobs.get(String(id))!), 'submittedAt');
}

it('version 2: Options > Items in Parallel bounds the jobs in flight', async () => {
	const result = await runMultiTalk(emulator, submitAndWait({ options: { concurrency: 3 } }), { items: items(9), typeVersion: 2 });
	expect(result.status).toBe('success');
	const out = result.json(NODE);
	expect(out).toHaveLength(9);
	expect(overlapOf(out.map((j) => j.job_id))).toBe(3);
});

it('version 1: a workflow saved with the top-level maxConcurrentJobs runs unchanged', async () => {
	const result = await runMultiTalk(emulator, submitAndWait({ maxConcurrentJobs: 2 }), { items: items(6), typeVersion: 1 });
	expect(result.status).toBe('success');
	expect(overlapOf(result.json(NODE).map((j) => j.job_id))).toBe(2);
});

it('version 2 ignores a stray top-level maxConcurrentJobs (the field is Options > Items in Parallel there)', async () => {
	const result = await runMultiTalk(emulator, submitAndWait({ maxConcurrentJobs: 1, options: { concurrency: 4 } }), { items: items(8), typeVersion: 2 });
	expect(result.status).toBe('success');
	expect(overlapOf(result.json(NODE).map((j) => j.job_id))).toBe(4);
});

it.each([
	[2, { options: { concurrency: 0 } }],
	[2, { options: { concurrency: 101 } }],
	[2, { options: { concurrency: 2.5 } }],
	[1, { maxConcurrentJobs: '={{ 0 }}' }],
])('version %s: %j is refused before any job is submitted', async (typeVersion, extra) => {
	const result = await runMultiTalk(emulator, submitAndWait(extra), { items: items(3), typeVersion });
	const label = typeVersion === 1 ? 'Items in Parallel' : 'Options > Items in Parallel';
	const error = expectInputError(result, new RegExp(`^${label}: ".*" is not allowed$`));
	expect(error.description).toBe('Allowed: a whole number from 1 to 100');
	expect(apiRequests(emulator, 'POST', '/api/v1/generate')).toHaveLength(0);
});
