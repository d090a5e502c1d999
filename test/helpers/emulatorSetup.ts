/**
 * The set-up an integration test file shares with the others: one emulator for the file, closed
 * (with the harness's runtime) after it, and before each test an empty request log and no faults.
 * With `settings`, every setting is put back to exactly these before each test (whatever a test
 * changed is undone; 'asStarted': to the emulator's settings right after `start`); `reset` then
 * clears a file's own state (a stand-in's sessions, say).
 *
 *     let emulator: Emulator;
 *     useEmulator(startMultiTalkEmulator, (e) => (emulator = e));
 */
import { cleanupHarness } from '../harness';
import type { Emulator } from '../emulator/server';

export interface EmulatorSetup {
	settings?: Record<string, unknown> | 'asStarted';
	reset?: (emulator: Emulator) => void;
}

export function useEmulator(start: () => Promise<Emulator>, use: (emulator: Emulator) => void, options: EmulatorSetup = {}): void {
	let emulator: Emulator | undefined;
	let settings = options.settings === 'asStarted' ? undefined : options.settings;
	beforeAll(async () => {
		emulator = await start();
		if (options.settings === 'asStarted') settings = { ...emulator.settings };
		use(emulator);
	});
	afterAll(async () => {
		await emulator?.close();
		await cleanupHarness();
	});
	beforeEach(() => {
		if (!emulator) return;
		emulator.clearLog();
		emulator.clearFaults();
		if (settings) {
			for (const key of Object.keys(emulator.settings)) delete emulator.settings[key];
			Object.assign(emulator.settings, settings);
		}
		options.reset?.(emulator);
	});
}
