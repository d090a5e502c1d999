/**
 * LiveTalking's 422 hints (issue #12, defect 7): the advice follows the field the backend named
 * in its validation list (`detail[].loc`), instead of always blaming the Session ID.
 */
import type { INodeParameters } from 'n8n-workflow';

import type { Emulator } from '../../emulator/server';
import { startEmulator } from '../../emulator/server';
import { runWorkflow } from '../../harness';
import { expectApiError, singleNode } from '../musetalk/helpers';
import { useEmulator } from '../../helpers/emulatorSetup';

let emulator: Emulator;

useEmulator(startEmulator, (e) => (emulator = e));

async function run(parameters: INodeParameters) {
	return await runWorkflow(singleNode('liveTalking', { requestSettings: { maxAttempts: 1 }, ...parameters }), {
		credentials: { liveTalkingApi: { baseUrl: emulator.urls.liveTalking, firebaseToken: emulator.keys.liveTalking } },
	});
}

/** The backend answers the next request to `path` with this pydantic 422 list. */
function reject(path: string, detail: Array<{ loc: Array<string | number>; msg: string; type: string }>) {
	emulator.addFault({ service: 'liveTalking', path, fault: { kind: 'status', status: 422, body: { detail } }, times: 1 });
}

const sendText = { resource: 'session', operation: 'sendText', sessionId: '7', text: 'Hi' };

it('a 422 about `text` speaks of the Text, not of the Session ID', async () => {
	reject('/api/v1/avatar/send-text', [{ loc: ['body', 'text'], msg: 'String should have at most 5000 characters', type: 'string_too_long' }]);
	const error = expectApiError(await run(sendText), '422');
	expect(error.message).toBe('LiveTalking: text: String should have at most 5000 characters [string_too_long]');
	expect(error.description).toContain('Text');
	expect(error.description).toContain('1 to 5000 characters');
	expect(error.description).not.toMatch(/Session ID/);
});

it('a 422 about `session_id` speaks of the Session ID', async () => {
	reject('/api/v1/avatar/send-text', [{ loc: ['body', 'session_id'], msg: 'Input should be a valid integer', type: 'int_type' }]);
	const error = expectApiError(await run(sendText), '422');
	expect(error.description).toContain('Session ID');
	expect(error.description).toContain('whole number from LiveTalking’s /offer answer');
	expect(error.description).not.toMatch(/\bText\b/);
});

it('a 422 naming two fields gives the advice for each, in the backend’s order', async () => {
	reject('/api/v1/avatar/send-text', [
		{ loc: ['body', 'text'], msg: 'String should have at least 1 character', type: 'string_too_short' },
		{ loc: ['body', 'session_id'], msg: 'Input should be a valid integer', type: 'int_type' },
	]);
	const error = expectApiError(await run(sendText), '422');
	const description = String(error.description);
	expect(description.indexOf('Text')).toBeGreaterThan(-1);
	expect(description.indexOf('Session ID')).toBeGreaterThan(description.indexOf('Text'));
});

it('a 422 about the download’s `title` speaks of the Title', async () => {
	reject('/api/v1/avatar/recording/download', [{ loc: ['body', 'title'], msg: 'String should have at most 255 characters', type: 'string_too_long' }]);
	const error = expectApiError(await run({ resource: 'recording', operation: 'download', sessionId: '7', title: 'x' }), '422');
	expect(error.description).toContain('Title');
	expect(error.description).toContain('255');
	expect(error.description).not.toMatch(/Session ID/);
});

it('a 422 that names no known field blames none', async () => {
	reject('/api/v1/avatar/recording', [{ loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', type: 'model_attributes_type' }]);
	const error = expectApiError(await run({ resource: 'recording', operation: 'start', sessionId: '7' }), '422');
	expect(error.description).toContain('rejected the request');
	expect(error.description).not.toMatch(/Session ID|\bText\b|Title/);
});
