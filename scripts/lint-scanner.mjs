// Lints the package the way n8n's community package scanner does before it verifies a package
// (`npx @n8n/scan-community-package <name>`, version 0.32.0, file scanner/scanner.mjs):
//  - the same rules: n8n's community-nodes "recommended" config, `no-console`, and the three
//    eslint-plugin-n8n-nodes-base rulesets (package.json / credentials / nodes) with the same
//    three-plus-two rules switched off, TypeScript parser for .ts and .json;
//  - the same way: ESLint's API with `allowInlineConfig: false` (every `eslint-disable` comment is
//    ignored, so none can hide a finding) and `overrideConfigFile: true` (this repository's
//    eslint.config.mjs plays no part);
//  - plus: no inline ESLint comment at all in nodes/ or credentials/ (the scanner ignores them);
//  - on the same files: the source leg (package.json and {nodes,credentials}/**/*.{js,ts,json})
//    and the tarball leg (every .js file `npm pack` would publish, plus package.json).
// The rule plugins are the ones @n8n/node-cli brings (community-nodes 0.32.0, n8n-nodes-base
// 1.16.7); the scanner itself pins community-nodes 0.29.0. Running the scanner's own code (its
// `analyzePackage`, both legs) on this tree also reports 0 errors.
// Usage: node scripts/lint-scanner.mjs [--source-only]   (the tarball leg needs `npm run build`)
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Resolve the lint packages the way @n8n/node-cli (a devDependency, so at the top level) does.
const requireFromCli = createRequire(path.join(root, 'node_modules', '@n8n', 'node-cli', 'package.json'));
const { ESLint } = requireFromCli('eslint');
const { defineConfig } = requireFromCli('eslint/config');
const parser = requireFromCli('typescript-eslint').parser;
const n8nNodesPlugin = requireFromCli('eslint-plugin-n8n-nodes-base');
const { n8nCommunityNodesPlugin } = await import(
	requireFromCli.resolve('@n8n/eslint-plugin-community-nodes')
);

/** scanner.mjs `buildScanConfig`, rule for rule. */
function scanConfig() {
	return defineConfig(
		n8nCommunityNodesPlugin.configs.recommended,
		{ rules: { 'no-console': 'error' } },
		{ plugins: { 'n8n-nodes-base': n8nNodesPlugin } },
		{ files: ['package.json'], rules: { ...n8nNodesPlugin.configs.community.rules } },
		{
			files: ['**/credentials/**/*.ts'],
			rules: {
				...n8nNodesPlugin.configs.credentials.rules,
				'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
				'n8n-nodes-base/cred-class-field-type-options-password-missing': 'off',
			},
		},
		{
			files: ['**/nodes/**/*.ts'],
			rules: {
				...n8nNodesPlugin.configs.nodes.rules,
				'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
				'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
				'n8n-nodes-base/node-param-type-options-max-value-present': 'off',
			},
		},
		{ files: ['**/*.json'], languageOptions: { parser } },
		{ files: ['**/*.ts'], languageOptions: { parser } },
	);
}

async function lint(label, files) {
	const eslint = new ESLint({
		cwd: root,
		allowInlineConfig: false,
		overrideConfigFile: true,
		overrideConfig: scanConfig(),
	});
	const results = await eslint.lintFiles(files);
	const errors = results.reduce((n, r) => n + r.errorCount, 0);
	const formatter = await eslint.loadFormatter('stylish');
	const report = await formatter.format(results);
	if (report.trim()) console.log(report);
	console.log(`scanner rules, ${label}: ${results.length} files, ${errors} errors`);
	return errors;
}

/** Every file `npm pack` would publish (the scanner downloads exactly that tarball). */
function packedFiles() {
	const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
		cwd: root,
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	return JSON.parse(out)[0].files.map((f) => f.path);
}

/** Shipped code holds no disable comment at all: the scanner ignores them, so they only mislead. */
async function disableComments() {
	const { readdirSync, readFileSync, statSync } = await import('node:fs');
	const found = [];
	const walk = (dir) => {
		for (const name of readdirSync(dir)) {
			const full = path.join(dir, name);
			if (statSync(full).isDirectory()) walk(full);
			else if (/\.(ts|js)$/.test(name)) {
				readFileSync(full, 'utf8').split('\n').forEach((line, i) => {
					if (/eslint-disable|eslint-enable|eslint\s+[a-z@]/.test(line)) found.push(`${path.relative(root, full)}:${i + 1}: ${line.trim()}`);
				});
			}
		}
	};
	for (const dir of ['nodes', 'credentials']) walk(path.join(root, dir));
	for (const line of found) console.log(line);
	console.log(`inline ESLint comments in nodes/ and credentials/: ${found.length}`);
	return found.length;
}

let errors = await disableComments();
errors += await lint('source (nodes/, credentials/, package.json)', [
	'package.json',
	'{nodes,credentials}/**/*.{js,ts,json}',
]);
if (!process.argv.includes('--source-only')) {
	if (!existsSync(path.join(root, 'dist', 'nodes'))) {
		console.error('scanner rules, tarball: dist/ is missing: run `npm run build` first (or pass --source-only)');
		process.exit(2);
	}
	const files = packedFiles().filter((f) => f.endsWith('.js') || f === 'package.json');
	errors += await lint('tarball (packed .js files, package.json)', files);
}
process.exit(errors > 0 ? 1 : 0);
