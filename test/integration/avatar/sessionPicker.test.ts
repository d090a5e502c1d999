/**
 * AvaTar's Session ID picker (resource locator): "From list" lists the emulator's active
 * sessions (streaming.sessions) newest first with their status; the picked session runs; By ID
 * works; workflows saved when Session ID was a text field (a plain string or an expression)
 * still run.
 */
import type { Emulator } from '../../emulator/server';
import { startEmulator } from '../../emulator/server';
import { cleanupHarness, listSearch } from '../../harness';
import { NODE, newSession, runAvaTar } from './helpers';

let emulator: Emulator;
let older = '';
let newer = '';

const credentials = () => ({ avaTarApi: { baseUrl: emulator.urls.avaTar, wsUrl: emulator.urls.avaTarWs, apiKey: '' } });
const search = (filter?: string) => listSearch('n8n-nodes-talking-avatars.avaTar', 'searchSessions', { credentials: credentials(), filter });

beforeAll(async () => {
	emulator = await startEmulator();
	older = await newSession(emulator);
	// the API reports created_at to the second
	await new Promise((resolve) => setTimeout(resolve, 1100));
	newer = await newSession(emulator);
});
afterAll(async () => {
	await emulator.close();
	await cleanupHarness();
});

describe('AvaTar · Session ID picker', () => {
	it('From list: the active sessions, newest first, with status, start time and duration', async () => {
		const { results } = await search();
		expect(results.map((r) => r.value)).toEqual([newer, older]);
		expect(results[0].name).toMatch(new RegExp(`^\\w+ · \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC · \\d+ s · ${newer}$`));
		expect(emulator.requests({ service: 'avaTar', path: '/v1/streaming.sessions' }).length).toBeGreaterThan(0);
	});

	it('the search box filters by ID', async () => {
		expect((await search(older.slice(0, 8))).results.map((r) => r.value)).toEqual([older]);
		expect((await search('no-such-session')).results).toEqual([]);
	});

	it.each([
		['picked from the list', (id: string) => ({ __rl: true, mode: 'list', value: id, cachedResultName: 'created · …' })],
		['By ID', (id: string) => ({ __rl: true, mode: 'id', value: id })],
		['a plain string (saved before the picker)', (id: string) => id],
	])('Speak runs on the session %s', async (_how, value) => {
		const result = await runAvaTar(emulator, { resource: 'conversation', operation: 'speak', sessionId: value(older), text: 'Hello there' });
		expect(result.error).toBeUndefined();
		const [sent] = emulator.requests({ service: 'avaTar', path: '/v1/avatar.speak' }).slice(-1);
		expect(JSON.parse(sent.body)).toMatchObject({ session_id: older });
		expect(result.json(NODE)).toHaveLength(1);
	});

	it('an old saved expression string still resolves, and the picked session stops', async () => {
		const result = await runAvaTar(
			emulator,
			{ resource: 'session', operation: 'stop', sessionId: '={{ $json.sid }}' },
			{ items: [{ json: { sid: newer } }] },
		);
		expect(result.error).toBeUndefined();
		expect(result.json(NODE)).toMatchObject([{ status: 'stopped' }]);
		expect((await search()).results.map((r) => r.value)).not.toContain(newer);
	});
});
