// Three suites: unit (pure functions), integration (whole workflows through n8n-core's engine
// against the emulator) and e2e (real n8n processes). `npm test` runs all three.
// Per-project `testTimeout` is ignored by jest, so long-running files set jest.setTimeout().
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.test.json', diagnostics: false }];
const common = {
	testEnvironment: 'node',
	transform: { '^.+\\.ts$': tsJest },
	moduleFileExtensions: ['ts', 'js', 'json'],
	// build/ and dist/ hold compiled copies (and package.json files) that would collide.
	modulePathIgnorePatterns: ['<rootDir>/build/', '<rootDir>/dist/', '<rootDir>/test/bench/tmp/', '<rootDir>/demo-output/'],
};
module.exports = {
	testTimeout: 60000,
	projects: [
		{ ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
		{ ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
		{ ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
	],
};
