/**
 * JobWatcher's scheduling with a scripted MultiTalk: which requests a round sends, and when
 * each waiting job settles, on a fake clock (test/helpers/fakeClock.ts): the moments are exact
 * whatever the machine's load. The real HTTP path is covered by the integration tests.
 */
import type { IDataObject, IExecuteFunctions, INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { JobWatcher } from '../../../nodes/MultiTalk/helpers/jobWatcher';
import type { ApiRequest } from '../../../nodes/shared/http';
import { advance, fakeElapsed, runToEnd, useFakeClock, useRealClock } from '../../helpers/fakeClock';

beforeEach(() => useFakeClock());
afterEach(() => useRealClock());

const node = { id: 'n', name: 'MultiTalk', type: 'x', typeVersion: 1, position: [0, 0], parameters: {} } as INode;
const ctx = { getNode: () => node } as unknown as IExecuteFunctions;

/** A scripted API: job statuses change over time, every request is recorded. */
function scripted(statusOf: (id: string, t: number) => string, known: (id: string) => boolean = () => true, listed: (id: string) => boolean = () => true) {
	const sent: string[] = [];
	const at: number[] = [];
	const send = async (request: ApiRequest) => {
		const t = fakeElapsed();
		at.push(t);
		sent.push(request.url === '/jobs' ? 'LIST' : `GET ${request.url.split('/').pop()}`);
		if (request.url === '/jobs') {
			return { statusCode: 200, attempts: 1, headers: {}, body: { jobs: ['a', 'b', 'c', 'd'].filter(listed).map((id) => ({ job_id: id, status: statusOf(id, t) })) } as IDataObject };
		}
		const id = decodeURIComponent(request.url.split('/').pop() as string);
		if (!known(id)) throw new NodeOperationError(node, `unknown ${id}`);
		return { statusCode: 200, attempts: 1, headers: {}, body: { job_id: id, status: statusOf(id, t), progress: 10 } as IDataObject };
	};
	return { sent, at, send };
}

it('one due job is fetched directly; several share one list request per round', async () => {
	const api = scripted((id, t) => (t > (id === 'a' ? 120 : 250) ? 'completed' : 'processing'));
	const watcher = new JobWatcher(ctx, new AbortController().signal, api.send);
	const [a, b] = await runToEnd(
		Promise.all([
			watcher.wait('a', { itemIndex: 0, timeoutMs: 5000, intervalMs: 50 }),
			watcher.wait('b', { itemIndex: 1, timeoutMs: 5000, intervalMs: 50 }),
		]),
	);
	expect(a.status).toBe('completed');
	expect(b.status).toBe('completed');
	// while both wait: one list per round (0, 50, 100 ms); at 150 ms the list shows a completed,
	// so a's end state is read once with GET; b, alone after that, is fetched directly every 50 ms
	// until it completes (after 250 ms)
	expect(api.sent).toEqual(['LIST', 'LIST', 'LIST', 'LIST', 'GET a', 'GET b', 'GET b', 'GET b']);
	expect(api.at).toEqual([0, 50, 100, 150, 150, 200, 250, 300]);
	expect(watcher.size).toBe(0);
});

it('a job missing from the list is fetched on its own', async () => {
	const api = scripted((_id, t) => (t > 100 ? 'completed' : 'pending'), () => true, (id) => id !== 'b');
	const watcher = new JobWatcher(ctx, new AbortController().signal, api.send);
	await runToEnd(
		Promise.all([
			watcher.wait('a', { itemIndex: 0, timeoutMs: 5000, intervalMs: 40 }),
			watcher.wait('b', { itemIndex: 1, timeoutMs: 5000, intervalMs: 40 }),
		]),
	);
	const rounds = api.sent.filter((s) => s === 'LIST').length;
	expect(rounds).toBe(4); // 0, 40, 80, 120 ms (both are completed after 100 ms)
	expect(api.sent.filter((s) => s === 'GET b').length).toBe(rounds);
	expect(api.sent.filter((s) => s === 'GET a').length).toBe(1);
});

it('each job keeps its own deadline; the message says where it stands', async () => {
	const api = scripted((id) => (id === 'a' ? 'processing' : 'completed'));
	const watcher = new JobWatcher(ctx, new AbortController().signal, api.send);
	await expect(runToEnd(watcher.wait('a', { itemIndex: 3, timeoutMs: 200, intervalMs: 1000 }))).rejects.toThrow('Timed out after 200 ms: job a is still processing (progress 10%)');
	// the last wait was shortened to the deadline: a check at once and one at the deadline
	expect(api.sent).toEqual(['GET a', 'GET a']);
	expect(api.at).toEqual([0, 200]);
	expect(fakeElapsed()).toBe(200);
});

it('a request failure fails only that job', async () => {
	const api = scripted(() => 'completed', (id) => id !== 'b');
	const watcher = new JobWatcher(ctx, new AbortController().signal, api.send);
	const results = await runToEnd(
		Promise.allSettled([
			watcher.wait('a', { itemIndex: 0, timeoutMs: 1000, intervalMs: 50 }),
			watcher.wait('b', { itemIndex: 1, timeoutMs: 1000, intervalMs: 50 }),
		]),
	);
	expect(results[0].status).toBe('fulfilled');
	expect(results[1]).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ message: 'unknown b' }) });
});

it('cancel stops every wait at once', async () => {
	const api = scripted(() => 'processing');
	const controller = new AbortController();
	const watcher = new JobWatcher(ctx, controller.signal, api.send);
	const waits = Promise.allSettled(['a', 'b', 'c'].map((id, i) => watcher.wait(id, { itemIndex: i, timeoutMs: 60_000, intervalMs: 10_000 })));
	await advance(50);
	expect(api.sent).toEqual(['LIST']);
	controller.abort();
	await advance(0); // the cancel needs no timer to fire
	const results = await waits;
	expect(fakeElapsed()).toBe(50);
	expect(api.sent).toEqual(['LIST']);
	for (const r of results) expect(r).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ message: 'The execution was cancelled' }) });
	await expect(watcher.wait('d', { itemIndex: 4, timeoutMs: 1000, intervalMs: 10 })).rejects.toThrow('The execution was cancelled');
});

it('a job joining while the others sleep is checked at once', async () => {
	const api = scripted((id) => (id === 'c' ? 'completed' : 'processing'));
	const controller = new AbortController();
	const watcher = new JobWatcher(ctx, controller.signal, api.send);
	const slow = watcher.wait('a', { itemIndex: 0, timeoutMs: 60_000, intervalMs: 10_000 });
	slow.catch(() => undefined);
	await advance(50);
	expect(api.sent).toEqual(['GET a']);
	let joinedDone = false;
	const joined = watcher.wait('c', { itemIndex: 1, timeoutMs: 60_000, intervalMs: 10_000 }).then(() => (joinedDone = true));
	await advance(0); // no timer: a is not due until 10 s, c is checked now
	expect(joinedDone).toBe(true);
	await joined;
	expect(fakeElapsed()).toBe(50);
	expect(api.sent).toEqual(['GET a', 'GET c']);
	controller.abort();
	await expect(slow).rejects.toThrow('cancelled');
});
