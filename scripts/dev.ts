/**
 * `npm run dev`: n8n's editor at http://localhost:5678 with this package loaded (built first),
 * the emulator running on its fixed ports (18600-18608, as `npm run emulator`), the seven
 * credentials created for it (fixed ids: the examples use them) and every example imported,
 * the trigger examples published. Runs until Ctrl+C, then stops everything it started.
 *
 * The n8n home persists (your own workflows and the login survive restarts); the examples and
 * the emulator credentials are imported again on every start. Environment:
 *   N8N_PORT             editor port (5678)
 *   EMULATOR_PORT_BASE   first emulator port (18600; 0 = any free ports)
 *   TALKING_AVATARS_DEV_HOME  the n8n home (~/.cache/n8n-nodes-talking-avatars/dev-home)
 *
 * Compiled by `tsc -p scripts/demo.tsconfig.json` into build/scripts/dev.js.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

import type { Emulator } from '../test/emulator/server';
import { startEmulator } from '../test/emulator/server';
import type { ServiceName } from '../test/emulator/types';
import { SERVICE_NAMES } from '../test/emulator/types';
import {
	CLI_PORT_BASE,
	OUTPUT_DIR_NAME,
	emulatorCredentials,
	loadExamples,
	retargetEmulatorUrls,
	triggerWebhookPath,
} from '../test/e2e/exampleRunner';
import type { N8nHome, RunningN8n } from '../test/e2e/n8nRunner';
import { REPO_ROOT, createN8nHome, ensureBuilt, provisionN8n, startN8n, stopAllN8n } from '../test/e2e/n8nRunner';

/** The local login `npm run dev` sets up on a new home (n8n always asks for an account). */
export const DEV_LOGIN = { email: 'demo@example.com', password: 'TalkingAvatars1', firstName: 'Demo', lastName: 'User' };

export interface DevOptions {
	port: number;
	/** First emulator port; 0 = any free ports (the examples are pointed at them). */
	emulatorPortBase: number;
	homeDir: string;
	log?: (line: string) => void;
}

export interface DevInstance {
	editorUrl: string;
	emulator: Emulator;
	home: N8nHome;
	n8n: RunningN8n;
	/** Where n8n's own output goes. */
	logFile: string;
	/** Whether this start created the login (false: the home had an owner already). */
	createdLogin: boolean;
	stop(): Promise<void>;
}

export function defaultDevOptions(env: NodeJS.ProcessEnv = process.env): DevOptions {
	const cache = env.TALKING_AVATARS_CACHE ?? path.join(homedir(), '.cache', 'n8n-nodes-talking-avatars');
	return {
		port: Number(env.N8N_PORT ?? 5678),
		emulatorPortBase: Number(env.EMULATOR_PORT_BASE ?? CLI_PORT_BASE),
		homeDir: env.TALKING_AVATARS_DEV_HOME ?? path.join(cache, 'dev-home'),
	};
}

/** Creates the owner account on a new home; false when there is one already. */
async function setUpLogin(baseUrl: string): Promise<boolean> {
	const response = await fetch(`${baseUrl}/rest/owner/setup`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(DEV_LOGIN),
	});
	const text = await response.text();
	if (response.ok) return true;
	if (response.status === 400 && /already setup/i.test(text)) return false;
	throw new Error(`n8n refused to set up the login (${response.status}): ${text.slice(0, 300)}`);
}

export async function startDev(options: DevOptions): Promise<DevInstance> {
	const log = options.log ?? (() => undefined);
	log('Building the package (when needed) and provisioning n8n ...');
	ensureBuilt();
	provisionN8n();

	const ports =
		options.emulatorPortBase > 0
			? (Object.fromEntries(SERVICE_NAMES.map((name, i) => [name, options.emulatorPortBase + i])) as Record<ServiceName, number>)
			: undefined;
	const emulator = await startEmulator({ ports });
	let home: N8nHome | undefined;
	let started = false;
	try {
		const outputDir = path.join(REPO_ROOT, OUTPUT_DIR_NAME);
		mkdirSync(outputDir, { recursive: true });
		mkdirSync(options.homeDir, { recursive: true });
		const examples = loadExamples();
		log(`Importing the emulator credentials and ${examples.length} example workflows into ${options.homeDir} ...`);
		home = await createN8nHome({
			dir: options.homeDir,
			credentials: emulatorCredentials(emulator),
			workflows: examples.map((example) => retargetEmulatorUrls(example.workflow, emulator)),
			// the examples' relative `demo-output/...` paths land in the repository's demo-output/
			cwd: REPO_ROOT,
			env: { N8N_RESTRICT_FILE_ACCESS_TO: outputDir },
		});
		const triggers = examples.filter((example) => example.kind === 'trigger');
		const logFile = path.join(options.homeDir, 'n8n.log');
		const logStream = createWriteStream(logFile, { flags: 'a' });
		log(`Starting n8n on port ${options.port} (its output goes to ${logFile}) ...`);
		const n8n = await startN8n(home, {
			port: options.port,
			host: 'localhost',
			publish: triggers.map((example) => example.workflow.id),
			waitForWebhook: triggers[0] ? triggerWebhookPath(triggers[0].startNode) : undefined,
			timeoutMs: 180_000,
			onOutput: (chunk) => logStream.write(chunk),
		});
		const createdLogin = await setUpLogin(`http://127.0.0.1:${options.port}`);
		const currentHome = home;
		started = true;
		return {
			editorUrl: `http://localhost:${options.port}`,
			emulator,
			home: currentHome,
			n8n,
			logFile,
			createdLogin,
			stop: async () => {
				await n8n.stop();
				logStream.end();
				await currentHome.cleanup();
				await emulator.close();
			},
		};
	} finally {
		if (!started) {
			await stopAllN8n();
			await home?.cleanup();
			await emulator.close();
		}
	}
}

function printWelcome(dev: DevInstance): void {
	const { urls, keys } = dev.emulator;
	const examples = loadExamples();
	console.log(`
n8n is ready: ${dev.editorUrl}
  Log in with ${DEV_LOGIN.email} / ${DEV_LOGIN.password}${dev.createdLogin ? ' (just created)' : ' (unless you changed it)'}

Credentials (Overview -> Credentials), all pointing at the emulator:
  AvatarTalk account   ${urls.avatarTalk}   key ${keys.avatarTalk}
  MultiTalk account    ${urls.multiTalk}   key ${keys.multiTalk}
  MuseTalk account     ${urls.museTalk}
  LiveTalking account  ${urls.liveTalking}   token ${keys.liveTalking}
  AvaTar account       ${urls.avaTar}   WebSocket ${urls.avaTarWs}
  LiveKit account      ${urls.liveKit}   key ${keys.liveKitKey}

Example workflows (Overview -> Workflows): open one, click "Execute workflow";
files are written to ${path.join(REPO_ROOT, OUTPUT_DIR_NAME)}/.
${examples.map((example) => `  ${example.workflow.name}${example.kind === 'trigger' ? '  [published: ' + dev.n8n.webhookUrl(triggerWebhookPath(example.startNode)) + ']' : ''}`).join('\n')}

Emulator request log: ${urls.avatarTalk}/__emulator/requests?all=true
Press Ctrl+C to stop n8n and the emulator.`);
}

async function main(): Promise<void> {
	const options = defaultDevOptions();
	const state: { dev?: DevInstance } = {};
	let stopping = false;
	const stop = (signal: NodeJS.Signals) => {
		if (stopping) return;
		stopping = true;
		console.log(`\n${signal}: stopping n8n and the emulator ...`);
		void (async () => {
			await stopAllN8n();
			await state.dev?.stop().catch(() => undefined);
			process.exit(0);
		})();
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
	state.dev = await startDev({ ...options, log: (line) => console.log(line) });
	if (stopping) return;
	printWelcome(state.dev);
}

if (require.main === module) {
	main().catch(async (error: unknown) => {
		const { code, port } = error as { code?: string; port?: number };
		if (code === 'EADDRINUSE') {
			console.error(
				`Port ${port ?? ''} is in use: is \`npm run emulator\` or another \`npm run dev\` running? ` +
					'Stop it, or choose other ports with EMULATOR_PORT_BASE (emulator) and N8N_PORT (n8n).',
			);
		} else console.error(error instanceof Error ? error.message : error);
		await stopAllN8n();
		process.exit(1);
	});
}
