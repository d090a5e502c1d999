#!/usr/bin/env node
/**
 * Compatibility matrix launcher: `node test/matrix/run.js [<entry>...] [--render]` (the npm
 * script `test:matrix` calls it through scripts/with-node.sh). The sources are TypeScript,
 * type-checked with the rest of test/; this hook transpiles them as they are required, as
 * test/bench/run.js does.
 */
'use strict';
const fs = require('node:fs');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
	const source = fs.readFileSync(filename, 'utf8');
	const { outputText } = ts.transpileModule(source, {
		fileName: filename,
		compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, resolveJsonModule: true },
	});
	module._compile(outputText, filename);
};

require('./runMatrix.ts')
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
	.then(() => setTimeout(() => process.exit(), 2000).unref());
