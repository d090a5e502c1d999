import type { Emulator } from '../server';

/** Stand-in for this provider: not written yet (see the provider's document). */
export function register(emulator: Emulator): void {
	void emulator;
}
