/**
 * In-process test harness: whole workflow JSON through n8n-core's real engine.
 *
 *   const result = await runWorkflow(workflow, { credentials: { multiTalkApi: { apiKey, baseUrl } } });
 *   expect(result.status).toBe('success');
 *   expect(result.json('MultiTalk')).toEqual([{ status: 'ok' }]);
 */
export { listSearch, runWorkflow, testCredential } from './run';
export type { CredentialTestResult, RunError, RunOptions, RunResult, WorkflowJson } from './run';
export { cleanupHarness, getRuntime } from './runtime';
export { PACKAGE_NAME, STAND_INS, loadPackageTypes, testNodeDescription } from './types';
