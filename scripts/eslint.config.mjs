// Repository scripts (demo, dev, provisioning, the scanner check) never ship: they are linted like
// the tests (see test/eslint.config.mjs), by this file, under ESLint's config-lookup-from-file flag.
export { default } from '../test/eslint.config.mjs';
