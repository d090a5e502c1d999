/**
 * The checks every example run must pass, whichever n8n ran it: single-process n8n
 * (test/e2e/examples.test.ts) or queue mode (test/e2e/queue/examples.test.ts). On top of what
 * examples-config.ts asks per example: status `success`, every node ran, every file a Write node
 * wrote exists with the bytes of its binary and the MIME type its extension calls for, keys sent
 * only to their own service, requests in the order the example promises.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { fixture } from '../emulator/media';
import { notApplicable } from '../matrix/matrix';
import type { ExampleRun, ExampleSessionLike } from './exampleRunner';
import { OUTPUT_DIR_NAME, mediaKindOf, mediaProblem } from './exampleRunner';
import type { ExampleExpectation } from './examples-config';
import { EXPECTATIONS } from './examples-config';

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

function expectRequestsInOrder(session: ExampleSessionLike, slug: string, wanted: ExampleExpectation['requests']) {
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

function expectKeysOnlyToTheirService(session: ExampleSessionLike, slug: string) {
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

async function expectNode(session: ExampleSessionLike, run: ExampleRun, nodeName: string, wanted: ExampleExpectation['nodes'][string]) {
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
			const bytes = await session.readBinary(meta!);
			if (binary.sameAs) expect(bytes.equals(fixture(binary.sameAs))).toBe(true);
			expect(bytes.length).toBeGreaterThanOrEqual(binary.minBytes ?? 1);
			expect({ node: nodeName, property, problem: mediaProblem(bytes, binary.media) }).toEqual({ node: nodeName, property, problem: undefined });
		}
	}
}

async function expectWrittenFiles(session: ExampleSessionLike, run: ExampleRun, wanted: ExampleExpectation['files']) {
	const { slug } = run.example;
	expect({ slug, files: run.files.map((file) => file.fileName).sort() }).toEqual({ slug, files: Object.keys(wanted).sort() });
	for (const file of run.files) {
		expect(file.absolutePath.startsWith(path.join(session.outputRoot, OUTPUT_DIR_NAME) + path.sep)).toBe(true);
		expect({ file: file.fileName, exists: existsSync(file.absolutePath) }).toEqual({ file: file.fileName, exists: true });
		const bytes = readFileSync(file.absolutePath);
		const extension = path.extname(file.fileName).toLowerCase();
		// the binary the Write node was given: its MIME type fits the file, its bytes are the file's
		expect({ file: file.fileName, mimeType: file.binary?.mimeType }).toEqual({ file: file.fileName, mimeType: MIME_BY_EXTENSION[extension] });
		expect((await session.readBinary(file.binary!)).equals(bytes)).toBe(true);
		const kind = wanted[file.fileName];
		expect({ file: file.fileName, kind: mediaKindOf(file.fileName, bytes) }).toEqual({ file: file.fileName, kind });
		expect({ file: file.fileName, problem: mediaProblem(bytes, kind) }).toEqual({ file: file.fileName, problem: undefined });
		if (FFMPEG) expect({ file: file.fileName, decodeErrors: decodeErrors(file.absolutePath) }).toEqual({ file: file.fileName, decodeErrors: '' });
	}
}

/** Every check of one example's run (the session that ran it reads its binary data). */
export async function checkExampleRun(session: ExampleSessionLike, run: ExampleRun): Promise<void> {
	const { example } = run;
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
	for (const [nodeName, nodeWanted] of Object.entries(wanted.nodes)) await expectNode(session, run, nodeName, nodeWanted);
	await expectWrittenFiles(session, run, wanted.files);
	expectRequestsInOrder(session, slug, wanted.requests);
	expectKeysOnlyToTheirService(session, slug);
	await wanted.check?.(run, session);
}
