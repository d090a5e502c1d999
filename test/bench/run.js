#!/usr/bin/env node
/**
 * Benchmark launcher: `node test/bench/run.js <all|binary|batch-wait|batch-inference> [--quick]`
 * (the npm scripts `bench`, `bench:binary`, `bench:batch-wait`, `bench:batch-inference` call it
 * through scripts/with-node.sh, so Node 24 is on PATH). The sources are TypeScript, run through
 * the shared launcher (test/helpers/tsLauncher.js).
 */
'use strict';
require('../helpers/tsLauncher').launch(require.resolve('./run-all.ts'));
