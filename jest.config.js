// Three suites: unit (pure functions), integration (whole workflows through n8n-core's engine
// against the emulator) and e2e (real n8n processes). `npm test` runs all three.
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.test.json', diagnostics: false }];
const common = {
	testEnvironment: 'node',
	transform: { '^.+\\.ts$': tsJest },
	moduleFileExtensions: ['ts', 'js', 'json'],
};
module.exports = {
	projects: [
		{ ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
		{ ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'], testTimeout: 60000 },
		{ ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'], testTimeout: 600000 },
	],
};
