import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import type { INodeProperties, INodeType } from 'n8n-workflow';
import { NodeHelpers } from 'n8n-workflow';

import type { OperationMap } from '../../nodes/shared/router';

/**
 * The field conventions of CONTRIBUTING.md ("Field conventions"), checked on every node
 * package.json registers: one display name, wording and range per kind of field.
 */
const root = resolve(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { n8n: { nodes: string[] } };
const sourceOf = (distPath: string) => join(root, distPath.replace(/^dist\//, '').replace(/\.js$/, '.ts'));

function load(distPath: string): INodeType {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const mod = require(sourceOf(distPath)) as Record<string, new () => INodeType>;
	return new (Object.values(mod)[0])();
}

/** Every property, collections and fixed collections included. */
function walk(properties: INodeProperties[]): INodeProperties[] {
	const all: INodeProperties[] = [];
	for (const p of properties) {
		all.push(p);
		for (const o of (p.options ?? []) as Array<INodeProperties & { values?: INodeProperties[] }>) {
			if ('type' in o && o.type) all.push(...walk([o]));
			else if (o.values) all.push(...walk(o.values));
		}
	}
	return all;
}

const INPUT = 'Input Binary Field';
const OUTPUT = ['Put Video in Field', 'Put Audio in Field', 'Put Output File in Field'];
const BINARY_NAMES = ['binaryPropertyName', 'inputBinaryPropertyName', 'binaryProperty', 'videoBinaryProperty', 'audioBinaryProperty', 'audioProperty'];
const TIMEOUTS = ['Wait Timeout (Seconds)', 'Wait Timeout (Minutes)', 'Request Timeout (Seconds)', 'Connect Timeout (Seconds)', 'Idle Timeout (Seconds)', 'Session Timeout (Seconds)'];
const RETIRED = ['Output Field', 'Video Output Field', 'Audio Output Field', 'Video Output', 'Download File', 'Max Concurrent Jobs', 'Timeout (Seconds)', 'Timeout (Minutes)', 'Poll Interval (Seconds)'];

describe.each(pkg.n8n.nodes)('%s', (distPath) => {
	const node = load(distPath);
	const fields = walk(node.description.properties);

	it('names binary fields one way: Input Binary Field, Put Video/Audio/Output File in Field', () => {
		const binary = fields.filter((f) => BINARY_NAMES.includes(f.name));
		for (const f of binary) {
			expect([INPUT, ...OUTPUT]).toContain(f.displayName);
			if (f.displayName === INPUT) expect(f.description).toMatch(/^Name of the input binary field holding /);
			else expect(f.description).toMatch(/^Name of the output binary field to put /);
		}
		for (const f of fields.filter((x) => [INPUT, ...OUTPUT].includes(x.displayName))) expect(f.type).toBe('string');
	});

	it('has no retired display name and no plain "Timeout"', () => {
		for (const f of fields) {
			expect(RETIRED).not.toContain(f.displayName);
			if (/Timeout/.test(f.displayName)) expect(TIMEOUTS).toContain(f.displayName);
		}
	});

	it('calls downloads Download Video / Download Audio, waits Wait Timeout and Check Every', () => {
		for (const f of fields.filter((x) => x.type === 'boolean' && /^Download /.test(x.displayName))) {
			expect(['Download Video', 'Download Audio']).toContain(f.displayName);
			expect(f.description).toMatch(/^Whether to (fetch|download) /);
		}
		for (const f of fields.filter((x) => x.name === 'pollIntervalSeconds')) expect(f.displayName).toBe('Check Every (Seconds)');
	});

	it('puts what Download Video fetches in "Put Video in Field"', () => {
		const shownByDownloadVideo = fields.filter((f) => BINARY_NAMES.includes(f.name) && f.displayOptions?.show?.downloadVideo);
		for (const f of shownByDownloadVideo) expect(f.displayName).toBe('Put Video in Field');
	});

	it('offers concurrency only as Items in Parallel, 1 to 100', () => {
		for (const f of fields.filter((x) => x.name === 'concurrency' || x.name === 'maxConcurrentJobs')) {
			expect(f.displayName).toBe('Items in Parallel');
			expect(f.typeOptions).toMatchObject({ minValue: 1, maxValue: 100 });
		}
	});
});

describe('every operation that runs items in parallel lets the user set how many', () => {
	const routers = ['AvaTar', 'AvatarTalk', 'LiveTalking', 'MultiTalk', 'MuseTalk'];
	const cases = routers.flatMap((name) => {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const { operations } = require(join(root, 'nodes', name, 'actions', 'router.ts')) as { operations: OperationMap };
		return Object.entries(operations).flatMap(([resource, ops]) =>
			Object.entries(ops)
				.filter(([, op]) => op.concurrency)
				.map(([operation, op]) => [`${name} ${resource} ${operation}`, op] as const),
		);
	});

	it('finds them (AvatarTalk and MultiTalk)', () => {
		expect(cases.map(([label]) => label)).toEqual(
			expect.arrayContaining(['AvatarTalk video getVideo', 'MultiTalk job get', 'MultiTalk job cancel', 'MultiTalk job getDownloadUrl', 'MultiTalk job submitAndWait']),
		);
	});

	it.each(cases)('%s: Options > Items in Parallel', (_label, op) => {
		const options = op.description.find((f) => f.name === 'options' && !f.displayOptions?.show?.['@version']?.includes(1));
		expect(walk(options ? [options] : []).some((f) => f.name === 'concurrency')).toBe(true);
	});
});

describe('MultiTalk versions', () => {
	const node = load('dist/nodes/MultiTalk/MultiTalk.node.js');
	const shown = (typeVersion: number, operation: string) =>
		NodeHelpers.getNodeParameters(
			node.description.properties,
			{ resource: 'job', operation },
			true,
			false,
			{ typeVersion },
			node.description,
		) as Record<string, unknown>;

	it('is version 2 by default and keeps version 1', () => {
		expect(node.description.version).toEqual([1, 2]);
		expect(node.description.defaultVersion).toBe(2);
	});

	it.each(['submit', 'submitAndWait', 'waitForJob'])('%s: v1 keeps the saved top-level maxConcurrentJobs, v2 has Options > Items in Parallel', (operation) => {
		expect(shown(1, operation)).toHaveProperty('maxConcurrentJobs', 10);
		expect(shown(2, operation)).not.toHaveProperty('maxConcurrentJobs');
		const v2Options = node.description.properties.filter(
			(p) => p.name === 'options' && p.displayOptions?.show?.operation?.includes(operation) && p.displayOptions?.show?.['@version']?.includes(2),
		);
		expect(v2Options).toHaveLength(1);
		expect(walk(v2Options).find((f) => f.name === 'concurrency')).toMatchObject({ displayName: 'Items in Parallel', default: 10 });
	});
});
