/**
 * Every operation of every action node uses the operation contract (nodes/shared/router.ts):
 * - it has `parse` (reads and validates one item; the router runs it for every item before any
 *   request) and `execute`, and is registered under its node's resource/operation map;
 * - its `execute` reads no node parameter (so nothing escapes the validation before requests);
 * - its file sends nothing by hand: no `apiRequest`/`downloadToBinary`/`pollUntil` calls and no
 *   Request Settings passed along — the context's `request`/`download`/`poll` add the item index,
 *   cancel signal, Request Settings and the provider's hints.
 * The list of operations comes from the nodes package.json registers, so a new operation or a
 * new node is checked without editing this test.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import type { Operation, OperationMap } from '../../nodes/shared/router';

const root = resolve(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { n8n: { nodes: string[] } };
const actionNodes = pkg.n8n.nodes
	.map((p) => join(root, p.replace(/^dist\//, '').replace(/\.js$/, '.ts')))
	.filter((file) => !/Trigger\.node\.ts$/.test(file));

function operationFiles(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const full = join(dir, name);
		if (statSync(full).isDirectory()) return operationFiles(full);
		return name.endsWith('.operation.ts') ? [full] : [];
	});
}

/** The body of `export async function execute(...)`, up to the next top-level declaration. */
function executeSource(source: string): string {
	const start = source.indexOf('export async function execute(');
	if (start < 0) return '';
	const rest = source.slice(start);
	const end = rest.slice(1).search(/\n(export |function |async function |const |interface |type )/);
	return end < 0 ? rest : rest.slice(0, end + 1);
}

const cases = actionNodes.flatMap((nodeFile) => {
	const dir = dirname(nodeFile);
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { operations } = require(join(dir, 'actions', 'router')) as { operations: OperationMap };
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const files = operationFiles(join(dir, 'actions')).map((file) => ({ file, module: require(file) as Operation }));
	return Object.entries(operations).flatMap(([resource, ops]) =>
		Object.entries(ops).map(([operation, module]) => ({
			name: `${dir.split('/').pop()} ${resource}/${operation}`,
			module,
			file: files.find((f) => f.module.execute === module.execute)?.file,
		})),
	);
});

describe('the operation contract', () => {
	it('finds the operations of every action node', () => {
		expect(actionNodes.length).toBeGreaterThanOrEqual(5);
		expect(cases.length).toBeGreaterThanOrEqual(40);
	});

	describe.each(cases)('$name', ({ module, file }) => {
		it('lives in its own *.operation.ts file', () => {
			expect(file).toBeDefined();
		});

		it('has parse(itemIndex, validator) and execute(op)', () => {
			expect(typeof module.parse).toBe('function');
			expect(typeof module.execute).toBe('function');
			expect(Array.isArray(module.description)).toBe(true);
		});

		it('reads its parameters in parse, not in execute', () => {
			const source = readFileSync(file as string, 'utf8');
			expect(executeSource(source)).not.toBe('');
			expect(executeSource(source)).not.toMatch(/getNodeParameter|validatorFor|new InputValidator/);
		});

		it('sends requests only through the context (item index, signal, limits added for it)', () => {
			const source = readFileSync(file as string, 'utf8');
			expect(source).not.toMatch(/\b(apiRequest|downloadToBinary|pollUntil)\s*[<(]/);
			expect(source).not.toMatch(/limits:\s*op\.limits|requestBase\(/);
		});
	});
});
