/**
 * MeiGen-MultiTalk stand-in (../shared/provider-apis/multitalk.md), followed literally: same
 * paths under /api/v1, Bearer auth on every endpoint, the documented `{error, detail,
 * request_id}` error body, jobs that move pending -> processing -> completed | failed |
 * cancelled, presigned download links on the S3 origin (or on this origin, `storageOnApiOrigin`), and webhooks with the documented retry
 * logic (3 retries, exponential backoff, 10 s timeout per attempt).
 *
 * Knobs (`emulator.settings`, read at the moment they are used, so tests may change them
 * between runs; `POST /__emulator/multitalk/settings` merges JSON into them from another
 * process):
 * | setting                         | default | meaning |
 * | ---                             | ---     | --- |
 * | multiTalkPendingMs              | 30      | least time a job stays `pending` |
 * | multiTalkJobMs                  | 300     | time a job spends `processing` |
 * | multiTalkConcurrentJobs         | 10      | plan limit: jobs beyond it stay `pending` until a slot frees |
 * | multiTalkRateLimit              | 0       | requests per window per key (0 = off); over it: 429 + Retry-After |
 * | multiTalkRateWindowMs           | 60000   | the rate-limit window (the document's "per minute") |
 * | multiTalkHourlyLimit            | 0       | requests per hour (0 = off; the document says 1000) |
 * | multiTalkWebhookRetries         | 3       | retries after a failed delivery |
 * | multiTalkWebhookBackoffMs       | 1000    | first retry waits this, then x2 each time |
 * | multiTalkWebhookTimeoutMs       | 10000   | one delivery attempt gives up after this |
 * | multiTalkWebhookDuplicates      | 1       | how many times each event is delivered (each with its own retries) |
 * | multiTalkWebhookConcurrentDuplicates | false | send the duplicates at the same moment instead of one after the other |
 * | multiTalkWebhookIgnoreResponses | 0       | the first N attempts of each delivery count as failed even on 2xx (a lost answer), so the receiver sees retries of an event it already took |
 * | storageOnApiOrigin              | false   | download links point at this API's own origin (/storage/...) instead of the S3 origin, as behind a deployment's own host or proxy (see providers/s3.ts); true or a list of service names |
 *
 * Magic words in the prompt (case-insensitive):
 * - `#fail`  -> the job fails while processing (error "CUDA out of memory ...").
 * - `#stuck` -> the job stays `processing` forever (timeouts, cancel).
 * - `#ms=<n>` -> this job processes for n ms instead of multiTalkJobMs.
 * An input S3 key containing `missing` makes the job fail with a NoSuchKey error, as the real
 * service does when it cannot read an input file.
 *
 * Where the document is silent, choices are commented (`doc silent:`).
 */
import { randomBytes, randomUUID } from 'node:crypto';

import { fixture } from '../media';
import type { Emulator } from '../server';
import type { EmuRequest, EmuResponse } from '../types';

export type JobStatus = 'pending' | 'processing' | 'completed' | 'failed' | 'cancelled';
const TERMINAL: ReadonlySet<JobStatus> = new Set(['completed', 'failed', 'cancelled']);

export interface EmuJob {
	job_id: string;
	status: JobStatus;
	created_at: string;
	updated_at: string;
	progress: number;
	result: null | { success: boolean; s3_output: string; duration: number; frames: number; processing_time: number };
	error: string | null;
	metadata: Record<string, unknown>;
	/** What was submitted (the parsed request body). */
	request: Record<string, unknown>;
	/** Epoch ms of each transition, for concurrency assertions. */
	timeline: { submittedAt: number; startedAt?: number; finishedAt?: number };
	/** Object-store key of the finished video. */
	outputKey?: string;
	processMs: number;
	/** Its least pending time is over: it starts as soon as the plan has a free slot. */
	queued: boolean;
	mode: 'normal' | 'fail' | 'stuck' | 'missingInput';
}

export interface WebhookAttempt {
	jobId: string;
	url: string;
	status: JobStatus | 'test';
	/** Which copy of the event (duplicates setting), from 1. */
	delivery: number;
	/** 1 = first try, 2..4 = retries. */
	attempt: number;
	at: number;
	httpStatus?: number;
	error?: string;
	/** From sending the attempt to its answer (or to giving up on it). */
	ms?: number;
	/** Counted as delivered (2xx and not ignored on purpose). */
	ok: boolean;
	payload: Record<string, unknown>;
}

export interface MultiTalkState {
	jobs: Map<string, EmuJob>;
	/** Submission order, oldest first. */
	order: string[];
	webhookAttempts: WebhookAttempt[];
	processingNow: number;
	maxProcessing: number;
	/** Request times per key, for the rate limits. */
	hits: number[];
	/** Settles when every webhook delivery started so far has finished (retries included). */
	idle(): Promise<void>;
	/** Forgets every job, webhook attempt and counter, and stops their timers and deliveries. */
	reset(): void;
}

const states = new WeakMap<Emulator, MultiTalkState>();

/** The stand-in's live state, for in-process tests. */
export function multiTalkState(emulator: Emulator): MultiTalkState {
	const state = states.get(emulator);
	if (!state) throw new Error('The MultiTalk stand-in is not registered on this emulator');
	return state;
}

/**
 * Largest number of jobs that were between `from` and `to` of their timeline at the same
 * moment (e.g. submitted..finished: jobs a client had in flight; started..finished: processing).
 */
export function maxOverlap(
	jobs: EmuJob[],
	from: 'submittedAt' | 'startedAt',
	to: 'finishedAt' = 'finishedAt',
): number {
	const events: Array<[number, number]> = [];
	for (const job of jobs) {
		const start = job.timeline[from];
		if (start === undefined) continue;
		events.push([start, 1]);
		events.push([job.timeline[to] ?? Number.POSITIVE_INFINITY, -1]);
	}
	// ends before starts at the same instant: a slot freed and taken in the same ms is no overlap
	events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
	let now = 0;
	let max = 0;
	for (const [, delta] of events) {
		now += delta;
		max = Math.max(max, now);
	}
	return max;
}

function requestId(): string {
	return `req_${randomBytes(6).toString('hex')}`;
}

function errorBody(error: string, detail: string) {
	return { error, detail, request_id: requestId() };
}

const S3_URL = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function isObject(value: unknown): value is Record<string, unknown> {
	return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Validates a /generate body as the API would; returns the problem or undefined. */
export function validateGenerate(body: unknown): string | undefined {
	if (!isObject(body)) return 'Request body must be a JSON object';
	if (typeof body.prompt !== 'string' || body.prompt.trim() === '') return 'prompt: field required (non-empty string)';
	if (typeof body.image_s3_url !== 'string' || !S3_URL.test(body.image_s3_url)) {
		return 'image_s3_url: must be an S3 URL like s3://bucket/key';
	}
	const audio = body.audio_s3_urls;
	const audioList = typeof audio === 'string' ? [audio] : Array.isArray(audio) ? audio : undefined;
	if (!audioList || audioList.length === 0) return 'audio_s3_urls: field required (an S3 URL or a non-empty list of S3 URLs)';
	for (const url of audioList) {
		if (typeof url !== 'string' || !S3_URL.test(url)) return `audio_s3_urls: "${String(url)}" is not an S3 URL like s3://bucket/key`;
	}
	if (body.output_s3_bucket !== undefined && body.output_s3_bucket !== null) {
		if (typeof body.output_s3_bucket !== 'string' || !BUCKET.test(body.output_s3_bucket)) {
			return 'output_s3_bucket: not a valid S3 bucket name';
		}
	}
	if (body.output_s3_prefix !== undefined && body.output_s3_prefix !== null && typeof body.output_s3_prefix !== 'string') {
		return 'output_s3_prefix: must be a string';
	}
	if (body.webhook_url !== undefined && body.webhook_url !== null) {
		let ok = false;
		try {
			ok = typeof body.webhook_url === 'string' && /^https?:$/.test(new URL(body.webhook_url).protocol);
		} catch {
			ok = false;
		}
		if (!ok) return 'webhook_url: must be an http(s) URL';
	}
	if (body.options !== undefined && body.options !== null) {
		const o = body.options;
		if (!isObject(o)) return 'options: must be an object';
		if (o.resolution !== undefined && o.resolution !== '480p' && o.resolution !== '720p') {
			return `options.resolution: "${String(o.resolution)}" is not one of 480p, 720p`;
		}
		if (o.sample_steps !== undefined && (typeof o.sample_steps !== 'number' || !Number.isInteger(o.sample_steps) || o.sample_steps < 10 || o.sample_steps > 50)) {
			return 'options.sample_steps: must be an integer from 10 to 50';
		}
		if (o.audio_type !== undefined && o.audio_type !== 'add' && o.audio_type !== 'para') {
			return `options.audio_type: "${String(o.audio_type)}" is not one of add, para`;
		}
		if (o.audio_cfg !== undefined && (typeof o.audio_cfg !== 'number' || o.audio_cfg < 3 || o.audio_cfg > 5)) {
			return 'options.audio_cfg: must be a number from 3 to 5';
		}
		if (o.color_correction !== undefined && (typeof o.color_correction !== 'number' || o.color_correction < 0 || o.color_correction > 1)) {
			return 'options.color_correction: must be a number from 0 to 1';
		}
	}
	return undefined;
}

export function register(emulator: Emulator): void {
	const app = emulator.app('multiTalk');
	const timers = new Set<NodeJS.Timeout>();
	const deliveries = new Set<Promise<void>>();
	const aborts = new Set<AbortController>();
	let closed = false;
	/** Bumped by reset(): deliveries of an older generation stop. */
	let generation = 0;
	/** Resolvers of backoff pauses, released early by reset() and close(). */
	const pauses = new Set<() => void>();
	const releasePauses = () => {
		for (const release of [...pauses]) release();
	};
	const state: MultiTalkState = {
		jobs: new Map(),
		order: [],
		webhookAttempts: [],
		processingNow: 0,
		maxProcessing: 0,
		hits: [],
		idle: async () => {
			while (deliveries.size) await Promise.allSettled([...deliveries]);
		},
		reset: () => {
			generation++;
			for (const timer of timers) clearTimeout(timer);
			timers.clear();
			for (const controller of aborts) controller.abort();
			releasePauses();
			state.jobs.clear();
			state.order.length = 0;
			state.webhookAttempts.length = 0;
			state.hits.length = 0;
			state.processingNow = 0;
			state.maxProcessing = 0;
		},
	};
	states.set(emulator, state);
	emulator.onClose(() => {
		closed = true;
		for (const timer of timers) clearTimeout(timer);
		timers.clear();
		for (const controller of aborts) controller.abort();
		releasePauses();
	});

	const setting = <T>(name: string, fallback: T): T => {
		const value = emulator.settings[name];
		return value === undefined || value === null ? fallback : (value as T);
	};
	const later = (ms: number, fn: () => void) => {
		if (closed) return;
		const timer = setTimeout(() => {
			timers.delete(timer);
			if (!closed) fn();
		}, Math.max(0, ms));
		timers.add(timer);
	};
	const now = () => new Date().toISOString();
	const pause = async (ms: number) =>
		await new Promise<void>((resolve) => {
			const timer = setTimeout(release, Math.max(0, ms));
			function release() {
				clearTimeout(timer);
				pauses.delete(release);
				resolve();
			}
			pauses.add(release);
		});

	// ---- auth and rate limits (every endpoint) ---------------------------------------------
	const guard = (req: EmuRequest, res: EmuResponse): boolean => {
		if (req.bearer !== emulator.keys.multiTalk) {
			res.json(401, errorBody('Unauthorized', 'Invalid or missing API key'));
			return false;
		}
		const t = Date.now();
		state.hits.push(t);
		const perWindow = Number(setting('multiTalkRateLimit', 0));
		const windowMs = Number(setting('multiTalkRateWindowMs', 60_000));
		const perHour = Number(setting('multiTalkHourlyLimit', 0));
		while (state.hits.length && t - state.hits[0] >= 3_600_000) state.hits.shift();
		if (perWindow > 0) {
			const inWindow = state.hits.filter((h) => t - h < windowMs);
			if (inWindow.length > perWindow) {
				state.hits.pop(); // a refused request does not count
				const retryAfter = Math.max(1, Math.ceil((inWindow[0] + windowMs - t) / 1000));
				res.json(429, errorBody('Too Many Requests', `Rate limit exceeded: ${perWindow} requests per ${Math.round(windowMs / 1000)} seconds`), {
					'retry-after': String(retryAfter),
				});
				return false;
			}
		}
		if (perHour > 0 && state.hits.length > perHour) {
			state.hits.pop();
			const retryAfter = Math.max(1, Math.ceil((state.hits[0] + 3_600_000 - t) / 1000));
			res.json(429, errorBody('Too Many Requests', `Rate limit exceeded: ${perHour} requests per hour`), {
				'retry-after': String(retryAfter),
			});
			return false;
		}
		return true;
	};

	// ---- job lifecycle -------------------------------------------------------------------
	const touch = (job: EmuJob, status: JobStatus) => {
		job.status = status;
		job.updated_at = now();
	};

	/** Starts pending jobs, oldest first, while the plan has free slots. */
	const schedule = () => {
		const limit = Math.max(1, Number(setting('multiTalkConcurrentJobs', 10)));
		for (const id of state.order) {
			if (state.processingNow >= limit) return;
			const job = state.jobs.get(id) as EmuJob;
			if (job.status !== 'pending' || !job.queued) continue;
			start(job);
		}
	};

	const start = (job: EmuJob) => {
		touch(job, 'processing');
		job.timeline.startedAt = Date.now();
		state.processingNow++;
		state.maxProcessing = Math.max(state.maxProcessing, state.processingNow);
		if (job.mode === 'stuck') return;
		if (job.mode === 'missingInput') {
			later(Math.min(job.processMs, 20), () => finish(job, 'failed'));
			return;
		}
		// progress moves in steps; `#fail` jobs fail half-way
		const steps = 4;
		for (let i = 1; i < steps; i++) {
			later((job.processMs * i) / steps, () => {
				if (job.status !== 'processing') return;
				job.progress = Math.round((100 * i) / steps);
				job.updated_at = now();
				if (job.mode === 'fail' && i === 2) finish(job, 'failed');
			});
		}
		later(job.processMs, () => {
			if (job.status === 'processing') finish(job, 'completed');
		});
	};

	const finish = (job: EmuJob, status: 'completed' | 'failed' | 'cancelled') => {
		const wasProcessing = job.status === 'processing';
		touch(job, status);
		job.timeline.finishedAt = Date.now();
		if (wasProcessing) state.processingNow--;
		if (status === 'completed') {
			const bucket = (job.request.output_s3_bucket as string | undefined) ?? 'multitalk-outputs';
			const prefix = (job.request.output_s3_prefix as string | undefined) ?? 'outputs/';
			const file = `video_${job.job_id}.mp4`;
			job.outputKey = `${bucket}/${prefix}${file}`.replace(/\/{2,}/g, '/');
			emulator.store.put(job.outputKey, fixture('sample.mp4'), 'video/mp4');
			job.progress = 100;
			job.result = {
				success: true,
				s3_output: `s3://${job.outputKey}`,
				duration: 5.2,
				frames: 81,
				processing_time: Math.round(((job.timeline.finishedAt - (job.timeline.startedAt ?? job.timeline.submittedAt)) / 1000) * 10) / 10,
			};
		} else if (status === 'failed') {
			job.error =
				job.mode === 'missingInput'
					? `Could not read input file: NoSuchKey (${[job.request.image_s3_url, ...[job.request.audio_s3_urls].flat()].find((u) => String(u).includes('missing'))})`
					: 'CUDA out of memory: generation failed at step 10 of 20';
		}
		const webhookUrl = job.request.webhook_url;
		if (typeof webhookUrl === 'string' && webhookUrl) {
			deliverEvent(job.job_id, webhookUrl, status, {
				job_id: job.job_id,
				status,
				timestamp: now(),
				result: job.result,
				error: job.error,
			});
		}
		schedule();
	};

	// ---- webhooks ------------------------------------------------------------------------
	/** One POST with the documented per-attempt timeout. */
	const post = async (url: string, payload: unknown): Promise<{ httpStatus?: number; error?: string; ms: number }> => {
		const started = performance.now();
		const controller = new AbortController();
		aborts.add(controller);
		const timeoutMs = Number(setting('multiTalkWebhookTimeoutMs', 10_000));
		const timer = setTimeout(() => controller.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
		try {
			const response = await fetch(url, {
				method: 'POST',
				headers: { 'content-type': 'application/json', 'user-agent': 'MultiTalk-Webhook/1.0' },
				body: JSON.stringify(payload),
				signal: controller.signal,
			});
			await response.arrayBuffer().catch(() => undefined);
			return { httpStatus: response.status, ms: performance.now() - started };
		} catch (error) {
			const reason = controller.signal.aborted ? controller.signal.reason : error;
			return { error: String((reason as Error)?.message ?? reason), ms: performance.now() - started };
		} finally {
			clearTimeout(timer);
			aborts.delete(controller);
		}
	};

	/** One delivery: the first try and up to N retries with exponential backoff. */
	const deliverOnce = async (jobId: string, url: string, status: WebhookAttempt['status'], payload: Record<string, unknown>, delivery: number) => {
		const retries = Number(setting('multiTalkWebhookRetries', 3));
		const base = Number(setting('multiTalkWebhookBackoffMs', 1000));
		const ignore = Number(setting('multiTalkWebhookIgnoreResponses', 0));
		const mine = generation;
		for (let attempt = 1; attempt <= retries + 1; attempt++) {
			if (closed || mine !== generation) return;
			const outcome = await post(url, payload);
			const ok = outcome.httpStatus !== undefined && outcome.httpStatus >= 200 && outcome.httpStatus < 300 && attempt > ignore;
			if (mine !== generation) return;
			state.webhookAttempts.push({ jobId, url, status, delivery, attempt, at: Date.now(), ...outcome, ok, payload });
			if (ok || attempt > retries) return;
			await pause(base * 2 ** (attempt - 1));
		}
	};

	const track = (promise: Promise<void>) => {
		deliveries.add(promise);
		void promise.finally(() => deliveries.delete(promise));
	};

	const deliverEvent = (jobId: string, url: string, status: WebhookAttempt['status'], payload: Record<string, unknown>) => {
		const copies = Math.max(1, Number(setting('multiTalkWebhookDuplicates', 1)));
		if (setting('multiTalkWebhookConcurrentDuplicates', false)) {
			for (let d = 1; d <= copies; d++) track(deliverOnce(jobId, url, status, payload, d));
			return;
		}
		track(
			(async () => {
				for (let d = 1; d <= copies; d++) await deliverOnce(jobId, url, status, payload, d);
			})(),
		);
	};

	// ---- routes --------------------------------------------------------------------------
	const notFound = (res: EmuResponse, id: string) => res.json(404, errorBody('Not Found', `Job ${id} not found`));

	app.route('POST', '/api/v1/generate', (req, res) => {
		if (!guard(req, res)) return;
		if (req.bodyInvalid) return res.json(400, errorBody('Bad Request', 'Request body is not valid JSON'));
		const problem = validateGenerate(req.body);
		if (problem) return res.json(400, errorBody('Bad Request', problem));
		const body = req.body as Record<string, unknown>;
		const prompt = String(body.prompt);
		const inputs = [body.image_s3_url, ...[body.audio_s3_urls].flat()].map(String);
		const custom = /#ms=(\d+)/i.exec(prompt);
		const created = now();
		const job: EmuJob = {
			job_id: randomUUID(),
			status: 'pending',
			created_at: created,
			updated_at: created,
			progress: 0,
			result: null,
			error: null,
			metadata: {},
			request: body,
			timeline: { submittedAt: Date.now() },
			processMs: custom ? Number(custom[1]) : Number(setting('multiTalkJobMs', 300)),
			queued: false,
			mode: /#fail/i.test(prompt)
				? 'fail'
				: /#stuck/i.test(prompt)
					? 'stuck'
					: inputs.some((u) => u.replace(/^s3:\/\/[^/]+\//, '').includes('missing'))
						? 'missingInput'
						: 'normal',
		};
		state.jobs.set(job.job_id, job);
		state.order.push(job.job_id);
		later(Number(setting('multiTalkPendingMs', 30)), () => {
			job.queued = true;
			schedule();
		});
		// doc silent on the status code: the example shows a plain 200 with the job
		res.json(200, { job_id: job.job_id, status: job.status, created_at: job.created_at, message: 'Job submitted successfully' });
	});

	app.route('GET', '/api/v1/jobs', (req, res) => {
		if (!guard(req, res)) return;
		const raw = req.query.get('limit');
		const limit = raw === null ? 10 : Number(raw);
		if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
			return res.json(400, errorBody('Bad Request', 'limit: must be an integer from 1 to 100'));
		}
		const jobs = [...state.order]
			.reverse()
			.slice(0, limit)
			.map((id) => {
				const j = state.jobs.get(id) as EmuJob;
				return { job_id: j.job_id, status: j.status, created_at: j.created_at, updated_at: j.updated_at };
			});
		res.json(200, { jobs, count: jobs.length });
	});

	app.route('GET', '/api/v1/jobs/:id', (req, res) => {
		if (!guard(req, res)) return;
		const job = state.jobs.get(req.params.id);
		if (!job) return notFound(res, req.params.id);
		res.json(200, {
			job_id: job.job_id,
			status: job.status,
			created_at: job.created_at,
			updated_at: job.updated_at,
			progress: job.progress,
			result: job.result,
			error: job.error,
			metadata: job.metadata,
		});
	});

	app.route('DELETE', '/api/v1/jobs/:id', (req, res) => {
		if (!guard(req, res)) return;
		const job = state.jobs.get(req.params.id);
		if (!job) return notFound(res, req.params.id);
		if (TERMINAL.has(job.status)) {
			// doc silent: "Cancel a pending or processing job"; anything else is a 400
			return res.json(400, errorBody('Bad Request', `Job ${job.job_id} is already ${job.status} and cannot be cancelled`));
		}
		finish(job, 'cancelled');
		res.json(200, { job_id: job.job_id, status: 'cancelled', message: 'Job cancelled' });
	});

	app.route('GET', '/api/v1/jobs/:id/download', (req, res) => {
		if (!guard(req, res)) return;
		const raw = req.query.get('expiration');
		const expiration = raw === null ? 3600 : Number(raw);
		if (!Number.isInteger(expiration) || expiration < 1 || expiration > 86400) {
			return res.json(400, errorBody('Bad Request', 'expiration: must be an integer from 1 to 86400 seconds'));
		}
		const job = state.jobs.get(req.params.id);
		if (!job) return notFound(res, req.params.id);
		if (job.status !== 'completed' || !job.outputKey) {
			// doc silent: a download of an unfinished job is a 400 naming its status
			return res.json(400, errorBody('Bad Request', `Job ${job.job_id} is not completed (status: ${job.status})`));
		}
		res.json(200, {
			job_id: job.job_id,
			download_url: emulator.store.presign(job.outputKey, expiration, 'multiTalk'),
			expires_in: expiration,
			s3_uri: `s3://${job.outputKey}`,
		});
	});

	app.route('GET', '/api/v1/health', (req, res) => {
		if (!guard(req, res)) return;
		res.json(200, { status: 'healthy', version: 'v1', timestamp: now() });
	});

	app.route('POST', '/api/v1/webhook-test', async (req, res) => {
		if (!guard(req, res)) return;
		if (req.bodyInvalid) return res.json(400, errorBody('Bad Request', 'Request body is not valid JSON'));
		const url = isObject(req.body) ? req.body.webhook_url : undefined;
		let valid = false;
		try {
			valid = typeof url === 'string' && /^https?:$/.test(new URL(url).protocol);
		} catch {
			valid = false;
		}
		if (!valid) return res.json(400, errorBody('Bad Request', 'webhook_url: field required (an http(s) URL)'));
		// doc silent on both the test payload and the answer: the payload has the documented
		// shape with status "test"; one attempt (no retries), and the answer says how it went.
		const payload = { job_id: 'webhook-test', status: 'test', timestamp: now(), result: null, error: null };
		const started = Date.now();
		const outcome = await post(url as string, payload);
		const ok = outcome.httpStatus !== undefined && outcome.httpStatus >= 200 && outcome.httpStatus < 300;
		state.webhookAttempts.push({ jobId: 'webhook-test', url: url as string, status: 'test', delivery: 1, attempt: 1, at: Date.now(), ...outcome, ok, payload });
		res.json(200, {
			webhook_url: url,
			success: ok,
			status_code: outcome.httpStatus ?? null,
			response_time_ms: Date.now() - started,
			error: ok ? null : (outcome.error ?? `Webhook answered HTTP ${outcome.httpStatus}`),
			message: ok ? 'Test webhook delivered' : 'Test webhook delivery failed',
		});
	});

	// ---- control API (for tests in another process) --------------------------------------
	app.control('GET', '/multitalk/jobs', (_req, res) => res.json(200, state.order.map((id) => state.jobs.get(id))));
	app.control('GET', '/multitalk/webhooks', (_req, res) => res.json(200, state.webhookAttempts));
	app.control('GET', '/multitalk/stats', (_req, res) =>
		res.json(200, {
			jobs: state.order.length,
			processingNow: state.processingNow,
			maxProcessing: state.maxProcessing,
			maxInFlight: maxOverlap([...state.jobs.values()], 'submittedAt'),
			pendingDeliveries: deliveries.size,
		}),
	);
	app.control('POST', '/multitalk/settings', (req, res) => {
		if (!isObject(req.body)) return res.json(400, { detail: 'Send a JSON object of settings' });
		Object.assign(emulator.settings, req.body);
		res.json(200, emulator.settings);
	});
	app.control('DELETE', '/multitalk/state', (_req, res) => {
		state.reset();
		res.json(200, { cleared: true });
	});
}
