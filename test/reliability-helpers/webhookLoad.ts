/**
 * The webhook burst the real-n8n suite sends to a published MultiTalk Trigger: 500 callbacks
 * (job events), most of them valid, a share unauthorised or malformed. Valid and unauthorised
 * ones are real job endings delivered by the MultiTalk stand-in with the documented retry logic
 * (the first answer to each delivery is treated as lost, so every valid event reaches n8n twice
 * and must still start one execution); malformed ones are sent by the test with the same retry
 * logic.
 *
 * The callbacks arrive over a window rather than in one instant: on a 2-core machine n8n with
 * SQLite starts a few executions a second (`npm run bench:trigger` measures the trigger against
 * n8n's Webhook node), and an instant burst of this size keeps n8n from answering within
 * MultiTalk's 10 s per attempt for longer than its retries last. The window is at least 60 s and
 * stretches with the machine: the suite first measures how many executions a second this n8n
 * starts from its own Webhook node (`burstWindowMs`), and spreads the valid events so that they
 * need at most half of that. What is tested is the trigger (exactly once, nothing lost, every
 * event answered within MultiTalk's timeout), not how fast a shared machine runs n8n. n8n also declares its database down ("503 Database is not ready")
 * when its 5 s health ping waits behind a saturated SQLite pool; the suite's n8n gets a 30 s ping
 * timeout (DB_PING_TIMEOUT_MS) so that n8n's own health check is not what is tested.
 */
export const WEBHOOK_LOAD = {
	/** Valid events, one per (job, status). */
	completed: 250,
	failed: 30,
	cancelled: 20,
	/** Unauthorised: the webhook URL carries a wrong secret, or none. */
	wrongSecret: 80,
	noSecret: 20,
	/** Malformed bodies (with the right secret). */
	malformed: 100,
};

export const WEBHOOK_LOAD_TOTALS = {
	callbacks: Object.values(WEBHOOK_LOAD).reduce((a, b) => a + b, 0),
	valid: WEBHOOK_LOAD.completed + WEBHOOK_LOAD.failed + WEBHOOK_LOAD.cancelled,
	unauthorised: WEBHOOK_LOAD.wrongSecret + WEBHOOK_LOAD.noSecret,
	malformed: WEBHOOK_LOAD.malformed,
	/** The callbacks arrive spread over at least this window, in shuffled order (see burstWindowMs). */
	windowMs: 60_000,
	/** The window never stretches past this (the suite's own time limit). */
	maxWindowMs: 480_000,
	/** Share of the Webhook node's measured executions/s the valid events may take. */
	utilisation: 0.5,
	/** Deliveries of each event by the stand-in. */
	copies: 1,
	/** The first answer to each delivery counts as lost, so every valid event is sent twice. */
	lostFirstAnswers: 1,
	/** The documented retry logic: 3 retries with exponential backoff, 10 s per attempt. */
	retries: 3,
	/** The stand-in's default first pause (then x2). */
	backoffMs: 1000,
	attemptTimeoutMs: 10_000,
};

/** Malformed bodies a broken sender (or anyone else) might post. */
export function malformedBody(i: number): string {
	const kinds = [
		'{"job_id": "abc", "status": ',
		JSON.stringify({ status: 'completed' }),
		JSON.stringify({ job_id: `job-${i}` }),
		JSON.stringify([{ job_id: `job-${i}`, status: 'completed' }]),
		JSON.stringify({ job_id: `job-${i}`, status: 'completed', result: 'not an object' }),
		'',
		'not json at all',
		JSON.stringify({ job_id: '', status: 'completed' }),
	];
	return kinds[i % kinds.length];
}

/**
 * The burst's window for an n8n that starts `webhookExecutionsPerSecond` executions a second from
 * its own Webhook node: the valid events take at most `utilisation` of that, within 60 s .. 8 min.
 */
export function burstWindowMs(webhookExecutionsPerSecond: number): number {
	const needed = (WEBHOOK_LOAD_TOTALS.valid / (webhookExecutionsPerSecond * WEBHOOK_LOAD_TOTALS.utilisation)) * 1000;
	return Math.round(Math.min(WEBHOOK_LOAD_TOTALS.maxWindowMs, Math.max(WEBHOOK_LOAD_TOTALS.windowMs, needed)));
}
