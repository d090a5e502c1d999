#!/usr/bin/env node
/**
 * Compatibility matrix launcher: `node test/matrix/run.js [<entry>...] [--render]` (the npm
 * script `test:matrix` calls it through scripts/with-node.sh). The sources are TypeScript, run
 * through the shared launcher (test/helpers/tsLauncher.js).
 */
'use strict';
require('../helpers/tsLauncher').launch(require.resolve('./runMatrix.ts'));
