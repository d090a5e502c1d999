/**
 * Every workflow in examples/ in a real n8n (the built package installed as a community
 * package), against the emulator on loopback: one n8n home for the whole suite, the six
 * credentials imported with the ids the examples reference, each example run as a user would
 * (see exampleRunner.ts: `n8n execute`; Wait node resumed by a running `n8n start`; trigger
 * published and set off by its service), then checked against examples-config.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { fixture } from '../emulator/media';
import type { Example, ExampleRun } from './exampleRunner';
import { ExamplesSession, READ_WRITE_FILE, loadExamples, mediaKindOf, mediaProblem, runOrder } from './exampleRunner';
import type { ExampleExpectation } from './examples-config';
import { EXPECTATIONS } from './examples-config';
import { readBinary } from './n8nRunner';
import { notApplicable } from '../matrix/matrix';

// jest ignores per-project timeouts: set it here (start-up ~20 s, each run ~4-15 s)
// The first run on a machine provisions n8n (~8 min, synchronously) inside beforeAll.
jest.setTimeout(20 * 60_000);

const examples = runOrder(loadExamples());
const MIME_BY_EXTENSION: Record<string, string> = { '.mp4': 'video/mp4', '.mp3': 'audio/mpeg', '.wav': 'audio/wav' };
/** Services whose credential sends a Bearer key (the others have none in the emulator set-up). */
const BEARER_SERVICES = ['avatarTalk', 'multiTalk', 'liveTalking', 'openAi'] as const;
const AVATARTALK_PUBLIC = /^\/lightning\/(request-video\/(text|audio)|generate-video|payment\/[^/]+)$/;

/** Where ffmpeg is installed, every written file is also decoded whole, as a player would. */
const FFMPEG = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;

function decodeErrors(file: string): string {
	const result = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-'], { encoding: 'utf8', timeout: 60_000 });
	return result.status === 0 ? result.stderr.trim() : `ffmpeg exited with ${result.status}: ${result.stderr.trim()}`;
}

let session: ExamplesSession;
let outputRoot: string;

beforeAll(async () => {
	outputRoot = mkdtempSync(path.join(tmpdir(), 'ta-examples-'));
	session = await ExamplesSession.open({ examples, outputRoot });
});

afterAll(async () => {
	await session?.close();
	if (outputRoot) rmSync(outputRoot, { recursive: true, force: true });
});

beforeEach(() => session?.emulator.clearLog());

it('finds the example workflows, each with expectations, conventions followed', () => {
	expect(examples.length).toBeGreaterThanOrEqual(11);
	expect(examples.map((example) => example.slug).sort()).toEqual(Object.keys(EXPECTATIONS).sort());
	const ids = new Set<string>();
	for (const { slug, workflow, kind } of examples) {
		expect({ slug, id: ids.has(workflow.id) ? 'duplicate' : workflow.id }).toEqual({ slug, id: expect.stringMatching(/^ex-/) });
		ids.add(workflow.id);
		expect({ slug, notes: workflow.nodes.some((node) => node.type === 'n8n-nodes-base.stickyNote') }).toEqual({ slug, notes: true });
		if (kind !== 'trigger') expect({ slug, first: workflow.nodes[0].type }).toEqual({ slug, first: 'n8n-nodes-base.manualTrigger' });
		for (const node of workflow.nodes.filter((n) => n.type === READ_WRITE_FILE)) {
			expect({ slug, fileName: node.parameters.fileName }).toEqual({ slug, fileName: expect.stringMatching(/^=?demo-output\//) });
		}
	}
});

function expectRequestsInOrder(slug: string, wanted: ExampleExpectation['requests']) {
	const log = session.emulator.requests();
	let from = 0;
	for (const [service, method, pattern] of wanted) {
		const index = log.findIndex((r, i) => i >= from && r.service === service && r.method === method && pattern.test(r.path));
		if (index === -1) {
			throw new Error(
				`${slug}: no ${service} ${method} ${pattern} (in order) among:\n` + log.map((r) => `  ${r.service} ${r.method} ${r.path}`).join('\n'),
			);
		}
		from = index + 1;
	}
}

function expectKeysOnlyToTheirService(slug: string) {
	const { keys } = session.emulator;
	for (const request of session.emulator.requests()) {
		const sent = { slug, service: request.service, path: request.path, authorization: request.headers.authorization };
		const service = request.service as (typeof BEARER_SERVICES)[number];
		// AvatarTalk's pay-per-video endpoints are documented without authorization: no key at all.
		if (service === 'avatarTalk' && AVATARTALK_PUBLIC.test(request.path)) expect(sent).toEqual({ ...sent, authorization: undefined });
		else if (BEARER_SERVICES.includes(service)) expect(sent).toEqual({ ...sent, authorization: `Bearer ${keys[service]}` });
		if (request.service === 's3') expect(sent).toEqual({ ...sent, authorization: undefined });
	}
}

async function expectNode(run: ExampleRun, nodeName: string, wanted: ExampleExpectation['nodes'][string]) {
	const items = run.items(nodeName);
	expect({ node: nodeName, items: items.length }).toEqual({ node: nodeName, items: wanted.items });
	for (const item of items) {
		if (wanted.json) expect(item.json).toMatchObject(wanted.json);
		for (const [property, binary] of Object.entries(wanted.binary ?? {})) {
			const meta = item.binary?.[property];
			expect({ node: nodeName, property, mimeType: meta?.mimeType, fileExtension: meta?.fileExtension }).toEqual({
				node: nodeName,
				property,
				mimeType: binary.mimeType,
				fileExtension: binary.fileExtension,
			});
			expect(meta?.fileName).toMatch(new RegExp(`\\.${binary.fileExtension}$`));
			const bytes = await readBinary(session.home, meta!);
			if (binary.sameAs) expect(bytes.equals(fixture(binary.sameAs))).toBe(true);
			expect(bytes.length).toBeGreaterThanOrEqual(binary.minBytes ?? 1);
			expect({ node: nodeName, property, problem: mediaProblem(bytes, binary.media) }).toEqual({ node: nodeName, property, problem: undefined });
		}
	}
}

async function expectWrittenFiles(run: ExampleRun, wanted: ExampleExpectation['files']) {
	const { slug } = run.example;
	expect({ slug, files: run.files.map((file) => file.fileName).sort() }).toEqual({ slug, files: Object.keys(wanted).sort() });
	for (const file of run.files) {
		expect(file.absolutePath.startsWith(path.join(outputRoot, 'demo-output') + path.sep)).toBe(true);
		expect({ file: file.fileName, exists: existsSync(file.absolutePath) }).toEqual({ file: file.fileName, exists: true });
		const bytes = readFileSync(file.absolutePath);
		const extension = path.extname(file.fileName).toLowerCase();
		// the binary the Write node was given: its MIME type fits the file, its bytes are the file's
		expect({ file: file.fileName, mimeType: file.binary?.mimeType }).toEqual({ file: file.fileName, mimeType: MIME_BY_EXTENSION[extension] });
		expect((await readBinary(session.home, file.binary!)).equals(bytes)).toBe(true);
		const kind = wanted[file.fileName];
		expect({ file: file.fileName, kind: mediaKindOf(file.fileName, bytes) }).toEqual({ file: file.fileName, kind });
		expect({ file: file.fileName, problem: mediaProblem(bytes, kind) }).toEqual({ file: file.fileName, problem: undefined });
		if (FFMPEG) expect({ file: file.fileName, decodeErrors: decodeErrors(file.absolutePath) }).toEqual({ file: file.fileName, decodeErrors: '' });
	}
}

describe.each(examples.map((example) => [`${example.slug} (${example.kind})`, example] as [string, Example]))('%s', (_title, example) => {
	it('runs in real n8n and produces what it promises', async () => {
		const run = await session.run(example);
		const { slug } = example;
		if (run.notes.length) console.warn(`${slug}: recovered on the way:\n${run.notes.join('\n')}`);
		// On a matrix entry where the README documents it as unsupported (test/matrix/matrix.ts):
		// it must fail with the documented message, before opening any WebSocket.
		const { nodeVersion, n8nVersion } = session.home.install;
		const unsupported = notApplicable(example.workflow, Number(nodeVersion.split('.')[0]), n8nVersion);
		if (unsupported) {
			expect({ slug, status: run.status, error: run.error }).toEqual({ slug, status: 'error', error: expect.stringContaining(unsupported.message) });
			expect(session.emulator.requests().filter((request) => request.websocket || request.service === 'openAi')).toEqual([]);
			return;
		}
		expect({ slug, status: run.status, error: run.error }).toEqual({ slug, status: 'success', error: undefined });

		// every node ran (the examples are straight lines), sticky notes aside
		const nodes = example.workflow.nodes.filter((node) => node.type !== 'n8n-nodes-base.stickyNote' && !node.disabled).map((node) => node.name);
		expect(Object.keys(run.runData).sort()).toEqual(nodes.sort());

		const wanted = EXPECTATIONS[slug];
		if (!wanted) throw new Error(`${slug}: add what it must produce to test/e2e/examples-config.ts`);
		for (const [nodeName, nodeWanted] of Object.entries(wanted.nodes)) await expectNode(run, nodeName, nodeWanted);
		await expectWrittenFiles(run, wanted.files);
		expectRequestsInOrder(slug, wanted.requests);
		expectKeysOnlyToTheirService(slug);
		await wanted.check?.(run, session);
	});
});
