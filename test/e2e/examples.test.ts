/**
 * Every workflow in examples/ in a real n8n (the built package installed as a community
 * package), against the emulator on loopback: one n8n home for the whole suite, the six
 * credentials imported with the ids the examples reference, each example run as a user would
 * (see exampleRunner.ts: `n8n execute`; Wait node resumed by a running `n8n start`; trigger
 * published and set off by its service), then checked (exampleChecks.ts: the same checks as in
 * queue mode, test/e2e/queue/examples.test.ts) against examples-config.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { checkExampleRun } from './exampleChecks';
import type { Example } from './exampleRunner';
import { ExamplesSession, READ_WRITE_FILE, loadExamples, runOrder } from './exampleRunner';
import { EXPECTATIONS } from './examples-config';

// jest ignores per-project timeouts: set it here (start-up ~20 s, each run ~4-15 s)
// The first run on a machine provisions n8n (~8 min, synchronously) inside beforeAll.
jest.setTimeout(20 * 60_000);

const examples = runOrder(loadExamples());

let session: ExamplesSession;
let outputRoot: string;

beforeAll(async () => {
	outputRoot = mkdtempSync(path.join(tmpdir(), 'ta-examples-'));
	session = await ExamplesSession.open({ examples, outputRoot });
});

afterAll(async () => {
	await session?.close();
	if (outputRoot) rmSync(outputRoot, { recursive: true, force: true });
});

beforeEach(() => session?.emulator.clearLog());

it('finds the example workflows, each with expectations, conventions followed', () => {
	expect(examples.length).toBeGreaterThanOrEqual(11);
	expect(examples.map((example) => example.slug).sort()).toEqual(Object.keys(EXPECTATIONS).sort());
	const ids = new Set<string>();
	for (const { slug, workflow, kind } of examples) {
		expect({ slug, id: ids.has(workflow.id) ? 'duplicate' : workflow.id }).toEqual({ slug, id: expect.stringMatching(/^ex-/) });
		// n8n on Postgres stores workflow ids as varchar(36) (queue mode: test/e2e/queue/examples.test.ts);
		// n8n saves a trigger's static data (the MultiTalk Trigger's ledger) only for ids of at most 21
		expect({ slug, id: workflow.id, tooLong: workflow.id.length > (kind === 'trigger' ? 21 : 36) }).toEqual({ slug, id: workflow.id, tooLong: false });
		ids.add(workflow.id);
		expect({ slug, notes: workflow.nodes.some((node) => node.type === 'n8n-nodes-base.stickyNote') }).toEqual({ slug, notes: true });
		if (kind !== 'trigger') expect({ slug, first: workflow.nodes[0].type }).toEqual({ slug, first: 'n8n-nodes-base.manualTrigger' });
		for (const node of workflow.nodes.filter((n) => n.type === READ_WRITE_FILE)) {
			expect({ slug, fileName: node.parameters.fileName }).toEqual({ slug, fileName: expect.stringMatching(/^=?demo-output\//) });
		}
	}
});

describe.each(examples.map((example) => [`${example.slug} (${example.kind})`, example] as [string, Example]))('%s', (_title, example) => {
	it('runs in real n8n and produces what it promises', async () => {
		const run = await session.run(example);
		await checkExampleRun(session, run);
	});
});
