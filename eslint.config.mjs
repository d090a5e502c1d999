import { config } from '@n8n/node-cli/eslint';

// Everything that ships (nodes/, credentials/, package.json) is linted with n8n's own config,
// n8n Cloud rules included, unchanged. Tests, the emulator and scripts never ship: they need
// Node's own modules, timers, console and child processes (the real-n8n harness), and they hold
// test fixtures that look like secrets (the BOLT #11 specification's example keys), so those
// rules are lifted there and only there.
export default [
	...config,
	{
		files: ['test/**/*.ts', 'scripts/**/*.ts'],
		rules: {
			'@n8n/community-nodes/no-restricted-imports': 'off',
			'@n8n/community-nodes/no-restricted-globals': 'off',
			'@n8n/community-nodes/no-dangerous-functions': 'off',
			'@n8n/community-nodes/no-hardcoded-secrets': 'off',
			'no-console': 'off',
		},
	},
	{ ignores: ['build/**', 'dist/**', 'demo-output/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
];
