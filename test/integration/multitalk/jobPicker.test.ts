/**
 * MultiTalk's Job ID picker (resource locator): "From list" lists the emulator's jobs newest
 * first with their status; the picked job runs; By ID and By URL work; workflows saved when
 * Job ID was a text field (a plain string, or the default expression) still run.
 */
import type { Emulator } from '../../emulator/server';
import { listSearch } from '../../harness';
import { credentialsFor, runMultiTalk, startMultiTalkEmulator } from './helpers';

let emulator: Emulator;
const jobIds: string[] = [];

async function submit(prompt: string): Promise<string> {
	const response = await fetch(`${emulator.urls.multiTalk}/generate`, {
		method: 'POST',
		headers: { authorization: `Bearer ${emulator.keys.multiTalk}`, 'content-type': 'application/json' },
		body: JSON.stringify({ prompt, image_s3_url: 's3://my-bucket/images/person.png', audio_s3_urls: 's3://my-bucket/audio/1.wav' }),
	});
	expect(response.status).toBe(200);
	return String(((await response.json()) as { job_id: string }).job_id);
}

beforeAll(async () => {
	// Jobs stay pending long enough for the first to be the only one finished.
	emulator = await startMultiTalkEmulator({ multiTalkPendingMs: 20, multiTalkJobMs: 200 });
	jobIds.push(await submit('first'));
	await new Promise((resolve) => setTimeout(resolve, 600));
	jobIds.push(await submit('second #ms=60000'));
	await new Promise((resolve) => setTimeout(resolve, 20));
	jobIds.push(await submit('third #ms=60000'));
});
afterAll(async () => {
	await emulator.close();
});

describe('MultiTalk · Job ID picker', () => {
	it('From list: every job the service lists, newest first, status and time in the label', async () => {
		const { results } = await listSearch('n8n-nodes-talking-avatars.multiTalk', 'searchJobs', { credentials: credentialsFor(emulator) });
		expect(results.map((r) => r.value)).toEqual([...jobIds].reverse());
		expect(results[2].name).toMatch(new RegExp(`^completed · \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC · ${jobIds[0]}$`));
		expect(results[0].name).toMatch(/^(pending|processing) · /);
		const listed = emulator.requests({ service: 'multiTalk', path: '/api/v1/jobs' });
		expect(listed.at(-1)?.query).toEqual({ limit: '100' });
		expect(listed.at(-1)?.headers.authorization).toBe(`Bearer ${emulator.keys.multiTalk}`);
	});

	it('the search box filters by status or ID', async () => {
		const completed = await listSearch('n8n-nodes-talking-avatars.multiTalk', 'searchJobs', { credentials: credentialsFor(emulator), filter: 'Completed' });
		expect(completed.results.map((r) => r.value)).toEqual([jobIds[0]]);
		const byId = await listSearch('n8n-nodes-talking-avatars.multiTalk', 'searchJobs', { credentials: credentialsFor(emulator), filter: jobIds[1].slice(0, 8) });
		expect(byId.results.map((r) => r.value)).toEqual([jobIds[1]]);
	});

	it('a wrong API key fails the picker with MultiTalk’s own 401', async () => {
		await expect(listSearch('n8n-nodes-talking-avatars.multiTalk', 'searchJobs', { credentials: credentialsFor(emulator, 'wrong-key') })).rejects.toThrow(/401|[Uu]nauthori[sz]ed|API key/);
	});

	it.each([
		['picked from the list', (id: string) => ({ __rl: true, mode: 'list', value: id, cachedResultName: 'completed · …' })],
		['By ID', (id: string) => ({ __rl: true, mode: 'id', value: id })],
		['By URL', (id: string) => ({ __rl: true, mode: 'url', value: `${emulator.urls.multiTalk}/jobs/${id}` })],
		['a plain string (saved before the picker)', (id: string) => id],
	])('Get Job runs with the job %s', async (_how, value) => {
		const result = await runMultiTalk(emulator, { resource: 'job', operation: 'get', jobId: value(jobIds[0]) });
		expect(result.error).toBeUndefined();
		expect(result.json('MultiTalk')).toMatchObject([{ job_id: jobIds[0], status: 'completed' }]);
	});

	it('with Job ID left at its default, the incoming item’s job_id is used (as before)', async () => {
		const result = await runMultiTalk(emulator, { resource: 'job', operation: 'get' }, { items: [{ json: { job_id: jobIds[1] } }] });
		expect(result.error).toBeUndefined();
		expect(result.json('MultiTalk')).toMatchObject([{ job_id: jobIds[1] }]);
	});

	it('an old saved expression string still resolves', async () => {
		const result = await runMultiTalk(emulator, { resource: 'job', operation: 'get', jobId: '={{ $json.id }}' }, { items: [{ json: { id: jobIds[2] } }] });
		expect(result.error).toBeUndefined();
		expect(result.json('MultiTalk')).toMatchObject([{ job_id: jobIds[2] }]);
	});
});
