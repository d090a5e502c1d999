import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import type { ICredentialType, INodeProperties, INodeType } from 'n8n-workflow';

/**
 * Checks every node and credential that package.json registers, the way n8n loads them:
 * a description n8n cannot load (an options field with no options, a default that is not
 * one of its options) breaks the whole package in a user's n8n, not just one node.
 */
const root = resolve(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
	name: string;
	n8n: { nodes: string[]; credentials: string[] };
};
const sourceOf = (distPath: string) => join(root, distPath.replace(/^dist\//, '').replace(/\.js$/, '.ts'));

function load<T>(distPath: string): T {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const mod = require(sourceOf(distPath)) as Record<string, new () => T>;
	const [Class] = Object.values(mod);
	return new Class();
}

const credentialNames = pkg.n8n.credentials.map((p) => load<ICredentialType>(p).name);

function iconFiles(icon: unknown): string[] {
	if (!icon) return [];
	if (typeof icon === 'string') return [icon];
	return Object.values(icon as Record<string, string>);
}

function allowedValues(property: INodeProperties): unknown[] {
	return (property.options ?? []).map((o) => (o as { value: unknown }).value);
}

describe.each(pkg.n8n.nodes)('%s', (distPath) => {
	const node = load<INodeType>(distPath);
	const d = node.description;
	const dir = dirname(sourceOf(distPath));

	it('has the fields n8n and its linter expect', () => {
		expect(d.name).toMatch(/^[a-z][A-Za-z]+$/);
		expect(d.displayName).toBeTruthy();
		expect(d.description).toBeTruthy();
		expect(d.version).toBeTruthy();
		const isTrigger = d.group.includes('trigger');
		if (!isTrigger) {
			expect(d.usableAsTool).toBe(true);
			expect(d.subtitle).toBeTruthy();
		}
	});

	it('points at icons that exist and a codex file for this package', () => {
		for (const icon of iconFiles(d.icon)) expect(existsSync(join(dir, icon.replace(/^file:/, '')))).toBe(true);
		const codexPath = sourceOf(distPath).replace(/\.ts$/, '.json');
		expect(existsSync(codexPath)).toBe(true);
		const codex = JSON.parse(readFileSync(codexPath, 'utf8')) as { node: string };
		expect(codex.node).toBe(`${pkg.name}.${d.name}`);
	});

	it('uses only credentials the package registers', () => {
		for (const credential of d.credentials ?? []) expect(credentialNames).toContain(credential.name);
	});

	it('has no options field without options, and every default is allowed', () => {
		const walk = (properties: INodeProperties[], path: string) => {
			for (const p of properties) {
				const where = `${path}${p.name}`;
				if (p.type === 'options' || p.type === 'multiOptions') {
					if (p.typeOptions?.loadOptionsMethod) continue;
					expect({ where, hasOptions: (p.options ?? []).length > 0 }).toEqual({ where, hasOptions: true });
					const defaults = Array.isArray(p.default) ? p.default : [p.default];
					for (const value of defaults) {
						if (typeof value === 'string' && value.startsWith('=')) continue;
						expect({ where, value, allowed: allowedValues(p).includes(value) }).toEqual({ where, value, allowed: true });
					}
				}
				if (p.type === 'collection' || p.type === 'fixedCollection') {
					const nested = (p.options ?? []) as Array<INodeProperties & { values?: INodeProperties[] }>;
					walk(nested.flatMap((o) => (o.values ? o.values : [o])), `${where}.`);
				}
			}
		};
		walk(d.properties, '');
	});

	it('shows every operation field only for operations that exist', () => {
		const resources = d.properties.find((p) => p.name === 'resource');
		if (!resources) return;
		const resourceValues = allowedValues(resources);
		const operationsByResource = new Map<unknown, unknown[]>();
		for (const p of d.properties.filter((p) => p.name === 'operation')) {
			for (const r of (p.displayOptions?.show?.resource as unknown[]) ?? []) operationsByResource.set(r, allowedValues(p));
		}
		for (const r of resourceValues) expect(operationsByResource.get(r)?.length ?? 0).toBeGreaterThan(0);
		for (const p of d.properties) {
			const show = p.displayOptions?.show;
			if (!show?.resource || !show.operation || p.name === 'operation') continue;
			for (const r of show.resource as unknown[]) {
				expect(resourceValues).toContain(r);
				for (const o of show.operation as unknown[]) expect({ field: p.name, r, o, ok: operationsByResource.get(r)?.includes(o) }).toEqual({ field: p.name, r, o, ok: true });
			}
		}
	});
});

describe.each(pkg.n8n.credentials)('%s', (distPath) => {
	const credential = load<ICredentialType>(distPath);

	it('has a test request, an icon and password fields for secrets', () => {
		expect(credential.test).toBeDefined();
		for (const icon of iconFiles(credential.icon)) expect(existsSync(join(root, 'credentials', icon.replace(/^file:/, '')))).toBe(true);
		for (const p of credential.properties) {
			if (/key|token|secret|password/i.test(p.name)) expect({ field: p.name, password: p.typeOptions?.password }).toEqual({ field: p.name, password: true });
		}
	});
});
