/**
 * Stack traces of the published package point at files the package ships. n8n installs
 * `source-map-support`, so a `.js.map` next to a compiled file rewrites every stack frame to the
 * `.ts` source it names, and those sources are not in the package: a user's error then points
 * at files that do not exist on their disk (issue #12, defect 9).
 *
 * The shipped file list is what `npm pack` would publish; the stack comes from Node with
 * `--enable-source-maps`, which resolves maps the same way n8n's source-map-support does.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { ensureBuilt } from './n8nRunner';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

let shipped: Set<string>;

beforeAll(() => {
	ensureBuilt();
	const packed = JSON.parse(
		execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO_ROOT, encoding: 'utf8' }),
	) as Array<{ files: Array<{ path: string }> }>;
	shipped = new Set(packed[0].files.map((file) => file.path));
}, 10 * 60_000);

it('every source map a shipped file refers to is shipped, and so is every source it names', () => {
	const missing: string[] = [];
	const shippedJs = [...shipped].filter((file) => file.endsWith('.js'));
	expect(shippedJs.length).toBeGreaterThan(10);
	for (const file of shippedJs) {
		const match = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(path.join(REPO_ROOT, file), 'utf8'));
		if (!match || match[1].startsWith('data:')) continue;
		const map = path.posix.join(path.posix.dirname(file), match[1]);
		if (!shipped.has(map)) {
			missing.push(`${file} -> ${map}`);
			continue;
		}
		const { sources, sourceRoot = '' } = JSON.parse(readFileSync(path.join(REPO_ROOT, map), 'utf8')) as { sources: string[]; sourceRoot?: string };
		for (const source of sources) {
			const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(map), sourceRoot, source));
			if (!shipped.has(resolved)) missing.push(`${map} -> ${resolved}`);
		}
	}
	expect(missing).toEqual([]);
});

it('an error thrown inside the package has a stack that points only at shipped files', () => {
	// Found by name: the decoder may live in another folder of nodes/ (it is moved between them).
	const decoder = [...shipped].find((file) => file.endsWith('/bolt11.js'));
	expect(decoder).toBeDefined();
	const script = `try { require('./${decoder}').decodeBolt11('lnbc1 x\\u200b'); } catch (e) { process.stdout.write(e.stack); }`;
	const child = spawnSync(process.execPath, ['--enable-source-maps', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8' });
	expect(child.status).toBe(0);
	expect(child.stdout).toMatch(/Malformed invoice/);
	const frames = [...child.stdout.matchAll(/\(?(\/[^\s():]+):\d+:\d+\)?/g)].map((m) => m[1]);
	const ours = frames.filter((file) => file.startsWith(`${REPO_ROOT}${path.sep}`)).map((file) => path.relative(REPO_ROOT, file));
	expect(ours).toContain(decoder);
	expect(ours.filter((file) => !shipped.has(file))).toEqual([]);
});
