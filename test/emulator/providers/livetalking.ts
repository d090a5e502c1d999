import { randomUUID } from 'node:crypto';

import { fixture } from '../media';
import type { Emulator } from '../server';
import { checkFirebaseIdToken } from './firebase';
import type { EmuRequest, EmuResponse } from '../types';

/**
 * Avatar-streaming backend stand-in (../shared/provider-apis/livetalking-avatar-streaming.md):
 * the FastAPI "video-clone-backend" in front of a LiveTalking server, under `/api/v1/avatar`.
 * - Firebase Bearer token on every route but `/health` (401 `{detail}` otherwise).
 * - Request bodies validated the way FastAPI/pydantic v2 does (422 `{detail: [{type, loc, msg,
 *   input, ctx?}]}`, lax mode: "123" and 123.0 are integers, "true" is a boolean).
 * - Recording state per WebRTC session: `start` -> recording, `stop` -> a recording exists;
 *   download without a stopped recording is the documented 404. A download stores the
 *   recording (the sample MP4) in the emulator's object store and answers with a presigned
 *   URL on the S3 origin.
 * - "LiveTalking server unavailable": `emulator.settings.liveTalkingUp = false` (or
 *   `POST /__emulator/livetalking/server {"up": false}`) makes every route that talks to
 *   LiveTalking answer the documented 503, and `/health` report it unavailable.
 *
 * Knobs: `liveTalkingServerUrl` (the LIVETALKING_URL the backend reports; default
 * http://localhost:8010), `liveTalkingLinkExpiresSeconds` (lifetime of the presigned download
 * links; default 3600, 0 gives links that have expired by the time they are used),
 * `storageOnApiOrigin` (true: download links point at this backend's own origin under /storage/,
 * as when the deployment serves S3-compatible storage behind its own host; see providers/s3.ts).
 */
export const LIVETALKING_USER_ID = 'emulator-user';
export const LIVETALKING_UNAVAILABLE = 'LiveTalking server unavailable: Connection refused';
export const LIVETALKING_NO_RECORDING = 'No recording found. Make sure you stopped recording before downloading.';

interface RecordingState {
	state: 'recording' | 'stopped';
	/** Set once stopped: the recording the next download fetches. */
	available: boolean;
}

interface ValidationError {
	type: string;
	loc: Array<string | number>;
	msg: string;
	input: unknown;
	ctx?: Record<string, unknown>;
}

type FieldCheck = (value: unknown, loc: Array<string | number>) => { value: unknown } | ValidationError;

/** pydantic v2 `int` in lax mode. */
const int: FieldCheck = (value, loc) => {
	if (typeof value === 'number') {
		if (Number.isInteger(value)) return { value };
		return { type: 'int_from_float', loc, msg: 'Input should be a valid integer, got a number with a fractional part', input: value };
	}
	if (typeof value === 'string') {
		const trimmed = value.trim();
		if (/^[+-]?\d+$/.test(trimmed)) return { value: Number(trimmed) };
		return { type: 'int_parsing', loc, msg: 'Input should be a valid integer, unable to parse string as an integer', input: value };
	}
	if (typeof value === 'boolean') return { value: value ? 1 : 0 };
	return { type: 'int_type', loc, msg: 'Input should be a valid integer', input: value };
};

/** pydantic v2 `str` with optional length limits (counted in code points, as Python does). */
const str =
	(min?: number, max?: number): FieldCheck =>
	(value, loc) => {
		if (typeof value !== 'string') return { type: 'string_type', loc, msg: 'Input should be a valid string', input: value };
		const length = [...value].length;
		if (min !== undefined && length < min) {
			return {
				type: 'string_too_short',
				loc,
				msg: `String should have at least ${min} character${min === 1 ? '' : 's'}`,
				input: value,
				ctx: { min_length: min },
			};
		}
		if (max !== undefined && length > max) {
			return {
				type: 'string_too_long',
				loc,
				msg: `String should have at most ${max} character${max === 1 ? '' : 's'}`,
				input: value,
				ctx: { max_length: max },
			};
		}
		return { value };
	};

/** pydantic v2 `bool` in lax mode. */
const bool: FieldCheck = (value, loc) => {
	if (typeof value === 'boolean') return { value };
	if (value === 0 || value === 1) return { value: value === 1 };
	if (typeof value === 'string') {
		const v = value.trim().toLowerCase();
		if (['true', '1', 'yes', 'on', 't', 'y'].includes(v)) return { value: true };
		if (['false', '0', 'no', 'off', 'f', 'n'].includes(v)) return { value: false };
	}
	return { type: 'bool_parsing', loc, msg: 'Input should be a valid boolean, unable to interpret input', input: value };
};

const literal =
	(...allowed: string[]): FieldCheck =>
	(value, loc) => {
		if (typeof value === 'string' && allowed.includes(value)) return { value };
		const expected = allowed.map((a) => `'${a}'`).join(' or ');
		return { type: 'literal_error', loc, msg: `Input should be ${expected}`, input: value, ctx: { expected } };
	};

interface FieldSpec {
	check: FieldCheck;
	required: boolean;
	default?: unknown;
	nullable?: boolean;
}

/** Validates a JSON body against a model; answers the 422 itself and returns undefined on failure. */
function validate(req: EmuRequest, res: EmuResponse, model: Record<string, FieldSpec>): Record<string, unknown> | undefined {
	if (req.bodyInvalid) {
		res.json(422, { detail: [{ type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error', input: {}, ctx: { error: 'Expecting value' } }] });
		return undefined;
	}
	const body = req.body;
	if (body === undefined || body === null) {
		res.json(422, { detail: [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }] });
		return undefined;
	}
	if (typeof body !== 'object' || Array.isArray(body)) {
		res.json(422, {
			detail: [{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: body }],
		});
		return undefined;
	}
	const input = body as Record<string, unknown>;
	const errors: ValidationError[] = [];
	const out: Record<string, unknown> = {};
	for (const [name, spec] of Object.entries(model)) {
		const loc = ['body', name];
		if (!(name in input)) {
			if (spec.required) errors.push({ type: 'missing', loc, msg: 'Field required', input });
			else out[name] = spec.default;
			continue;
		}
		if (input[name] === null && spec.nullable) {
			out[name] = null;
			continue;
		}
		const result = spec.check(input[name], loc);
		if ('type' in result) errors.push(result);
		else out[name] = result.value;
	}
	if (errors.length) {
		res.json(422, { detail: errors });
		return undefined;
	}
	return out;
}

export function register(emulator: Emulator): void {
	const app = emulator.app('liveTalking');
	const recordings = new Map<number, RecordingState>();
	const serverUrl = () => String(emulator.settings.liveTalkingServerUrl ?? 'http://localhost:8010');
	const up = () => emulator.settings.liveTalkingUp !== false;

	const authorized = (req: EmuRequest, res: EmuResponse): boolean => {
		if (!req.headers.authorization) {
			res.json(401, { detail: 'Not authenticated' });
			return false;
		}
		// The emulator's fixed token (pasted into the credential) or a Firebase ID token minted by
		// providers/firebase.ts and not yet expired by its clock.
		if (req.bearer !== emulator.keys.liveTalking && checkFirebaseIdToken(emulator, req.bearer) !== 'valid') {
			res.json(401, { detail: 'Invalid or expired Firebase token' });
			return false;
		}
		return true;
	};

	/** The backend could not reach LiveTalking: the documented 503. */
	const unavailable = (res: EmuResponse): boolean => {
		if (up()) return false;
		res.json(503, { detail: LIVETALKING_UNAVAILABLE });
		return true;
	};

	app.control('POST', '/livetalking/server', (req, res) => {
		const body = (req.body ?? {}) as { up?: unknown };
		emulator.settings.liveTalkingUp = body.up !== false;
		res.json(200, { up: up() });
	});
	app.control('DELETE', '/livetalking/recordings', (_req, res) => {
		recordings.clear();
		res.json(200, { cleared: true });
	});

	app.route('GET', '/api/v1/avatar/session', (req, res) => {
		if (!authorized(req, res)) return;
		const base = serverUrl();
		res.json(200, { webrtc_url: `${base}/offer`, human_url: `${base}/human`, record_url: `${base}/record` });
	});

	app.route('POST', '/api/v1/avatar/send-text', (req, res) => {
		if (!authorized(req, res)) return;
		const body = validate(req, res, {
			session_id: { check: int, required: true },
			text: { check: str(1, 5000), required: true },
			interrupt: { check: bool, required: false, default: true },
		});
		if (!body || unavailable(res)) return;
		res.json(200, { success: true, message: 'Text sent successfully' });
	});

	app.route('POST', '/api/v1/avatar/recording', (req, res) => {
		if (!authorized(req, res)) return;
		const body = validate(req, res, {
			session_id: { check: int, required: true },
			action: { check: literal('start', 'stop'), required: true },
		});
		if (!body || unavailable(res)) return;
		const sessionId = body.session_id as number;
		if (body.action === 'start') {
			recordings.set(sessionId, { state: 'recording', available: false });
			return res.json(200, { success: true, message: 'Recording started' });
		}
		// LiveTalking stops whatever is (or is not) running and answers OK either way; only a
		// recording that was actually running leaves a file behind.
		const current = recordings.get(sessionId);
		if (current?.state === 'recording') recordings.set(sessionId, { state: 'stopped', available: true });
		res.json(200, { success: true, message: 'Recording stopped' });
	});

	app.route('POST', '/api/v1/avatar/recording/download', (req, res) => {
		if (!authorized(req, res)) return;
		const body = validate(req, res, {
			session_id: { check: int, required: true },
			title: { check: str(undefined, 255), required: false, default: null, nullable: true },
		});
		if (!body || unavailable(res)) return;
		const current = recordings.get(body.session_id as number);
		if (!current || current.state !== 'stopped' || !current.available) {
			return res.json(404, { detail: LIVETALKING_NO_RECORDING });
		}
		const recordingId = randomUUID();
		const s3Key = `avatar-recordings/${LIVETALKING_USER_ID}/${recordingId}.mp4`;
		emulator.store.put(s3Key, fixture('sample.mp4'), 'video/mp4');
		res.json(200, {
			success: true,
			message: 'Recording downloaded and saved',
			recording_id: recordingId,
			download_url: emulator.store.presign(s3Key, Number(emulator.settings.liveTalkingLinkExpiresSeconds ?? 3600), 'liveTalking'),
			s3_key: s3Key,
		});
	});

	app.route('GET', '/api/v1/avatar/health', (_req, res) => {
		res.json(200, { livetalking_available: up(), livetalking_url: serverUrl() });
	});
}
