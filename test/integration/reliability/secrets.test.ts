/**
 * Secret hygiene. Every secret of every credential is a unique random sentinel (API keys, the
 * Firebase token, the LiveKit key and secret), and the emulator accepts exactly those. Then
 * every operation of every node runs, once normally and once failing (HTTP 500 on its own
 * request), every WebSocket session runs normally and refused (close 1008), downloads follow
 * presigned links and redirects to the object store's origin, and every credential is tested.
 *
 * Asserted, for every run:
 * - no sentinel (raw, base64, base64url or URL-encoded) in any output JSON, binary, error
 *   message, description or stored error, nor in anything logged: n8n's logger (LoggerProxy,
 *   and the backend logger at debug level), console, stdout and stderr are captured;
 * - from the request log: a sentinel only ever reaches its own credential's origin(s); the
 *   LiveKit secret reaches none (it only signs tokens inside n8n); the object store's origin
 *   (presigned links, redirect targets) never receives an Authorization header.
 * The sentinels do reach their own origins (so the test would see a leak if there were one).
 */
import { randomBytes } from 'node:crypto';

import { LoggerProxy } from 'n8n-workflow';
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { fixture } from '../../emulator/media';
import type { EmulatorKeys, LoggedRequest, ServiceName } from '../../emulator/types';
import { cleanupHarness, getRuntime, testCredential } from '../../harness';
import { requireFromCore } from '../../harness/runtime';
import { HTTP_FAULTS, MATRIX_ROWS, WS_ROWS, providerErrorBody, rowName } from '../../reliability-helpers/faultMatrix';
import type { NodeKey } from '../../reliability-helpers/nodes';
import { NODE_LABEL, credentialsFor, fastEmulator } from '../../reliability-helpers/nodes';
import type { CaseOutcome, CaseSpec } from '../../reliability-helpers/runCase';
import { pool, runCase } from '../../reliability-helpers/runCase';

jest.setTimeout(5 * 60_000);

// n8n's backend logger at its most talkative: whatever it would print is captured below.
// (Put back afterwards: later test files in this worker process read the same environment.)
const previousLogLevel = process.env.N8N_LOG_LEVEL;
process.env.N8N_LOG_LEVEL = 'debug';

const sentinel = (name: string) => `sentinel${name}${randomBytes(12).toString('hex')}`;

/** Each secret, the emulator key it is, and the services (origins) it may be sent to. */
const SECRETS: Array<{ name: string; value: string; key: keyof EmulatorKeys; origins: ServiceName[] }> = [
	{ name: 'AvatarTalk API key', value: sentinel('AvatarTalk'), key: 'avatarTalk', origins: ['avatarTalk'] },
	{ name: 'MultiTalk API key', value: sentinel('MultiTalk'), key: 'multiTalk', origins: ['multiTalk'] },
	{ name: 'LiveTalking Firebase token', value: sentinel('Firebase'), key: 'liveTalking', origins: ['liveTalking'] },
	{ name: 'MuseTalk API key', value: sentinel('MuseTalk'), key: 'museTalk', origins: ['museTalk'] },
	// The AvaTar credential has two URLs: the REST API and the realtime WebSocket.
	{ name: 'AvaTar API key', value: sentinel('AvaTar'), key: 'avaTar', origins: ['avaTar', 'avaTarWs'] },
	// The key is the public half (it names the signing key inside the tokens); it is never sent as such.
	{ name: 'LiveKit API key', value: sentinel('LiveKitKey'), key: 'liveKitKey', origins: [] },
	{ name: 'LiveKit API secret', value: sentinel('LiveKitSecret'), key: 'liveKitSecret', origins: [] },
];
const KEYS = Object.fromEntries(SECRETS.map((s) => [s.key, s.value])) as unknown as EmulatorKeys;

/** Every way a secret could be written down. */
function forms(value: string): string[] {
	const buffer = Buffer.from(value);
	return [value, buffer.toString('base64'), buffer.toString('base64url'), encodeURIComponent(value), buffer.toString('hex')];
}

function leaksIn(text: string): string[] {
	return SECRETS.filter((s) => forms(s.value).some((form) => text.includes(form))).map((s) => s.name);
}

function leaksInBytes(data: Buffer): string[] {
	return SECRETS.filter((s) => forms(s.value).some((form) => data.includes(form))).map((s) => s.name);
}

// ---- what gets logged ----------------------------------------------------------------------
const logged: string[] = [];
let loggerProxyCaptured = false;
const restore: Array<() => void> = [];

function capture() {
	const record = (...args: unknown[]) => {
		logged.push(args.map((a) => (typeof a === 'string' ? a : safeJson(a))).join(' '));
	};
	LoggerProxy.init({ error: record, warn: record, info: record, debug: record });
	loggerProxyCaptured = true;
	for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
		const spy = jest.spyOn(console, method).mockImplementation(record);
		restore.push(() => spy.mockRestore());
	}
	for (const stream of [process.stdout, process.stderr]) {
		const original = stream.write.bind(stream);
		stream.write = ((chunk: unknown, ...rest: unknown[]) => {
			logged.push(Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
			return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
		}) as typeof stream.write;
		restore.push(() => (stream.write = original));
	}
}

function safeJson(value: unknown): string {
	try {
		return JSON.stringify(value, (_key, v: unknown) => (v instanceof Error ? { ...v, message: v.message, stack: v.stack } : v));
	} catch {
		return String(value);
	}
}

// ---- the runs ------------------------------------------------------------------------------
interface Run {
	name: string;
	node: NodeKey;
	spec: CaseSpec;
}

const runs: Run[] = [];
for (const row of MATRIX_ROWS) {
	const base: CaseSpec = { node: row.node, params: { ...row.params, requestSettings: { maxAttempts: 1 } }, items: row.items, keys: KEYS };
	runs.push({ name: `${rowName(row)} · normal`, node: row.node, spec: base });
	runs.push({
		name: `${rowName(row)} · HTTP 500`,
		node: row.node,
		spec: {
			...base,
			faults: () => [{ ...row.route, fault: { kind: 'status', status: 500, body: providerErrorBody(row.route.service, 500).body }, times: 1 }],
		},
	});
	const hang = HTTP_FAULTS.find((f) => f.key === 'hang');
	if (hang && !row.idempotent) {
		runs.push({
			name: `${rowName(row)} · timeout`,
			node: row.node,
			spec: { ...base, params: { ...base.params, requestSettings: { maxAttempts: 1, timeoutSeconds: 1 } }, faults: () => [{ ...row.route, fault: { kind: 'hang' }, times: 1 }] },
		});
	}
}
for (const row of WS_ROWS) {
	const base: CaseSpec = { node: row.node, params: row.params, items: row.items ? async (emulator) => await row.items!(emulator) : undefined, keys: KEYS };
	runs.push({ name: `${row.operation} · normal`, node: row.node, spec: base });
	runs.push({
		name: `${row.operation} · close 1008`,
		node: row.node,
		spec: { ...base, faults: () => [{ service: row.service, path: row.path, fault: { kind: 'wsClose', code: 1008, reason: 'Invalid API key' }, times: 1 }] },
	});
}

/** A presigned link on the object store's origin to a real MP4, as a redirect target. */
const redirectToStore = (emulator: Parameters<NonNullable<CaseSpec['faults']>>[1], key: string) => {
	emulator.store.put(key, fixture('sample.mp4'), 'video/mp4');
	return { kind: 'status' as const, status: 302, body: {}, headers: { location: emulator.store.presign(key) } };
};
const museRow = MATRIX_ROWS.find((r) => r.node === 'museTalk' && r.params.operation === 'downloadFile')!;
const getVideoRow = MATRIX_ROWS.find((r) => r.node === 'avatarTalk' && r.params.operation === 'getVideo')!;
const generateRow = MATRIX_ROWS.find((r) => r.node === 'avatarTalk' && r.params.operation === 'generateInference' && r.route.method === 'GET')!;
const museGenerateRow = MATRIX_ROWS.find((r) => r.node === 'museTalk' && r.params.operation === 'generate' && r.route.method === 'GET')!;
runs.push(
	{
		name: 'MuseTalk Download File · redirected to the object store',
		node: 'museTalk',
		spec: { node: 'museTalk', params: museRow.params, items: museRow.items, keys: KEYS, faults: (_items, emulator) => [{ ...museRow.route, fault: redirectToStore(emulator, 'redirect/musetalk.mp4'), times: 1 }] },
	},
	{
		name: 'AvatarTalk Get Video · redirected to the object store',
		node: 'avatarTalk',
		spec: { node: 'avatarTalk', params: getVideoRow.params, items: getVideoRow.items, keys: KEYS, faults: (_items, emulator) => [{ ...getVideoRow.route, fault: redirectToStore(emulator, 'redirect/avatartalk.mp4'), times: 1 }] },
	},
	{
		name: 'AvatarTalk Generate Inference · mp4_url on the object store',
		node: 'avatarTalk',
		spec: { node: 'avatarTalk', params: generateRow.params, keys: KEYS, settings: { avatarTalkVideoOrigin: 's3' } },
	},
	{
		name: 'MuseTalk Generate · absolute video_url on the object store',
		node: 'museTalk',
		spec: { node: 'museTalk', params: museGenerateRow.params, items: museGenerateRow.items, keys: KEYS, settings: { museTalkAbsoluteUrls: true } },
	},
);

const outcomes: Array<{ run: Run; outcome?: CaseOutcome; failure?: unknown }> = [];
const credentialTests: Array<{ type: string; good: { status: string; message: string }; bad: { status: string; message: string } }> = [];

beforeAll(async () => {
	// n8n's backend logger: everything it writes (its own calls and LoggerProxy's) passes through
	// its winston logger's write(), child loggers included.
	const runtime = await getRuntime();
	const { Logger } = requireFromCore<{ Logger: abstract new (...args: never[]) => unknown }>('@n8n/backend-common');
	const logger = runtime.container.get(Logger) as { level: string; internalLogger: { write: (info: unknown) => unknown } };
	expect(logger.level).toBe('debug');
	const write = logger.internalLogger.write.bind(logger.internalLogger);
	logger.internalLogger.write = (info: unknown) => {
		logged.push(safeJson(info));
		return write(info);
	};
	restore.push(() => (logger.internalLogger.write = write));
	capture();
	const settled = await pool(runs.map((run) => async () => await runCase(run.spec)), 8);
	runs.forEach((run, i) => {
		const s = settled[i];
		outcomes.push(s.status === 'fulfilled' ? { run, outcome: s.value } : { run, failure: s.reason });
	});
	// The credential "Test" buttons, with the right secret and with another one.
	const emulator = await fastEmulator({ keys: KEYS });
	try {
		for (const [type, data] of Object.entries(credentialsFor(emulator))) {
			const good = await testCredential(type, data);
			const wrong: ICredentialDataDecryptedObject = { ...data };
			for (const field of ['apiKey', 'firebaseToken', 'apiSecret']) if (field in wrong) wrong[field] = `${String(wrong[field])}x`;
			const bad = await testCredential(type, wrong);
			credentialTests.push({ type, good, bad });
		}
	} finally {
		await emulator.close();
	}
});

afterAll(async () => {
	for (const undo of restore.splice(0)) undo();
	await cleanupHarness();
	if (previousLogLevel === undefined) delete process.env.N8N_LOG_LEVEL;
	else process.env.N8N_LOG_LEVEL = previousLogLevel;
});

it('ran every operation of every node, normally and failing, plus sessions, redirects and credential tests', () => {
	expect(outcomes.filter((o) => o.failure)).toEqual([]);
	const nodes = new Set(outcomes.map((o) => o.run.node));
	expect([...nodes].sort()).toEqual(Object.keys(NODE_LABEL).sort());
	// Both outcomes were really exercised.
	expect(outcomes.filter((o) => o.outcome?.status === 'success').length).toBeGreaterThan(40);
	expect(outcomes.filter((o) => o.outcome?.status === 'error').length).toBeGreaterThan(40);
	expect(credentialTests.map((t) => [t.type, t.good.status, t.bad.status])).toEqual(
		credentialTests.map((t) => [t.type, 'OK', 'Error']),
	);
});

it('no secret in any output JSON, binary, error message, description or stored error', () => {
	const found: string[] = [];
	for (const { run, outcome } of outcomes) {
		if (!outcome) continue;
		for (const item of outcome.items) {
			for (const leak of leaksIn(JSON.stringify(item.json))) found.push(`${run.name}: ${leak} in output JSON`);
			for (const [name, binary] of Object.entries(item.binaries)) {
				for (const leak of leaksInBytes(binary.bytes)) found.push(`${run.name}: ${leak} in binary ${name}`);
				for (const leak of leaksIn(`${binary.fileName} ${binary.mimeType}`)) found.push(`${run.name}: ${leak} in binary ${name} metadata`);
			}
		}
		if (outcome.error) {
			const { message, description, stored, error } = outcome.error;
			const text = [message, description ?? '', safeJson(stored), safeJson(error), (error as Error)?.stack ?? ''].join('\n');
			for (const leak of leaksIn(text)) found.push(`${run.name}: ${leak} in the error`);
		}
	}
	for (const t of credentialTests) for (const leak of leaksIn(`${t.good.message} ${t.bad.message}`)) found.push(`credential test ${t.type}: ${leak}`);
	expect(found).toEqual([]);
});

it('no secret in anything logged (n8n logger, console, stdout, stderr)', () => {
	// the capture works: n8n's engine logs every node run at debug level
	expect(loggerProxyCaptured).toBe(true);
	expect(logged.some((line) => line.includes('Running node'))).toBe(true);
	const found = logged.flatMap((line) => leaksIn(line).map((leak) => `${leak}: ${line.slice(0, 200)}`));
	expect(found).toEqual([]);
});

it('each secret reaches only its own credential origin; the LiveKit secret reaches none', () => {
	const requests: LoggedRequest[] = outcomes.flatMap((o) => o.outcome?.allRequests ?? []);
	const wrong: string[] = [];
	const reached = new Map<string, number>();
	for (const request of requests) {
		const text = safeJson({ path: request.path, query: request.query, headers: request.headers, body: request.body });
		for (const secret of SECRETS) {
			if (!forms(secret.value).some((form) => text.includes(form))) continue;
			reached.set(secret.name, (reached.get(secret.name) ?? 0) + 1);
			if (!secret.origins.includes(request.service)) wrong.push(`${secret.name} sent to ${request.service}: ${request.method} ${request.path}`);
		}
	}
	expect(wrong).toEqual([]);
	// Each API key / token was in use (in the Authorization header of its own service).
	for (const secret of SECRETS.filter((s) => s.origins.length)) expect([secret.name, reached.get(secret.name) ?? 0]).not.toEqual([secret.name, 0]);
});

it('the object store (presigned links, redirect targets) never receives credentials', () => {
	const store = outcomes.flatMap((o) => o.outcome?.allRequests ?? []).filter((r) => r.service === 's3');
	// downloads of LiveTalking recordings, MultiTalk videos, MuseTalk and AvatarTalk videos, redirects
	expect(store.length).toBeGreaterThan(5);
	expect(store.filter((r) => r.headers.authorization !== undefined || r.headers.cookie !== undefined)).toEqual([]);
	const redirected = outcomes.filter((o) => /redirected to the object store/.test(o.run.name));
	for (const { run, outcome } of redirected) {
		expect([run.name, outcome?.status]).toEqual([run.name, 'success']);
		expect(outcome?.allRequests.some((r) => r.service === 's3' && r.path.startsWith('/redirect/'))).toBe(true);
	}
});
