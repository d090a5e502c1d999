/**
 * Helpers for the MultiTalk integration tests: the emulator, one-node workflows run through the
 * harness, and assertions on errors and on the emulator's request log.
 */
import { once } from 'node:events';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { INodeExecutionData, INodeParameters } from 'n8n-workflow';

import type { RunOptions, RunResult, WorkflowJson } from '../../harness';
import { runWorkflow } from '../../harness';
import type { Emulator } from '../../emulator/server';
import { startEmulator } from '../../emulator/server';
import type { LoggedRequest } from '../../emulator/types';
import { singleNodeWorkflow } from '../../helpers/workflows';
export { expectApiError, expectInputError } from '../../helpers/assertions';

export { TRIGGER } from '../../helpers/workflows';
export const NODE = 'MultiTalk';

/** Fast emulator defaults for tests (jobs of 300 ms, webhooks retried after 20 ms). */
export async function startMultiTalkEmulator(settings: Record<string, unknown> = {}): Promise<Emulator> {
	return await startEmulator({
		settings: { multiTalkPendingMs: 20, multiTalkJobMs: 300, multiTalkWebhookBackoffMs: 20, ...settings },
	});
}

export function credentialsFor(emulator: Emulator, apiKey = emulator.keys.multiTalk) {
	return { multiTalkApi: { apiKey, baseUrl: emulator.urls.multiTalk } };
}

/** Manual Trigger -> MultiTalk with these parameters. */
export const multiTalkWorkflow = (parameters: INodeParameters, extras: { onError?: 'continueRegularOutput'; typeVersion?: number } = {}): WorkflowJson =>
	singleNodeWorkflow({ name: NODE, type: 'multiTalk', credential: ['multiTalkApi', 'cred-multitalk', 'MultiTalk account'] }, parameters, extras);

/** Runs one MultiTalk node over `items` (one empty item by default). */
export async function runMultiTalk(
	emulator: Emulator,
	parameters: INodeParameters,
	options: Partial<RunOptions> & { items?: INodeExecutionData[]; onError?: 'continueRegularOutput'; apiKey?: string; typeVersion?: number } = {},
): Promise<RunResult> {
	const { items, onError, apiKey, typeVersion, ...rest } = options;
	return await runWorkflow(multiTalkWorkflow(parameters, { onError, typeVersion }), {
		credentials: credentialsFor(emulator, apiKey),
		inputItems: items,
		...rest,
	});
}

export function items(count: number, make: (i: number) => Record<string, unknown> = (i) => ({ n: i })): INodeExecutionData[] {
	return Array.from({ length: count }, (_, i) => ({ json: make(i) as INodeExecutionData['json'] }));
}

/** A valid Submit Job parameter set. */
export function submitParams(extra: INodeParameters = {}): INodeParameters {
	return {
		resource: 'job',
		operation: 'submit',
		prompt: 'A person speaking naturally with clear lip sync',
		imageS3Url: 's3://my-bucket/images/person.png',
		audio: { urls: [{ url: 's3://my-bucket/audio/1.wav' }] },
		...extra,
	};
}

export function apiRequests(emulator: Emulator, method?: string, path?: string | RegExp): LoggedRequest[] {
	return emulator.requests({ service: 'multiTalk', method, path });
}



export interface Received {
	method: string;
	url: string;
	headers: IncomingHttpHeaders;
	body: string;
	at: number;
}

/** A plain HTTP receiver for webhooks; `status` decides each answer. */
export async function startReceiver(status: (call: Received, index: number) => number = () => 200) {
	const calls: Received[] = [];
	const server: Server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const call = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
			calls.push(call);
			const code = status(call, calls.length - 1);
			res.writeHead(code, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ ok: code < 300 }));
		});
	});
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return {
		url,
		calls,
		close: async () => {
			server.closeAllConnections();
			await new Promise((resolve) => server.close(resolve));
		},
	};
}

/**
 * Waits until `check()` holds. The timeout only turns a condition that never comes into a failure
 * instead of a hang: it is generous, so a busy machine never trips it.
 */
export async function waitFor(check: () => boolean, timeoutMs = 20_000, stepMs = 10): Promise<void> {
	const end = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > end) throw new Error('condition not met in time');
		await new Promise((resolve) => setTimeout(resolve, stepMs));
	}
}
