#!/usr/bin/env node
/**
 * Benchmark launcher: `node test/bench/run.js <all|binary|batch-wait|batch-inference> [--quick]`
 * (the npm scripts `bench`, `bench:binary`, `bench:batch-wait`, `bench:batch-inference` call it
 * through scripts/with-node.sh, so Node 24 is on PATH).
 *
 * The benchmark sources are TypeScript (type-checked by `tsc -p tsconfig.test.json` with the
 * rest of test/). They run straight from the sources: this hook transpiles each .ts file as it
 * is required, so `__dirname` is the real source folder (test/e2e/n8nRunner.ts finds the
 * repository root and scripts/ from it, the emulator finds its fixtures).
 */
'use strict';
const fs = require('node:fs');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
	const source = fs.readFileSync(filename, 'utf8');
	const { outputText } = ts.transpileModule(source, {
		fileName: filename,
		compilerOptions: {
			module: ts.ModuleKind.CommonJS,
			target: ts.ScriptTarget.ES2022,
			esModuleInterop: true,
			resolveJsonModule: true,
			sourceMap: false,
			inlineSourceMap: true,
		},
	});
	module._compile(outputText, filename);
};

require('./run-all.ts')
	.main(process.argv.slice(2))
	.then(
		(code) => {
			process.exitCode = code ?? 0;
		},
		(error) => {
			console.error(error);
			process.exitCode = 1;
		},
	)
	// let stdout drain; leave even if something still holds the event loop
	.then(() => setTimeout(() => process.exit(), 2000).unref());
