/**
 * A fake clock for unit tests of waits (polling, pacing, backoff/Retry-After, the MultiTalk batch
 * watcher). Everything in nodes/ reads time through `Date.now()` and waits through `setTimeout`
 * (n8n's `sleep`, behind `abortableSleep`); jest's modern fake timers replace both, so a test
 * drives time itself: a 60 s wait takes no real time, and what happens at which moment is exact,
 * whatever else the machine is doing. Real I/O (sockets) does not mix with this clock: tests that
 * talk to the emulator use real time and event-driven waits instead.
 */

export const CLOCK_START = Date.parse('2026-01-01T00:00:00Z');

/** Switches the test file to the fake clock (call in beforeEach; `useRealClock` in afterEach). */
export function useFakeClock(start = CLOCK_START): void {
	// process.nextTick and setImmediate stay real: promise plumbing in libraries relies on them.
	jest.useFakeTimers({ now: start, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
}

export function useRealClock(): void {
	jest.clearAllTimers();
	jest.useRealTimers();
}

/** Milliseconds of fake time since `since` (default: the clock's start). */
export function fakeElapsed(since = CLOCK_START): number {
	return Date.now() - since;
}

/**
 * Lets `promise` run to its end on the fake clock: settles pending promise callbacks, then jumps
 * to the next timer, and again, until the promise has settled. Fails (instead of hanging) when the
 * code under test waits on something other than a timer, or loops more than `maxSteps` times.
 */
export async function runToEnd<T>(promise: Promise<T>, maxSteps = 10_000): Promise<T> {
	let settled = false;
	const watched = promise.then(
		(value) => {
			settled = true;
			return value;
		},
		(error: unknown) => {
			settled = true;
			throw error;
		},
	);
	watched.catch(() => undefined);
	for (let step = 0; step < maxSteps; step++) {
		await jest.advanceTimersByTimeAsync(0);
		if (settled) return await watched;
		if (jest.getTimerCount() === 0) {
			// nothing scheduled: give real I/O-free promise chains one more turn before giving up
			await new Promise((resolve) => setImmediate(resolve));
			if (settled) return await watched;
			if (jest.getTimerCount() === 0) throw new Error('runToEnd: the promise waits on something other than a timer');
			continue;
		}
		await jest.advanceTimersToNextTimerAsync();
	}
	throw new Error(`runToEnd: not settled after ${maxSteps} timer steps`);
}

/** Advances the fake clock by `ms`, running every timer due on the way. */
export async function advance(ms: number): Promise<void> {
	await jest.advanceTimersByTimeAsync(ms);
}
