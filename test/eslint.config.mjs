import { config } from '@n8n/node-cli/eslint';

// Tests, the emulator and the benchmarks never ship. ESLint takes this file for everything under
// test/ (npm run lint sets ESLint's config-lookup-from-file flag; the root eslint.config.mjs stays
// n8n's unchanged default, as its strict mode requires). Same rules as shipped code, except that
// test code needs Node's own modules, timers, console and child processes (the real-n8n harness)
// and holds fixtures that look like secrets (the BOLT #11 specification's example keys).
export default [
	...config,
	{
		files: ['**/*.ts'],
		rules: {
			'@n8n/community-nodes/no-restricted-imports': 'off',
			'@n8n/community-nodes/no-restricted-globals': 'off',
			'@n8n/community-nodes/no-dangerous-functions': 'off',
			'@n8n/community-nodes/no-hardcoded-secrets': 'off',
			'no-console': 'off',
		},
	},
	{ ignores: ['tmp/**', 'bench/tmp/**'] },
];
