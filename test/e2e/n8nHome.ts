/**
 * The set-up an e2e file shares with the others: n8n provisioned (the first run on a machine
 * takes minutes, inside beforeAll), the package built, one emulator for the file, and a fresh
 * n8n home with the package installed and the file's credentials and workflows imported; both
 * removed after the file.
 *
 *     let emulator: Emulator;
 *     let home: N8nHome | undefined;
 *     useN8nHome({
 *         onEmulator: (e) => (emulator = e),
 *         home: (e) => ({ credentials: emulatorCredentials(e), workflows: [workflow] }),
 *         onHome: (h) => (home = h),
 *     });
 */
import type { Emulator } from '../emulator/server';
import { startEmulator } from '../emulator/server';
import type { N8nHome } from './n8nRunner';
import { createN8nHome, ensureBuilt, provisionN8n } from './n8nRunner';

export interface N8nHomeSetup {
	/** The emulator's settings. */
	settings?: Record<string, unknown>;
	onEmulator: (emulator: Emulator) => void;
	/** Runs after the emulator started, before the home is made (jobs n8n should find, say). */
	prepare?: (emulator: Emulator) => Promise<void>;
	home: (emulator: Emulator) => Parameters<typeof createN8nHome>[0];
	onHome: (home: N8nHome) => void;
}

export function useN8nHome(setup: N8nHomeSetup): void {
	let emulator: Emulator | undefined;
	let home: N8nHome | undefined;
	beforeAll(async () => {
		provisionN8n();
		ensureBuilt();
		emulator = await startEmulator(setup.settings ? { settings: setup.settings } : {});
		setup.onEmulator(emulator);
		await setup.prepare?.(emulator);
		home = await createN8nHome(setup.home(emulator));
		setup.onHome(home);
	});
	afterAll(async () => {
		await home?.cleanup();
		await emulator?.close();
	});
}
