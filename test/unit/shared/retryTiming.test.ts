/**
 * apiRequest's waits between attempts (backoff, Retry-After, deadline, cancel) on a fake clock
 * (test/helpers/fakeClock.ts), with a scripted host in place of n8n's request helper: when each
 * attempt goes out is exact, whatever the machine's load. The same paths over real HTTP are in
 * test/integration/shared/transport.test.ts.
 */
import type { IExecuteFunctions, IHttpRequestOptions, INode } from 'n8n-workflow';

import { apiRequest } from '../../../nodes/shared/http';
import type { ApiRequest } from '../../../nodes/shared/http';
import type { Provider } from '../../../nodes/shared/provider';
import { CLOCK_START, advance, fakeElapsed, runToEnd, useFakeClock, useRealClock } from '../../helpers/fakeClock';

const node = { id: '1', name: 'Caller', type: 't', typeVersion: 1, position: [0, 0], parameters: {} } as INode;
const provider: Provider = {
	name: 'Svc',
	credentialType: 'svcApi',
	baseUrl: () => 'https://api.example.test',
	parseError: (body) => {
		const message = (body as { message?: unknown } | undefined)?.message;
		return typeof message === 'string' ? { message } : undefined;
	},
};

type Answer = { status: number; headers?: Record<string, string>; body?: unknown } | { error: { code: string; message: string } };

/** A host whose request helper answers from a script and records when each attempt went out. */
function scriptedHost(answers: Answer[], signal?: AbortSignal) {
	const at: number[] = [];
	const send = async (options: IHttpRequestOptions) => {
		at.push(fakeElapsed());
		const answer = answers.shift() ?? { status: 200, body: { ok: true } };
		if ('error' in answer) throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
		void options;
		return { statusCode: answer.status, headers: answer.headers ?? {}, body: JSON.stringify(answer.body ?? {}) };
	};
	const ctx = {
		getNode: () => node,
		getCredentials: async () => ({}),
		getExecutionCancelSignal: () => signal,
		helpers: {
			httpRequest: send,
			httpRequestWithAuthentication: async (_type: string, options: IHttpRequestOptions) => await send(options),
		},
	} as unknown as IExecuteFunctions;
	return { ctx, at };
}

const get = (extra: Partial<ApiRequest> = {}): ApiRequest => ({ method: 'GET', url: '/things', ...extra });

beforeEach(() => {
	useFakeClock();
	jest.spyOn(Math, 'random').mockReturnValue(1); // backoff at its ceiling: 500, 1000, 2000 ms
});
afterEach(() => {
	jest.restoreAllMocks();
	useRealClock();
});

it('backs off exponentially between attempts of an idempotent request', async () => {
	const host = scriptedHost([{ status: 502 }, { status: 500 }, { error: { code: 'ECONNRESET', message: 'socket hang up' } }]);
	const response = await runToEnd(apiRequest(host.ctx, provider, get()));
	expect(response.attempts).toBe(4);
	expect(host.at).toEqual([0, 500, 1500, 3500]);
});

it('waits exactly what Retry-After asks (seconds, or an HTTP date), not its own backoff', async () => {
	const date = new Date(CLOCK_START + 7000 + 3000).toUTCString(); // 3 s after the second attempt
	const host = scriptedHost([
		{ status: 429, headers: { 'retry-after': '7' } },
		{ status: 503, headers: { 'retry-after': date } },
	]);
	const response = await runToEnd(apiRequest(host.ctx, provider, get({ method: 'POST', idempotent: false })));
	expect(response.statusCode).toBe(200);
	expect(host.at).toEqual([0, 7000, 10_000]);
});

it('refuses a Retry-After longer than the allowed wait, without waiting', async () => {
	const host = scriptedHost([{ status: 429, headers: { 'retry-after': '300' }, body: { message: 'slow down' } }]);
	const error = await runToEnd(apiRequest(host.ctx, provider, get({ limits: { maxRetryAfterMs: 120_000 } })).catch((e: unknown) => e));
	expect((error as Error).message).toMatch(/slow down.*asked to wait 300 s, longer than the 120 s allowed by "Max Retry-After Wait"/);
	expect(host.at).toEqual([0]);
	expect(fakeElapsed()).toBe(0);
});

it('does not sleep past the caller\'s deadline: it fails at once with the last answer', async () => {
	const host = scriptedHost([{ status: 503, headers: { 'retry-after': '5' }, body: { message: 'busy' } }]);
	const error = await runToEnd(apiRequest(host.ctx, provider, get({ deadline: CLOCK_START + 4000 })).catch((e: unknown) => e));
	expect((error as Error).message).toMatch(/busy/);
	expect(host.at).toEqual([0]);
	expect(fakeElapsed()).toBe(0);
});

it('a cancel during a Retry-After wait stops at once and sends nothing more', async () => {
	const controller = new AbortController();
	const host = scriptedHost([{ status: 429, headers: { 'retry-after': '60' } }], controller.signal);
	let outcome: unknown;
	const request = apiRequest(host.ctx, provider, get()).catch((e: unknown) => (outcome = e));
	await advance(2000);
	expect(host.at).toEqual([0]);
	expect(outcome).toBeUndefined();
	controller.abort();
	await advance(0);
	await request;
	expect((outcome as Error).message).toBe('The execution was cancelled');
	expect(fakeElapsed()).toBe(2000);
	await advance(120_000);
	expect(host.at).toEqual([0]);
});

it('stops after Max Attempts, having waited only between attempts', async () => {
	const host = scriptedHost([{ status: 503 }, { status: 503 }, { status: 503, body: { message: 'still down' } }]);
	const error = await runToEnd(apiRequest(host.ctx, provider, get({ limits: { maxAttempts: 3 } })).catch((e: unknown) => e));
	expect((error as Error).message).toMatch(/still down/);
	expect(host.at).toEqual([0, 500, 1500]);
	expect(fakeElapsed()).toBe(1500);
});
