/**
 * Measures how long this process was not running its event loop (descheduled on a busy machine,
 * or stalled by a garbage collection), from how late a 10 ms timer fires. Tests whose point is a
 * real-time promise ("stops within 1 s") allow this time on top of the promise, capped, so a busy
 * machine does not fail them while a real delay (a wait that is not cut) still does.
 */
export interface StallMeter {
	/** Milliseconds lost so far (every tick's lateness beyond its 10 ms, summed). */
	stalledMs(): number;
	stop(): number;
}

export function startStallMeter(tickMs = 10): StallMeter {
	let stalled = 0;
	let last = performance.now();
	const timer = setInterval(() => {
		const now = performance.now();
		stalled += Math.max(0, now - last - tickMs);
		last = now;
	}, tickMs);
	const stalledMs = () => {
		// a tick that is due but has not run yet counts as well
		return stalled + Math.max(0, performance.now() - last - tickMs);
	};
	return {
		stalledMs,
		stop: () => {
			clearInterval(timer);
			return stalledMs();
		},
	};
}
