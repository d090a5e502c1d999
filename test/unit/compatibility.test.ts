/**
 * README "Compatibility" is generated from the matrix's latest results (test/matrix/results.json,
 * written by `npm run test:matrix`): the table must be exactly what those results render to, the
 * results must cover the whole matrix and pass, and what the README calls unsupported must be
 * what the matrix treats as such.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { loadExamples } from '../e2e/exampleRunner';
import {
	MATRIX,
	README_END,
	README_START,
	binaryDataModeLabel,
	compareVersions,
	entryId,
	notApplicable,
	readResults,
	renderTable,
	webSocketRequirementMessage,
} from '../matrix/matrix';

const README = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
const results = readResults();

it('the README table is the one the latest results render to', () => {
	const start = README.indexOf(README_START);
	const end = README.indexOf(README_END);
	expect(start).toBeGreaterThan(-1);
	expect(end).toBeGreaterThan(start);
	expect(README.slice(start + README_START.length, end).trim()).toBe(renderTable(results));
});

it('the results cover every matrix entry, in order, with its binary data mode', () => {
	expect(results.entries.map((entry) => `${entry.n8n}@node${entry.node.split('.')[0]}`)).toEqual(MATRIX.map(entryId));
	expect(results.entries.map((entry) => entry.binaryDataMode)).toEqual(MATRIX.map(binaryDataModeLabel));
});

it('every example ran on every entry: passed, or failed there as documented', () => {
	const examples = loadExamples();
	for (const [index, entry] of results.entries.entries()) {
		expect({ entry: entryId(MATRIX[index]), error: entry.error }).toEqual({ entry: entryId(MATRIX[index]), error: undefined });
		expect(Object.keys(entry.examples).sort()).toEqual(examples.map((example) => example.slug).sort());
		for (const example of examples) {
			const skip = notApplicable(example.workflow, MATRIX[index].node, MATRIX[index].n8n);
			const { outcome, reason } = entry.examples[example.slug];
			// the reason too: a README row must not keep a reason matrix.ts no longer gives
			expect({ entry: entryId(MATRIX[index]), slug: example.slug, outcome, reason }).toEqual({
				entry: entryId(MATRIX[index]),
				slug: example.slug,
				outcome: skip ? 'not applicable' : 'passed',
				reason: skip?.reason,
			});
		}
	}
});

it('the README quotes the message WebSocket operations fail with on Node.js 20', () => {
	expect(README).toContain(webSocketRequirementMessage('<operation>'));
});

it('notApplicable: WebSocket operations only, only below Node.js 22', () => {
	const node = (type: string, parameters: Record<string, unknown>) => ({ nodes: [{ type, parameters }] });
	const avatarTalk = 'n8n-nodes-talking-avatars.avatarTalk';
	expect(notApplicable(node(avatarTalk, { resource: 'stream' }), 20, '2.41.1')?.message).toBe(webSocketRequirementMessage('Stream over WebSocket'));
	expect(notApplicable(node(avatarTalk, { resource: 'stream', operation: 'continuousSession' }), 20, '2.41.1')?.reason).toBe(
		'Continuous Session needs a built-in WebSocket (Node.js >= 22)',
	);
	expect(notApplicable(node('n8n-nodes-talking-avatars.avaTar', { resource: 'realtime', operation: 'sendEvent' }), 20, '2.41.1')).toBeDefined();
	expect(notApplicable(node(avatarTalk, { resource: 'stream' }), 22, '2.41.1')).toBeUndefined();
	expect(notApplicable(node(avatarTalk, { resource: 'video', operation: 'generate' }), 20, '2.41.1')).toBeUndefined();
	expect(notApplicable(node('n8n-nodes-talking-avatars.avaTar', { resource: 'session', operation: 'create' }), 20, '2.41.1')).toBeUndefined();
	expect(notApplicable(node('n8n-nodes-talking-avatars.avaTarTool', {}), 22, '1.123.81')?.reason).toBe('the nodes as AI Agent tools need n8n 2.x');
	expect(notApplicable(node('n8n-nodes-talking-avatars.avaTarTool', {}), 22, '2.0.0')?.reason).toBe(
		'the nodes as AI Agent tools need an n8n newer than 2.0.0',
	);
	expect(notApplicable(node('n8n-nodes-talking-avatars.avaTarTool', {}), 22, '1.82.3')?.message).toBe('Unrecognized node type: n8n-nodes-talking-avatars.');
	expect(notApplicable(node('n8n-nodes-talking-avatars.avaTarTool', {}), 24, '2.0.0')?.message).toBe("Cannot read properties of undefined (reading 'execute')");
	expect(notApplicable(node('n8n-nodes-talking-avatars.avaTarTool', {}), 24, '2.41.1')).toBeUndefined();
});

it('compareVersions orders n8n versions numerically', () => {
	expect(compareVersions('2.0.0', '1.123.81')).toBe(1);
	expect(compareVersions('1.82.3', '1.123.81')).toBe(-1);
	expect(compareVersions('2.0.0', '2.0.0')).toBe(0);
	expect(compareVersions('2.10.0', '2.9.9')).toBe(1);
});
