/**
 * What the reliability suite needs from a running `n8n start` beyond test/e2e/n8nRunner.ts:
 * an owner session for n8n's internal REST API (to press "Stop" on an execution, as the editor
 * does) and a readiness check for POST-only webhooks.
 *
 * The owner is created with `POST /rest/owner/setup`, which n8n leaves open until an owner
 * exists (a fresh home has none). It answers with the `n8n-auth` cookie, bound to the
 * `browser-id` header it was issued with; both go with every later call.
 */
import { randomUUID } from 'node:crypto';

export interface OwnerSession {
	baseUrl: string;
	headers: Record<string, string>;
}

export async function ownerSession(baseUrl: string): Promise<OwnerSession> {
	const browserId = randomUUID();
	const response = await fetch(`${baseUrl}/rest/owner/setup`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', 'browser-id': browserId },
		body: JSON.stringify({ email: 'owner@reliability.test', firstName: 'Reliability', lastName: 'Suite', password: 'Reliability-Suite-2041' }),
	});
	const text = await response.text();
	if (!response.ok) throw new Error(`owner setup answered ${response.status}: ${text.slice(0, 500)}`);
	const cookie = (response.headers.getSetCookie?.() ?? [response.headers.get('set-cookie') ?? ''])
		.map((c) => c.split(';')[0])
		.find((c) => c.startsWith('n8n-auth='));
	if (!cookie) throw new Error('owner setup set no n8n-auth cookie');
	return { baseUrl, headers: { cookie, 'browser-id': browserId } };
}

/** "Stop" on a running execution (POST /rest/executions/:id/stop). */
export async function stopExecution(session: OwnerSession, executionId: number | string): Promise<{ status: number; body: unknown }> {
	const response = await fetch(`${session.baseUrl}/rest/executions/${executionId}/stop`, {
		method: 'POST',
		headers: { ...session.headers, 'content-type': 'application/json' },
		body: '{}',
	});
	const text = await response.text();
	let body: unknown = text;
	try {
		body = JSON.parse(text);
	} catch {
		// keep the text
	}
	return { status: response.status, body };
}

/** Waits until a POST webhook answers a CORS preflight (n8n registers it once published and started). */
export async function waitForPostWebhook(url: string, timeoutMs = 60_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const response = await fetch(url, {
			method: 'OPTIONS',
			headers: { Origin: 'http://127.0.0.1', 'Access-Control-Request-Method': 'POST' },
		}).catch(() => undefined);
		await response?.arrayBuffer();
		if (response?.status === 204) return;
		if (Date.now() > deadline) throw new Error(`The webhook ${url} never went live (last status ${response?.status})`);
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}
