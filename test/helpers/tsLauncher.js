/**
 * The one launcher for the TypeScript command-line tools under test/ (the benchmarks,
 * test/bench/run.js, and the compatibility matrix, test/matrix/run.js). They run straight from
 * the sources (type-checked by `tsc -p tsconfig.test.json` with the rest of test/): this hook
 * transpiles each .ts file as it is required, so `__dirname` is the real source folder
 * (test/e2e/n8nRunner.ts finds the repository root and scripts/ from it, the emulator finds its
 * fixtures). `launch(entry)` calls the entry module's `main(argv)` and exits with its code.
 */
'use strict';
const fs = require('node:fs');
const ts = require('typescript');

function installTsHook() {
	if (require.extensions['.ts']) return;
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
}

/** Runs `require(entry).main(process.argv.slice(2))`; its resolved number is the exit code. */
function launch(entry) {
	installTsHook();
	Promise.resolve()
		.then(() => require(entry).main(process.argv.slice(2)))
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
}

module.exports = { launch, installTsHook };
