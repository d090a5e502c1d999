/**
 * What `npm publish` would upload, and who may upload it (issue #11).
 *  - The tarball holds only what n8n loads (compiled nodes and credentials, their codex JSON and
 *    icons) plus README, LICENSE and package.json: no .d.ts, no tsconfig.tsbuildinfo, no test
 *    files or test assets, no sources.
 *  - Publishing works only from the release workflow: package.json asks npm for a provenance
 *    statement, which npm can make only in CI, so a publish from a laptop stops before any upload
 *    (whatever the project's .npmrc says about scripts); the prepublishOnly guard refuses too.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { ensureBuilt } from './n8nRunner';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const PACKAGE_JSON = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
	n8n: { nodes: string[]; credentials: string[] };
};

/** Every path the package may ship, and why. */
const ALLOWED: Array<[RegExp, string]> = [
	[/^(package\.json|README\.md|LICENSE)$/, 'package metadata and docs'],
	[/^dist\/(nodes|credentials)\/.+\.js$/, 'compiled nodes and credentials'],
	[/^dist\/nodes\/.+\.node\.json$/, 'node codex (categories, aliases, docs links)'],
	[/^dist\/(icons|nodes|credentials)\/.+\.(svg|png)$/, 'icons'],
];

let shipped: string[];

beforeAll(() => {
	ensureBuilt();
	const packed = JSON.parse(
		execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO_ROOT, encoding: 'utf8' }),
	) as Array<{ files: Array<{ path: string }> }>;
	shipped = packed[0].files.map((file) => file.path).sort();
}, 10 * 60_000);

it('the tarball holds only dist code, codex JSON, icons, README, LICENSE and package.json', () => {
	expect(shipped.filter((file) => !ALLOWED.some(([pattern]) => pattern.test(file)))).toEqual([]);
	expect(shipped.filter((file) => /tsbuildinfo|\.d\.ts$|\.map$|(^|\/)test\//.test(file))).toEqual([]);
	expect(shipped).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE']));
});

it('the tarball holds everything n8n loads: every node and credential, each codex, each icon', () => {
	const needed = new Set<string>();
	for (const compiled of [...PACKAGE_JSON.n8n.nodes, ...PACKAGE_JSON.n8n.credentials]) {
		needed.add(compiled);
		if (compiled.endsWith('.node.js')) needed.add(compiled.replace(/\.js$/, '.json'));
		// Icons are named relative to the compiled file, as n8n resolves them.
		const source = readFileSync(path.join(REPO_ROOT, compiled.replace(/^dist\//, '').replace(/\.js$/, '.ts')), 'utf8');
		for (const [, icon] of source.matchAll(/'file:([^']+\.(?:svg|png))'/g)) {
			needed.add(path.posix.normalize(path.posix.join(path.posix.dirname(compiled), icon)));
		}
	}
	expect(needed.size).toBeGreaterThan(20);
	expect([...needed].filter((file) => !shipped.includes(file))).toEqual([]);
});

it('the prepublishOnly guard lets only the release workflow publish', () => {
	const guard = (env: NodeJS.ProcessEnv) =>
		spawnSync('sh', ['scripts/prepublish-guard.sh'], { cwd: REPO_ROOT, env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
	const local = guard({});
	expect(local.status).toBe(1);
	expect(local.stderr).toMatch(/publish\.yml/);
	expect(guard({ GITHUB_ACTIONS: 'true' }).status).toBe(1);
	expect(guard({ GITHUB_ACTIONS: 'true', RELEASE_MODE: 'true' }).status).toBe(0);
});

it('npm publish outside CI refuses before uploading anything, even with lifecycle scripts skipped', async () => {
	// A registry that records what reaches it and knows no package.
	const requests: string[] = [];
	const registry = createServer((req, res) => {
		requests.push(`${req.method} ${req.url}`);
		res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not found"}');
	});
	await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(registry.address() as AddressInfo).port}/`;
	const env: NodeJS.ProcessEnv = {};
	for (const [key, value] of Object.entries(process.env)) {
		// no CI identity, so npm cannot make a provenance statement; no inherited npm settings
		if (!/^(CI|GITHUB_|GITLAB_|RELEASE_MODE$|npm_)/i.test(key)) env[key] = value;
	}
	try {
		const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
			const child = spawn(
				'npm',
				['publish', '--ignore-scripts', '--registry', url, `--${url.replace(/^http:/, '')}:_authToken=not-a-real-token`],
				{ cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
			);
			let output = '';
			child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
			child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
			child.on('close', (code) => resolve({ code, output }));
		});
		expect(result.code).not.toBe(0);
		expect(result.output).toMatch(/provenance generation not supported/i);
		// npm may look the package up first (GET); it must never upload it (PUT).
		expect(requests.filter((request) => !request.startsWith('GET '))).toEqual([]);
	} finally {
		registry.close();
	}
}, 120_000);
