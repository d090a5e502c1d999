/**
 * Helpers of the browser suite (editor.test.ts): Debian's Chromium driven by playwright-core
 * against the real n8n that `npm run dev` starts (scripts/dev.ts).
 *
 * - `chromiumPath()`     /usr/bin/chromium (or CHROMIUM_PATH); installs Debian's `chromium`
 *                        package when it is missing and apt-get can run, else says what to run.
 * - `expectedPanel()`    what the node's panel must show for a resource/operation, computed
 *                        from the BUILT node's description with n8n-workflow's own visibility
 *                        rules (NodeHelpers), not from a list kept by hand.
 * - `ConsoleWatch`       the page's console errors and uncaught exceptions, minus the known n8n
 *                        noise listed in NOISE (each with why).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

import type { INodeParameters, INodeProperties, INodeTypeDescription } from 'n8n-workflow';
import { NodeHelpers } from 'n8n-workflow';
import type { ConsoleMessage, Page } from 'playwright-core';

import { REPO_ROOT } from '../n8nRunner';

export const CHROMIUM_FLAGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	// this machine (and CI) has no internet: Chromium's own background fetches only fail
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
];

/** Debian's Chromium, installed from the test set-up when it is missing. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
	const wanted = env.CHROMIUM_PATH ?? '/usr/bin/chromium';
	if (existsSync(wanted)) return wanted;
	const howTo =
		'The browser suite needs Debian\'s Chromium: run `sudo apt-get install -y chromium` ' +
		'(or set CHROMIUM_PATH to a Chromium/Chrome binary), then run the suite again.';
	let failure = `${wanted} does not exist`;
	if (env.CHROMIUM_PATH === undefined && process.getuid?.() === 0) {
		try {
			execFileSync('apt-get', ['install', '-y', '-q', 'chromium'], {
				stdio: 'inherit',
				env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
				timeout: 15 * 60_000,
			});
		} catch (error) {
			failure = `installing it here failed: ${(error as Error).message}`;
		}
		if (existsSync(wanted)) return wanted;
	}
	throw new Error(`${howTo} (${failure})`);
}

/** The package's six nodes as the editor names them, with their built description. */
export interface EditorNode {
	displayName: string;
	type: string;
	description: INodeTypeDescription;
	/** Screenshot file name (docs/screenshots/<slug>.png). */
	slug: string;
}

export function loadEditorNodes(): EditorNode[] {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const pkg = require(path.join(REPO_ROOT, 'package.json')) as { name: string; n8n: { nodes: string[] } };
	return pkg.n8n.nodes.map((file) => {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const module = require(path.join(REPO_ROOT, file)) as Record<string, new () => { description: INodeTypeDescription }>;
		const [NodeClass] = Object.values(module);
		const { description } = new NodeClass();
		return {
			displayName: description.displayName,
			type: `${pkg.name}.${description.name}`,
			description,
			slug: description.name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`),
		};
	});
}

export interface Choice {
	name: string;
	value: string;
	action?: string;
}

/** The Resource options, and each resource's Operation options, from the description. */
export function resourcesOf(description: INodeTypeDescription): Array<Choice & { operations: Choice[] }> {
	const resource = description.properties.find((p) => p.name === 'resource');
	if (!resource) return [];
	return (resource.options as Choice[]).map((r) => {
		const operation = description.properties.find(
			(p) => p.name === 'operation' && (p.displayOptions?.show?.resource as string[] | undefined)?.includes(r.value),
		);
		return { name: r.name, value: r.value, operations: (operation?.options ?? []) as Choice[] };
	});
}

/** The version the editor adds a node at (its defaultVersion, else its newest). */
export function versionOf(description: INodeTypeDescription): number {
	const { version, defaultVersion } = description;
	return defaultVersion ?? (Array.isArray(version) ? Math.max(...version) : version);
}

/**
 * The top-level fields the panel shows for these parameter values (the rest at their defaults),
 * by n8n-workflow's own rules. Notices are listed apart (n8n renders them without a label).
 * `credentials`: the credential types the panel offers a selector for (n8n's editor takes those
 * whose `displayOptions` match, with the same function).
 */
export function expectedPanel(
	description: INodeTypeDescription,
	values: INodeParameters,
): { fields: string[]; notices: string[]; credentials: string[] } {
	const node = { id: 'x', name: description.defaults.name ?? description.displayName, type: description.name, typeVersion: versionOf(description), position: [0, 0] as [number, number], parameters: values };
	const filled = NodeHelpers.getNodeParameters(description.properties, values, true, false, node, description) ?? {};
	const shown = (p: INodeProperties) => p.type !== 'hidden' && NodeHelpers.displayParameter(filled, p, node, description);
	// a name can be declared several times (one per operation); the panel shows it once
	const fields = [...new Set(description.properties.filter((p) => p.type !== 'notice' && shown(p)).map((p) => p.name))];
	const notices = description.properties.filter((p) => p.type === 'notice' && shown(p)).map((p) => p.displayName);
	const credentials = (description.credentials ?? []).filter((c) => NodeHelpers.displayParameter(filled, c, node, description)).map((c) => c.name);
	return { fields, notices, credentials };
}

/**
 * Console output that is n8n's own and says nothing about this package, each with why:
 * - "Failed to load resource" for a URL outside n8n's origin: the editor looks the community
 *   package up on registry.npmjs.org (node creator's "Installed / Via npm" details) and loads
 *   other internet resources; the test machine and CI have no internet (TLS to those hosts fails).
 * Everything else (any error from n8n's own origin, any uncaught exception) fails the test.
 */
export const NOISE: Array<{ why: string; matches: (message: ConsoleMessage, origin: string) => boolean }> = [
	{
		why: 'n8n fetches internet resources (registry.npmjs.org for the package details); no internet here',
		matches: (message, origin) => {
			if (!message.text().startsWith('Failed to load resource')) return false;
			const url = message.location().url;
			return url !== '' && !url.startsWith(origin);
		},
	},
];

export class ConsoleWatch {
	readonly errors: string[] = [];

	constructor(page: Page, origin: string) {
		page.on('console', (message) => {
			if (message.type() !== 'error') return;
			if (NOISE.some((noise) => noise.matches(message, origin))) return;
			this.errors.push(`${message.text()} (${message.location().url})`);
		});
		page.on('pageerror', (error) => this.errors.push(`uncaught: ${error.message}`));
	}

	take(): string[] {
		return this.errors.splice(0, this.errors.length);
	}
}
