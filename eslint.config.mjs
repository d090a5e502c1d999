import { config } from '@n8n/node-cli/eslint';

// Everything that ships (nodes/, credentials/, package.json) is linted with n8n's own config,
// n8n Cloud rules included, unchanged. Tests, the emulator and scripts never ship: they need
// Node's own modules, timers and console, so only the two cloud-only rules are lifted there.
export default [
	...config,
	{
		files: ['test/**/*.ts', 'scripts/**/*.ts'],
		rules: {
			'@n8n/community-nodes/no-restricted-imports': 'off',
			'@n8n/community-nodes/no-restricted-globals': 'off',
			'no-console': 'off',
		},
	},
	{ ignores: ['build/**', 'dist/**', 'demo-output/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
];
