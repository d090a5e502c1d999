/**
 * The editor, in a real browser: Debian's Chromium driven by playwright-core against the real
 * n8n that `npm run dev` starts (scripts/dev.ts: this package, the emulator and its credentials),
 * one n8n, one browser, one page. For every node of the package:
 * - a new workflow, the node added through the node creator (searched by name, as a user does);
 * - every resource and every operation picked from the panel's dropdowns: the dropdowns offer
 *   what the description declares, the panel shows exactly the fields n8n-workflow's own
 *   visibility rules derive from the description for that choice, and no field is marked with
 *   an issue that the description does not cause (required and still empty);
 * - one credential selector per credential the description shows for that choice (AvatarTalk:
 *   its own credential selected when added, none on Lightning pay-per-video);
 * - the Job ID / Session ID pickers list the jobs and sessions the emulator holds, and the one
 *   picked runs; executing the node from the editor shows its output (every action node);
 * - no console error (known n8n noise: editor.ts NOISE, each with why).
 * Screenshots of each panel go to build/screenshots/ (UPDATE_SCREENSHOTS=1: also
 * docs/screenshots/, the ones the README shows), with the canvas holding all six nodes in the
 * light and the dark theme (the icons).
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { INodeParameters } from 'n8n-workflow';
import { NodeHelpers } from 'n8n-workflow';
import type { Browser, Page } from 'playwright-core';
import { chromium, selectors } from 'playwright-core';

import type { DevInstance } from '../../../scripts/dev';
import { DEV_LOGIN, startDev } from '../../../scripts/dev';
import { ensureBuilt, freePort, REPO_ROOT } from '../n8nRunner';
import type { EditorNode } from './editor';
import { CHROMIUM_FLAGS, ConsoleWatch, chromiumPath, expectedPanel, loadEditorNodes, resourcesOf, versionOf } from './editor';

// Provisioning n8n on a new machine (~8 min) happens inside beforeAll.
jest.setTimeout(20 * 60_000);

const SHOTS = path.join(REPO_ROOT, 'build', 'screenshots');
const DOCS_SHOTS = path.join(REPO_ROOT, 'docs', 'screenshots');
// Generous: a loaded machine makes the editor slow; nothing here measures speed.
const STEP_MS = 60_000;
const RUN_MS = 120_000;

// the expectations come from the built package n8n loads: build it first when it is stale
ensureBuilt();
const nodes = loadEditorNodes();
let homeDir: string;
let dev: DevInstance;
let browser: Browser;
let page: Page;
let watch: ConsoleWatch;
const jobIds: string[] = [];
const sessionIds: string[] = [];

async function emulatorPost(url: string, key: string, body: unknown): Promise<Record<string, unknown>> {
	const response = await fetch(url, {
		method: 'POST',
		headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});
	const text = await response.text();
	if (!response.ok) throw new Error(`${url} answered ${response.status}: ${text}`);
	return JSON.parse(text) as Record<string, unknown>;
}

const submitJob = async (prompt: string, webhookUrl?: string) =>
	String(
		(
			await emulatorPost(`${dev.emulator.urls.multiTalk}/generate`, dev.emulator.keys.multiTalk, {
				prompt,
				image_s3_url: 's3://my-bucket/images/person.png',
				audio_s3_urls: 's3://my-bucket/audio/1.wav',
				...(webhookUrl ? { webhook_url: webhookUrl } : {}),
			})
		).job_id,
	);

beforeAll(async () => {
	const executablePath = chromiumPath();
	homeDir = mkdtempSync(path.join(tmpdir(), 'ta-browser-home-'));
	dev = await startDev({ port: await freePort(), emulatorPortBase: 0, homeDir });
	// what the pickers must list: two jobs, two sessions
	jobIds.push(await submitJob('first from the browser suite'), await submitJob('second from the browser suite'));
	for (let i = 0; i < 2; i++) {
		sessionIds.push(String((await emulatorPost(`${dev.emulator.urls.avaTar}/streaming.new`, '', {})).session_id));
	}

	selectors.setTestIdAttribute('data-test-id');
	browser = await chromium.launch({ executablePath, args: CHROMIUM_FLAGS });
	page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
	page.setDefaultTimeout(STEP_MS);
	// n8n's sign-in page asks who is logged in first (401 by design), so watch from after it
	await page.goto(`${dev.editorUrl}/signin`);
	await page.locator('#emailOrLdapLoginId').fill(DEV_LOGIN.email);
	await page.locator('#password').fill(DEV_LOGIN.password);
	await page.getByTestId('form-submit-button').click();
	await page.waitForURL((url) => !url.pathname.includes('signin'));
	watch = new ConsoleWatch(page, dev.editorUrl);
	mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
	await browser?.close();
	await dev?.stop();
	if (homeDir) rmSync(homeDir, { recursive: true, force: true });
});

// ---- page helpers ---------------------------------------------------------------------------

/** Polls `read` until `done` holds or STEP_MS passes; returns the last value (asserted by the caller). */
async function settle<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
	const until = Date.now() + STEP_MS;
	let value = await read();
	while (!done(value) && Date.now() < until) {
		await page.waitForTimeout(200);
		value = await read();
	}
	return value;
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Names of the fields the open panel shows (each field's label is `for` its parameter name). */
const shownFields = () =>
	page
		.getByTestId('node-parameters')
		.locator('[data-test-id="parameter-item"] [data-test-id="input-label"] label[for]')
		.evaluateAll((labels) => labels.filter((l) => (l as unknown as { checkVisibility(): boolean }).checkVisibility()).map((l) => l.getAttribute('for') ?? ''));

/** Names of the fields marked with an issue in the open panel. */
const fieldsWithIssues = () =>
	page
		.getByTestId('node-parameters')
		.locator('[data-test-id="parameter-item"]')
		.evaluateAll((items) =>
			items
				.filter((item) => (item as unknown as { checkVisibility(): boolean }).checkVisibility())
				.filter((item) => [...item.querySelectorAll('[data-test-id="parameter-issues"]')].some((i) => (i as unknown as { checkVisibility(): boolean }).checkVisibility()))
				.map((item) => item.querySelector('[data-test-id="input-label"] label[for]')?.getAttribute('for') ?? '?'),
		);

/** The credential selectors of the open panel: what each shows (its label, and the selected credential's name, an input's value). */
const credentialSlots = () =>
	page
		.getByTestId('ndv')
		.getByTestId('node-credentials-slot')
		.evaluateAll((slots) =>
			slots
				.filter((s) => (s as unknown as { checkVisibility(): boolean }).checkVisibility())
				.map((s) => {
					const slot = s as unknown as { innerText: string; querySelectorAll(selector: string): ArrayLike<{ value?: string }> };
					const values = Array.from(slot.querySelectorAll('input')).map((input) => input.value ?? '');
					return [slot.innerText, ...values].join(' ').replace(/\s+/g, ' ').trim();
				}),
		);

/** Opens a dropdown field, returns what it offers (first line of each option) and picks one. */
async function pick(field: string, optionName: string): Promise<string[]> {
	await page.getByTestId(`parameter-input-${field}`).click();
	const options = page.getByRole('option');
	await options.first().waitFor();
	const offered = (await options.allInnerTexts()).map((text) => text.split('\n')[0].trim());
	const index = offered.indexOf(optionName);
	if (index < 0) throw new Error(`${field}: no option "${optionName}" among ${offered.join(', ')}`);
	await options.nth(index).click();
	await options.first().waitFor({ state: 'hidden' });
	return offered;
}

/** n8n adds this entry to the Resource and Operation dropdowns of nodes with credentials. */
const N8N_ADDED_OPTIONS = ['Custom API Call'];
const ours = (offered: string[]) => offered.filter((o) => !N8N_ADDED_OPTIONS.includes(o));

async function openNewWorkflow(): Promise<void> {
	await page.goto(`${dev.editorUrl}/workflow/new`);
	await page.getByTestId('canvas-add-button').click();
}

/** Adds a node through the node creator, as a user does: search its name, click it. */
async function addNode(node: EditorNode): Promise<void> {
	await openNewWorkflow();
	const isTrigger = node.description.group.includes('trigger');
	if (!isTrigger) {
		await page.getByTestId('node-creator-search-bar').fill('Manual Trigger');
		await page.getByTestId('node-creator-item-name').filter({ hasText: /^Manual Trigger$/ }).click();
		await page.getByTestId('node-creator-plus-button').click();
	}
	// the node creator lists a trigger under its app's name, its trigger events inside
	const listedAs = isTrigger ? node.displayName.replace(/ Trigger$/, '') : node.displayName;
	await page.getByTestId('node-creator-search-bar').fill(listedAs);
	await page.getByTestId('node-creator-item-name').filter({ hasText: new RegExp(`^${escape(listedAs)}$`) }).first().click();
	const [first] = resourcesOf(node.description);
	if (first) {
		// an action node lists its actions: take the first one (first resource, first operation)
		await page.getByTestId('node-creator').getByText(String(first.operations[0].action), { exact: true }).click();
		await page.getByTestId('ndv').waitFor();
	} else {
		// the node creator may list the trigger's events (its Trigger On options): take Completed
		const ndv = page.getByTestId('ndv');
		const completed = page.getByTestId('node-creator').getByText(/completed/i).first();
		await Promise.race([ndv.waitFor().catch(() => undefined), completed.waitFor().catch(() => undefined)]);
		if (!(await ndv.isVisible())) await completed.click();
		await ndv.waitFor();
	}
}

/** Checks the open panel against the description for these values; returns what it saw. */
async function checkPanel(node: EditorNode, values: INodeParameters, label: string): Promise<void> {
	const expected = expectedPanel(node.description, values);
	const shown = await settle(shownFields, (fields) => sameSet(fields, expected.fields));
	expect({ panel: label, fields: [...shown].sort() }).toEqual({ panel: label, fields: [...expected.fields].sort() });
	// one credential selector per credential the description shows for these values
	const slots = await settle(credentialSlots, (found) => found.length === expected.credentials.length);
	expect({ panel: label, credentialSelectors: slots.length }).toEqual({ panel: label, credentialSelectors: expected.credentials.length });
	for (const notice of expected.notices) {
		await page.getByTestId('node-parameters').getByText(notice.slice(0, 40), { exact: false }).first().waitFor();
	}
	// an issue may only mark a field the description makes required and is still empty
	const bare = { id: 'x', name: node.displayName, type: node.type, typeVersion: versionOf(node.description), position: [0, 0] as [number, number], parameters: values };
	const parameters = NodeHelpers.getNodeParameters(node.description.properties, values, true, false, bare, node.description) ?? {};
	const issuesAllowed = Object.keys(
		NodeHelpers.getNodeParametersIssues(node.description.properties, { ...bare, parameters }, node.description)?.parameters ?? {},
	);
	const issues = await fieldsWithIssues();
	expect({ panel: label, unexpectedIssues: issues.filter((f) => !issuesAllowed.includes(f)) }).toEqual({ panel: label, unexpectedIssues: [] });
	expect({ panel: label, consoleErrors: watch.take() }).toEqual({ panel: label, consoleErrors: [] });
}

/** Every resource and operation from the dropdowns, the panel checked for each. */
async function walkResourcesAndOperations(node: EditorNode): Promise<void> {
	const resources = resourcesOf(node.description);
	for (const resource of resources) {
		const offeredResources = await pick('resource', resource.name);
		expect(ours(offeredResources)).toEqual(resources.map((r) => r.name));
		for (const operation of resource.operations) {
			const offered = await pick('operation', operation.name);
			expect({ resource: resource.name, operations: ours(offered) }).toEqual({
				resource: resource.name,
				operations: resource.operations.map((o) => o.name),
			});
			await checkPanel(node, { resource: resource.value, operation: operation.value }, `${node.displayName} · ${resource.name} · ${operation.name}`);
		}
	}
}

/** Opens a From-list picker, returns the items' labels, picks the one holding `id`. */
async function pickFromList(field: string, id: string): Promise<string[]> {
	const locator = page.getByTestId('node-parameters').locator(`[data-test-id="parameter-item"]:has(label[for="${field}"])`);
	await locator.getByTestId('rlc-mode-selector').click();
	const fromList = page.getByTestId('mode-list').filter({ visible: true }).first();
	if ((await fromList.getAttribute('aria-disabled')) === 'true') {
		// the field holds an expression (MultiTalk's default: the incoming job_id): Fixed first
		await page.keyboard.press('Escape');
		await locator.hover();
		await locator.getByTestId('radio-button-fixed').click();
		await locator.getByTestId('rlc-mode-selector').click();
	}
	await fromList.click();
	await locator.getByTestId('rlc-input').click();
	const items = page.getByTestId('rlc-item');
	await items.first().waitFor();
	const labels = await items.allInnerTexts();
	await items.filter({ hasText: id }).first().click();
	return labels;
}

/** Executes the open node from the panel; returns the output panel's text once it shows items. */
async function executeNode(shows: string | RegExp): Promise<string> {
	await page.getByTestId('node-execute-button').click();
	const output = page.getByTestId('output-panel');
	await output.getByText(/\d+ items?/).first().waitFor({ timeout: RUN_MS });
	await output.getByText(shows).first().waitFor();
	const text = await output.innerText();
	// an error also shows as "1 item": the run must have ended without one
	expect({ error: await output.getByTestId('node-error-message').count() }).toEqual({ error: 0 });
	return text;
}

async function screenshot(name: string, target: 'ndv' | 'page' = 'ndv'): Promise<void> {
	const file = path.join(SHOTS, `${name}.png`);
	if (target === 'ndv') await page.getByTestId('ndv').screenshot({ path: file });
	else await page.screenshot({ path: file });
	expect(statSync(file).size).toBeGreaterThan(5_000);
	if (process.env.UPDATE_SCREENSHOTS === '1') {
		mkdirSync(DOCS_SHOTS, { recursive: true });
		copyFileSync(file, path.join(DOCS_SHOTS, `${name}.png`));
	}
}

async function closePanel(): Promise<void> {
	await page.getByTestId('ndv-close-button').click();
	await page.getByTestId('ndv').waitFor({ state: 'hidden' });
}

const byName = (displayName: string) => {
	const node = nodes.find((n) => n.displayName === displayName);
	if (!node) throw new Error(`no node ${displayName} in package.json`);
	return node;
};

// ---- the suite ------------------------------------------------------------------------------

it('the package declares the six nodes the suite walks through', () => {
	expect(nodes.map((n) => n.displayName).sort()).toEqual(['AvaTar', 'AvatarTalk', 'LiveTalking', 'MultiTalk', 'MultiTalk Trigger', 'MuseTalk']);
});

it('AvatarTalk: added with the AvatarTalk credential selected; every resource and operation; pay-per-video asks for no credential; Generate Inference runs from the editor', async () => {
	const node = byName('AvatarTalk');
	await addNode(node);
	// issue #16: n8n used to select the LiveKit credential here and leave AvatarTalk's empty
	const added = await settle(credentialSlots, (slots) => slots.length === 1 && slots[0].includes('AvatarTalk account'));
	expect(added).toEqual([expect.stringContaining('AvatarTalk account')]);
	expect(added[0]).not.toContain('LiveKit');
	await walkResourcesAndOperations(node);
	// Lightning pay-per-video: no credential selector at all, so none can be asked for
	await pick('resource', 'Lightning');
	await pick('operation', 'Request Video From Text');
	expect(await settle(credentialSlots, (slots) => slots.length === 0)).toEqual([]);
	await pick('resource', 'Video');
	await pick('operation', 'Generate Inference');
	// back on an operation with the API key, the AvatarTalk credential is still the one selected
	const selected = await settle(credentialSlots, (slots) => slots.length === 1 && slots[0].includes('AvatarTalk account'));
	expect(selected).toEqual([expect.stringContaining('AvatarTalk account')]);
	const text = 'Hello from the n8n editor';
	await page.getByTestId('parameter-input-text').locator('textarea, input').first().fill(text);
	await page.keyboard.press('Tab');
	expect(await executeNode(/1 item/)).toMatch(/1 item/);
	const posts = dev.emulator.requests({ service: 'avatarTalk', method: 'POST', path: '/inference' });
	expect(posts).toHaveLength(1);
	expect(posts[0].headers.authorization).toBe(`Bearer ${dev.emulator.keys.avatarTalk}`);
	expect(JSON.parse(posts[0].body)).toMatchObject({ text });
	await screenshot(node.slug);
	await closePanel();
	expect(watch.take()).toEqual([]);
});

it('MultiTalk: every resource and operation; the Job ID picker lists the emulator\'s jobs and the picked one runs', async () => {
	const node = byName('MultiTalk');
	await addNode(node);
	await walkResourcesAndOperations(node);
	await pick('resource', 'Job');
	await pick('operation', 'Get');
	const labels = await pickFromList('jobId', jobIds[0]);
	// newest first, every job the emulator holds
	expect(labels.map((label) => jobIds.find((id) => label.includes(id)))).toEqual([...jobIds].reverse());
	const output = await executeNode(jobIds[0]);
	expect(output).toContain(jobIds[0]);
	const gets = dev.emulator.requests({ service: 'multiTalk', method: 'GET' }).map((r) => r.path);
	expect(gets).toContain(`/api/v1/jobs/${jobIds[0]}`);
	await screenshot(node.slug);
	await closePanel();
	expect(watch.take()).toEqual([]);
});

it('MuseTalk: every resource and operation; Health runs from the editor', async () => {
	const node = byName('MuseTalk');
	await addNode(node);
	await walkResourcesAndOperations(node);
	await pick('resource', 'Service');
	await pick('operation', 'Health');
	expect(await executeNode(/1 item/)).toMatch(/1 item/);
	await screenshot(node.slug);
	await closePanel();
	expect(watch.take()).toEqual([]);
});

it('LiveTalking: every resource and operation; Health runs from the editor', async () => {
	const node = byName('LiveTalking');
	await addNode(node);
	await walkResourcesAndOperations(node);
	await pick('resource', 'Service');
	await pick('operation', 'Health');
	expect(await executeNode(/1 item/)).toMatch(/1 item/);
	await screenshot(node.slug);
	await closePanel();
	expect(watch.take()).toEqual([]);
});

it('AvaTar: every resource and operation; the Session ID picker lists the emulator\'s sessions and the picked one stops', async () => {
	const node = byName('AvaTar');
	await addNode(node);
	await walkResourcesAndOperations(node);
	await pick('resource', 'Session');
	await pick('operation', 'Stop Session');
	const labels = await pickFromList('sessionId', sessionIds[0]);
	expect(labels.filter((label) => sessionIds.some((id) => label.includes(id)))).toHaveLength(sessionIds.length);
	expect(labels).toHaveLength(sessionIds.length);
	const output = await executeNode('stopped');
	expect(output).toContain('stopped');
	const stops = dev.emulator.requests({ service: 'avaTar', path: '/v1/streaming.stop' });
	expect(JSON.parse(stops.at(-1)?.body ?? '{}')).toMatchObject({ session_id: sessionIds[0] });
	await screenshot(node.slug);
	await closePanel();
	expect(watch.take()).toEqual([]);
});

it('MultiTalk Trigger: its fields; listening from the editor receives a job\'s notification', async () => {
	const node = byName('MultiTalk Trigger');
	await addNode(node);
	await checkPanel(node, {}, 'MultiTalk Trigger');
	await page.getByTestId('node-execute-button').click();
	// the test URL n8n now listens on: <webhookId>/webhook of the node as n8n saved it
	const savedId = (url: URL) => /\/workflow\/([^/]+)/.exec(url.pathname)?.[1] ?? 'new';
	await page.waitForURL((url) => savedId(url) !== 'new');
	const workflowId = savedId(new URL(page.url()));
	const webhookId = await settle(
		() =>
			page.evaluate(async (id) => {
				const response = await fetch(`/rest/workflows/${id}`, { headers: { 'browser-id': localStorage.getItem('n8n-browserId') ?? '' } });
				if (!response.ok) return '';
				const { data } = (await response.json()) as { data: { nodes: Array<{ type: string; webhookId?: string }> } };
				return data.nodes.find((n) => n.type.endsWith('.multiTalkTrigger'))?.webhookId ?? '';
			}, workflowId),
		(id) => id !== '',
	);
	expect(webhookId).not.toBe('');
	// the probes above answer 404 until n8n has saved the new workflow: those are ours, not n8n's
	const others = watch.take().filter((e) => !(e.includes('404') && e.includes(`/rest/workflows/${workflowId})`)));
	expect(others).toEqual([]);
	const testUrl = `${dev.editorUrl}/webhook-test/${webhookId}/webhook`;
	const jobId = await submitJob('notified to the editor', testUrl);
	const output = page.getByTestId('output-panel');
	await output.getByText(jobId).first().waitFor({ timeout: RUN_MS });
	expect(await output.getByTestId('node-error-message').count()).toBe(0);
	await screenshot(node.slug);
	await closePanel();
	expect(watch.take()).toEqual([]);
});

it('the canvas shows all six nodes with their own icons, light and dark theme', async () => {
	const workflow = {
		name: 'All six nodes (browser suite)',
		nodes: nodes.map((node, i) => ({
			id: `node-${i}`,
			name: node.displayName,
			type: node.type,
			typeVersion: versionOf(node.description),
			position: [200 * (i % 3), 200 * Math.floor(i / 3)],
			parameters: {},
			...(node.description.group.includes('trigger') ? { webhookId: '7d1c3f0e-5b7a-4c39-9a51-0b6f8a0c2d11' } : {}),
		})),
		connections: {},
		settings: {},
	};
	// created through n8n's REST API from inside the logged-in page (it sends n8n's browser-id)
	const id = await page.evaluate(async (body) => {
		const response = await fetch('/rest/workflows', {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'browser-id': localStorage.getItem('n8n-browserId') ?? '' },
			body: JSON.stringify(body),
		});
		return ((await response.json()) as { data: { id: string } }).data.id;
	}, workflow);
	for (const theme of ['light', 'dark'] as const) {
		await page.emulateMedia({ colorScheme: theme });
		await page.goto(`${dev.editorUrl}/workflow/${id}`);
		const icons = page.getByTestId('canvas-node').locator('img');
		await settle(() => icons.count(), (n) => n >= nodes.length);
		await page.getByTestId('zoom-to-fit').click();
		const sources = await icons.evaluateAll((imgs) => imgs.map((img) => img.getAttribute('src') ?? ''));
		// every node shows our icon for this theme (n8n serves them from the package's dist/icons)
		const expected = nodes.map((node) => {
			const { light, dark } = node.description.icon as { light: string; dark: string };
			return path.basename(theme === 'dark' ? dark : light);
		});
		expect(sources.map((src) => path.basename(new URL(src, dev.editorUrl).pathname)).sort()).toEqual(expected.sort());
		await screenshot(`canvas-${theme}`, 'page');
	}
	await page.emulateMedia({ colorScheme: 'light' });
	expect(watch.take()).toEqual([]);
});
