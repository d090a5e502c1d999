/**
 * What the stand-ins share: one state object per emulator (made on first use, read by tests for
 * assertions), a non-negative delay, and reading a numeric setting with a fallback.
 */
import type { Emulator } from './server';

/** A getter for a stand-in's state: `make()` runs once per emulator, on first use. */
export function perEmulator<T>(make: () => T): (emulator: Emulator) => T {
	const states = new WeakMap<Emulator, T>();
	return (emulator) => {
		let state = states.get(emulator);
		if (state === undefined) {
			state = make();
			states.set(emulator, state);
		}
		return state;
	};
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** `value` as a number; `fallback` when it is missing, empty or not a finite number. */
export function num(value: unknown, fallback: number): number {
	const n = Number(value);
	return value === undefined || value === null || value === '' || !Number.isFinite(n) ? fallback : n;
}
