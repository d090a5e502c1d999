import type { Emulator } from '../server';

/** Stand-in for AvatarTalk's Lightning and LiveKit endpoints: not written yet. */
export function register(emulator: Emulator): void {
	void emulator;
}
