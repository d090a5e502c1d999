/**
 * `npm run dev` (scripts/dev.ts) headless: n8n's editor answers, the login works, the six
 * emulator credentials (fixed ids) and every example are there, the trigger example is
 * published, the examples point at the emulator actually running; a restart on the same home
 * keeps the login and does not duplicate anything; stop() leaves no process or port behind.
 * Ports are free ones here (the real command uses 5678 and 18600-18608).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { DevInstance } from '../../scripts/dev';
import { DEV_LOGIN, startDev } from '../../scripts/dev';
import { loadExamples } from './exampleRunner';
import { freePort } from './n8nRunner';

// The first run on a machine provisions n8n (~8 min, synchronously) inside beforeAll.
jest.setTimeout(20 * 60_000);

const examples = loadExamples();
let homeDir: string;
let dev: DevInstance | undefined;

beforeAll(() => {
	homeDir = mkdtempSync(path.join(tmpdir(), 'ta-dev-home-'));
});

afterAll(async () => {
	await dev?.stop();
	rmSync(homeDir, { recursive: true, force: true });
});

async function logIn(base: string): Promise<(url: string) => Promise<unknown>> {
	const headers = { 'content-type': 'application/json', 'browser-id': 'dev-test' };
	const response = await fetch(`${base}/rest/login`, {
		method: 'POST',
		headers,
		body: JSON.stringify({ emailOrLdapLoginId: DEV_LOGIN.email, password: DEV_LOGIN.password }),
	});
	expect(response.status).toBe(200);
	const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0];
	return async (url: string) => {
		const answer = await fetch(`${base}${url}`, { headers: { ...headers, cookie } });
		expect({ url, status: answer.status }).toEqual({ url, status: 200 });
		return ((await answer.json()) as { data: unknown }).data;
	};
}

async function portIsClosed(port: number): Promise<boolean> {
	try {
		await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
		return false;
	} catch {
		return true;
	}
}

it('starts the editor with the package, the emulator credentials and every example', async () => {
	const port = await freePort();
	dev = await startDev({ port, emulatorPortBase: 0, homeDir });
	expect(dev.editorUrl).toBe(`http://localhost:${port}`);
	expect(dev.createdLogin).toBe(true);
	const base = `http://127.0.0.1:${port}`;
	expect((await fetch(`${base}/healthz`)).status).toBe(200);

	const get = await logIn(base);
	const credentials = (await get('/rest/credentials')) as Array<{ id: string; name: string; type: string }>;
	expect(credentials.map(({ id, name, type }) => ({ id, name, type })).sort((a, b) => a.id.localeCompare(b.id))).toEqual([
		{ id: 'cred-avatar', name: 'AvaTar account', type: 'avaTarApi' },
		{ id: 'cred-avatartalk', name: 'AvatarTalk account', type: 'avatarTalkApi' },
		{ id: 'cred-livekit', name: 'LiveKit account', type: 'liveKitApi' },
		{ id: 'cred-livetalking', name: 'LiveTalking account', type: 'liveTalkingApi' },
		{ id: 'cred-multitalk', name: 'MultiTalk account', type: 'multiTalkApi' },
		{ id: 'cred-musetalk', name: 'MuseTalk account', type: 'museTalkApi' },
		{ id: 'cred-openai', name: 'OpenAI account (emulator)', type: 'openAiApi' },
	]);

	const workflows = (await get('/rest/workflows')) as Array<{ id: string; name: string; activeVersionId: string | null }>;
	expect(workflows.map((w) => w.id).sort()).toEqual(examples.map((e) => e.workflow.id).sort());
	for (const example of examples) {
		const stored = workflows.find((w) => w.id === example.workflow.id);
		expect({ id: example.workflow.id, published: stored?.activeVersionId !== null }).toEqual({
			id: example.workflow.id,
			published: example.kind === 'trigger',
		});
	}

	// the package's node types, as a user's install names them
	const lightning = (await get('/rest/workflows/ex-avatartalk-lightning')) as { nodes: Array<{ type: string; parameters: Record<string, unknown> }> };
	expect(lightning.nodes.some((n) => n.type === 'n8n-nodes-talking-avatars.avatarTalk')).toBe(true);
	// the emulator-only pay step points at the emulator running now (here not on 18600)
	const pay = lightning.nodes.find((n) => n.type === 'n8n-nodes-base.httpRequest');
	expect(pay?.parameters.url).toBe(`${dev.emulator.url('avatarTalk')}/__emulator/lightning/pay`);
	// its pay-per-video steps use no credential: their Server URL points at that emulator too
	const payPerVideo = lightning.nodes.filter((n) => n.type === 'n8n-nodes-talking-avatars.avatarTalk');
	const avatarTalkUrl = dev.emulator.url('avatarTalk');
	expect(payPerVideo.map((n) => n.parameters.options)).toEqual(payPerVideo.map(() => ({ serverUrl: avatarTalkUrl })));

	// the emulator answers, with the keys the credentials hold
	const health = await fetch(`${dev.emulator.urls.multiTalk}/health`, { headers: { authorization: `Bearer ${dev.emulator.keys.multiTalk}` } });
	expect(health.status).toBe(200);
	// and so does its chat model, for the AI Agent examples (the model list the editor loads)
	const models = await fetch(`${dev.emulator.urls.openAi}/models`, { headers: { authorization: `Bearer ${dev.emulator.keys.openAi}` } });
	expect(models.status).toBe(200);
});

it('restarts on the same home without duplicates, keeping the login; stop() leaves nothing running', async () => {
	await dev!.stop();
	const port = await freePort();
	dev = await startDev({ port, emulatorPortBase: 0, homeDir });
	expect(dev.createdLogin).toBe(false);
	const get = await logIn(`http://127.0.0.1:${port}`);
	expect(((await get('/rest/credentials')) as unknown[]).length).toBe(7);
	expect(((await get('/rest/workflows')) as unknown[]).length).toBe(examples.length);

	const { pid } = dev.n8n;
	const emulatorPort = Number(new URL(dev.emulator.url('avatarTalk')).port);
	await dev.stop();
	dev = undefined;
	expect(() => process.kill(-pid, 0)).toThrow();
	expect(await portIsClosed(port)).toBe(true);
	expect(await portIsClosed(emulatorPort)).toBe(true);
});
