/**
 * AvatarTalk stand-in, Lightning and LiveKit endpoints (../shared/provider-apis/avatartalk.md,
 * "LiveKit Session Management" and "Lightning Network Payment Endpoints"), on the same origin
 * as ./avatartalk.ts.
 *
 * Invoices are real BOLT #11 invoices, signed by a test Lightning node key with the `bolt11`
 * library: the amount is exactly the `amount` (sats) the response states, with a payment hash,
 * a payment secret, a description and an expiry. Nobody can pay them on a real network; they
 * are paid through the control route or `payLightningInvoice()`.
 *
 * Knobs, all in `emulator.settings` (read when used, so tests may change them):
 * - lightningSatsPerSecond (10): price; 4.5 s of video costs 45 sats (`lnbc450n...`).
 * - lightningUsdPerSat (0.000333): for `amount_usd`.
 * - lightningInvoiceExpirySeconds (600): the invoices' `x` field.
 * - lightningNetwork ('bc'): invoice network prefix (bc, tb, bcrt...).
 * - lightningAutoPayAfterMs (off): mark every new invoice paid after this many ms.
 * - lightningPaymentGraceMs (100): how long generate-video waits for an unpaid invoice before
 *   answering 400 "Invoice not paid in time.".
 * - lightningVideoBytes: stream an MP4 of this size (padded fixture) instead of the 44 kB one.
 * - lightningChunkDelayMs (2): pause between streamed chunks.
 *
 * Control routes: POST /__emulator/lightning/pay {invoice} (the demo "pays" this way),
 * GET /__emulator/lightning/state.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';

import * as bolt11 from 'bolt11';

import { chunked, fixture, largeMp4 } from '../media';
import type { Emulator } from '../server';
import { delay, num, perEmulator } from '../state';
import type { EmuRequest } from '../types';
import { AVATARS, AVATARTALK_NO_CREDITS_KEY, EMOTIONS, ERRORS, LANGUAGES } from './avatartalk';

// The document's lists live in the AvatarTalk stand-in (not imported from the node, so the
// emulator checks the node); Lightning also accepts `expressive`, as documented.
const EMOTIONS_WITH_EXPRESSIVE = [...EMOTIONS, 'expressive'];

/** The emulator's Lightning node: a fixed test signing scalar (derived, never a real wallet). */
const NODE_SIGNER = createHash('sha256').update('n8n-nodes-talking-avatars emulator lightning node').digest('hex');

export interface LightningPaymentRecord {
	id: number;
	invoice: string;
	amount_sat: number;
	amount_usd: number;
	status: 'pending' | 'paid';
	created_at: string;
	paid_at: string | null;
	/** Not part of the API: what was requested, for assertions. */
	source: 'text' | 'audio';
	duration: number;
	text?: string;
	audioFileName?: string;
	audioBytes?: number;
	paymentHash: string;
	expiresAt: number;
	/** Every successful generate-video call: what it asked for and what was used. */
	generations: Array<{ avatar: string; emotion: string; effectiveEmotion: string; language: string }>;
}

export interface LiveKitSessionRecord {
	task_id: string;
	room_name: string;
	room_token: string;
	listener_token: string;
	livekit_url: string;
	avatar: string;
	/** As sent. */
	emotion: string;
	/** What the avatar uses: `expressive` becomes `neutral`, as documented. */
	effectiveEmotion: string;
	apiKey: string;
	created_at: string;
	deleted_at?: string;
}

export interface LightningState {
	payments: Map<string, LightningPaymentRecord>;
	liveKitSessions: Map<string, LiveKitSessionRecord>;
	/** Deleted sessions, for assertions. */
	deletedSessions: LiveKitSessionRecord[];
	/** The test node's public key: every invoice's payee. */
	nodePublicKey: string;
}

export const lightningState = perEmulator<LightningState>(() => ({ payments: new Map(), liveKitSessions: new Map(), deletedSessions: [], nodePublicKey: '' }));

/** Marks an invoice paid (what a wallet paying it would cause). Returns false when unknown. */
export function payLightningInvoice(emulator: Emulator, invoice: string): boolean {
	const record = lightningState(emulator).payments.get(invoice.trim().toLowerCase());
	if (!record) return false;
	if (record.status !== 'paid') {
		record.status = 'paid';
		record.paid_at = new Date().toISOString();
	}
	return true;
}

const NETWORKS: Record<string, { bech32: string; pubKeyHash: number; scriptHash: number; validWitnessVersions: number[] }> = {
	bc: { bech32: 'bc', pubKeyHash: 0x00, scriptHash: 0x05, validWitnessVersions: [0, 1] },
	tb: { bech32: 'tb', pubKeyHash: 0x6f, scriptHash: 0xc4, validWitnessVersions: [0, 1] },
	bcrt: { bech32: 'bcrt', pubKeyHash: 0x6f, scriptHash: 0xc4, validWitnessVersions: [0, 1] },
};

function looksLikeJwt(value: string): boolean {
	return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(value);
}

export function register(emulator: Emulator): void {
	const app = emulator.app('avatarTalk');
	const state = lightningState(emulator);
	const setting = (name: string) => emulator.settings[name];
	let nextPaymentId = 1;

	const timers = new Set<NodeJS.Timeout>();
	emulator.onClose(() => {
		for (const timer of timers) clearTimeout(timer);
		timers.clear();
	});

	/** Creates and signs a BOLT #11 invoice for `amountSat`, and records it as pending. */
	const issueInvoice = (duration: number, source: LightningPaymentRecord['source'], extra: Partial<LightningPaymentRecord>) => {
		const amountSat = Math.max(1, Math.ceil(duration * num(setting('lightningSatsPerSecond'), 10)));
		const preimage = randomBytes(32);
		const paymentHash = createHash('sha256').update(preimage).digest('hex');
		const expiry = Math.max(1, Math.floor(num(setting('lightningInvoiceExpirySeconds'), 600)));
		const timestamp = Math.floor(Date.now() / 1000);
		const network = NETWORKS[String(setting('lightningNetwork') ?? 'bc')] ?? NETWORKS.bc;
		const unsigned = bolt11.encode({
			network,
			satoshis: amountSat,
			timestamp,
			tags: [
				{ tagName: 'payment_hash', data: paymentHash },
				{ tagName: 'payment_secret', data: randomBytes(32).toString('hex') },
				{ tagName: 'description', data: `AvatarTalk video (${duration} s)` },
				{ tagName: 'expire_time', data: expiry },
				{ tagName: 'min_final_cltv_expiry', data: 18 },
			],
		});
		const signed = bolt11.sign(unsigned, NODE_SIGNER);
		const invoice = signed.paymentRequest as string;
		state.nodePublicKey = signed.payeeNodeKey as string;
		const record: LightningPaymentRecord = {
			id: nextPaymentId++,
			invoice,
			amount_sat: amountSat,
			amount_usd: Math.round(amountSat * num(setting('lightningUsdPerSat'), 0.000333) * 100) / 100,
			status: 'pending',
			created_at: new Date(timestamp * 1000).toISOString(),
			paid_at: null,
			source,
			duration,
			paymentHash,
			expiresAt: (timestamp + expiry) * 1000,
			generations: [],
			...extra,
		};
		state.payments.set(invoice, record);
		const autoPay = num(setting('lightningAutoPayAfterMs'), -1);
		if (autoPay >= 0) {
			const timer = setTimeout(() => {
				timers.delete(timer);
				payLightningInvoice(emulator, invoice);
			}, autoPay);
			timers.add(timer);
		}
		return { duration, bolt11_invoice: invoice, amount: amountSat };
	};

	const paymentJson = (r: LightningPaymentRecord, withId: boolean) => ({
		...(withId ? { id: r.id } : {}),
		invoice: r.invoice,
		amount_sat: r.amount_sat,
		amount_usd: r.amount_usd,
		status: r.status,
		created_at: r.created_at,
		paid_at: r.paid_at,
	});

	const jsonObject = (req: EmuRequest): Record<string, unknown> | undefined => {
		const body = req.body;
		return !req.bodyInvalid && body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
	};

	// ---- Lightning ---------------------------------------------------------------------------
	// The document says the request endpoints need no API key; an Authorization header is ignored.
	app.route('POST', '/lightning/request-video/text', (req, res) => {
		const body = jsonObject(req);
		if (!body) return res.json(400, ERRORS.invalidParameters({ body: 'must be a JSON object' }));
		if (typeof body.text !== 'string' || body.text.trim() === '') {
			return res.json(400, ERRORS.invalidParameters({ text: 'is required and must be a non-empty string' }));
		}
		// About 15 characters of speech per second, at least one second.
		const duration = Math.max(1, Math.round((body.text.trim().length / 15) * 10) / 10);
		res.json(200, issueInvoice(duration, 'text', { text: body.text }));
	});

	app.route('POST', '/lightning/request-video/audio', (req, res) => {
		const part = req.parts.find((p) => p.name === 'audio' && p.fileName !== undefined);
		if (!part) return res.json(400, { detail: 'Audio file is required' });
		if (!/\.wav$/i.test(part.fileName ?? '')) {
			return res.json(400, { detail: 'Only WAV files are supported. Please upload a .wav file.' });
		}
		const data = part.data;
		if (data.length < 44) return res.json(400, { detail: 'Invalid WAV file: too small' });
		if (data.toString('latin1', 0, 4) !== 'RIFF' || data.toString('latin1', 8, 12) !== 'WAVE') {
			return res.json(400, { detail: 'Invalid WAV file: not a RIFF/WAVE file' });
		}
		// Actual duration: data chunk bytes / byte rate (fmt chunk), as Python's wave module reads it.
		let byteRate = 0;
		let dataBytes = 0;
		for (let offset = 12; offset + 8 <= data.length; ) {
			const id = data.toString('latin1', offset, offset + 4);
			const size = data.readUInt32LE(offset + 4);
			if (id === 'fmt ' && offset + 20 <= data.length) byteRate = data.readUInt32LE(offset + 16);
			if (id === 'data') {
				dataBytes = Math.min(size, data.length - offset - 8);
				break;
			}
			offset += 8 + size + (size % 2);
		}
		if (!byteRate) return res.json(400, { detail: 'Invalid WAV file: no fmt chunk' });
		const duration = Math.max(0.1, Math.round((dataBytes / byteRate) * 10) / 10);
		res.json(200, issueInvoice(duration, 'audio', { audioFileName: part.fileName, audioBytes: data.length }));
	});

	app.route('POST', '/lightning/generate-video', async (req, res) => {
		const body = jsonObject(req);
		if (!body) return res.json(400, ERRORS.invalidParameters({ body: 'must be a JSON object' }));
		const details: Record<string, string> = {};
		if (typeof body.bolt11_invoice !== 'string' || body.bolt11_invoice.trim() === '') details.bolt11_invoice = 'is required';
		if (typeof body.avatar !== 'string' || !AVATARS.includes(body.avatar)) details.avatar = `must be one of: ${AVATARS.join(', ')}`;
		if (typeof body.emotion !== 'string' || !EMOTIONS_WITH_EXPRESSIVE.includes(body.emotion)) {
			details.emotion = `must be one of: ${EMOTIONS_WITH_EXPRESSIVE.join(', ')}`;
		}
		if (body.language !== undefined && (typeof body.language !== 'string' || !LANGUAGES.includes(body.language))) {
			details.language = `must be one of: ${LANGUAGES.join(', ')}`;
		}
		if (Object.keys(details).length) return res.json(400, ERRORS.invalidParameters(details));
		const invoice = (body.bolt11_invoice as string).trim();
		const record = state.payments.get(invoice.toLowerCase());
		if (!record) return res.json(404, { detail: `Invoice ${invoice} not found.` });
		// The server waits a little for a payment in flight, then gives up.
		const waitUntil = Date.now() + num(setting('lightningPaymentGraceMs'), 100);
		while (record.status !== 'paid' && Date.now() < waitUntil) await delay(20);
		if (record.status !== 'paid') return res.json(400, { detail: 'Invoice not paid in time.' });

		const emotion = body.emotion as string;
		record.generations.push({
			avatar: body.avatar as string,
			emotion,
			effectiveEmotion: emotion === 'expressive' ? 'neutral' : emotion,
			language: (body.language as string | undefined) ?? 'en',
		});
		const big = num(setting('lightningVideoBytes'), 0);
		const pause = num(setting('lightningChunkDelayMs'), 2);
		const source = big > 0 ? largeMp4(big, 256 * 1024) : chunked(fixture('sample.mp4'), 8 * 1024);
		await res.stream(
			200,
			{ 'content-type': 'video/mp4', 'cache-control': 'no-cache' },
			(async function* () {
				let first = true;
				for await (const chunk of source) {
					if (!first && pause > 0) await delay(pause);
					first = false;
					yield chunk;
				}
			})(),
		);
	});

	app.route('GET', '/lightning/payment/:invoice', (req, res) => {
		const record = state.payments.get(req.params.invoice.trim().toLowerCase());
		if (!record) return res.json(404, { detail: 'Payment not found' });
		res.json(200, paymentJson(record, false));
	});

	app.route('GET', '/lightning/payments', (req, res) => {
		if (req.bearer !== emulator.keys.avatarTalk && req.bearer !== noCreditsKey()) return res.json(401, ERRORS.invalidKey);
		res.json(
			200,
			[...state.payments.values()].sort((a, b) => a.id - b.id).map((r) => paymentJson(r, true)),
		);
	});

	app.control('POST', '/lightning/pay', (req, res) => {
		const invoice = String((jsonObject(req) ?? {}).invoice ?? '').trim();
		if (!invoice) return res.json(400, { detail: 'Send {"invoice": "<bolt11 invoice>"}' });
		if (!payLightningInvoice(emulator, invoice)) return res.json(404, { detail: 'Payment not found' });
		res.json(200, paymentJson(state.payments.get(invoice.toLowerCase()) as LightningPaymentRecord, true));
	});

	app.control('GET', '/lightning/state', (_req, res) => {
		res.json(200, {
			payments: [...state.payments.values()],
			liveKitSessions: [...state.liveKitSessions.values()],
			deletedSessions: state.deletedSessions,
			nodePublicKey: state.nodePublicKey,
		});
	});

	// ---- LiveKit sessions ----------------------------------------------------------------------
	const noCreditsKey = () => String(setting('avatarTalkNoCreditsKey') ?? AVATARTALK_NO_CREDITS_KEY);

	app.route('POST', '/livekit/create-session', (req, res) => {
		if (req.bearer === noCreditsKey()) return res.json(403, ERRORS.noCredits);
		if (req.bearer !== emulator.keys.avatarTalk) return res.json(401, ERRORS.invalidKey);
		const body = jsonObject(req);
		if (!body) return res.json(400, ERRORS.invalidParameters({ body: 'must be a JSON object' }));
		const details: Record<string, string> = {};
		for (const field of ['room_name', 'room_token', 'listener_token', 'livekit_url', 'avatar', 'emotion']) {
			if (typeof body[field] !== 'string' || (body[field] as string).trim() === '') details[field] = 'Field required';
		}
		const text = (field: string) => (typeof body[field] === 'string' ? (body[field] as string) : '');
		if (!details.room_token && !looksLikeJwt(text('room_token'))) details.room_token = 'must be a LiveKit access token (JWT)';
		if (!details.listener_token && !looksLikeJwt(text('listener_token'))) details.listener_token = 'must be a LiveKit access token (JWT)';
		if (!details.livekit_url && !/^wss?:\/\/[^/\s]+/i.test(text('livekit_url'))) details.livekit_url = 'must be a ws:// or wss:// URL';
		if (!details.avatar && !AVATARS.includes(text('avatar'))) details.avatar = `must be one of: ${AVATARS.join(', ')}`;
		if (!details.emotion && !EMOTIONS_WITH_EXPRESSIVE.includes(text('emotion'))) {
			details.emotion = `must be one of: ${EMOTIONS_WITH_EXPRESSIVE.join(', ')}`;
		}
		if (Object.keys(details).length) return res.json(400, ERRORS.invalidParameters(details));
		const session: LiveKitSessionRecord = {
			task_id: randomUUID(),
			room_name: text('room_name'),
			room_token: text('room_token'),
			listener_token: text('listener_token'),
			livekit_url: text('livekit_url'),
			avatar: text('avatar'),
			emotion: text('emotion'),
			effectiveEmotion: text('emotion') === 'expressive' ? 'neutral' : text('emotion'),
			apiKey: req.bearer,
			created_at: new Date().toISOString(),
		};
		state.liveKitSessions.set(session.task_id, session);
		res.json(200, { task_id: session.task_id });
	});

	app.route('DELETE', '/livekit/delete-session/:taskId', (req, res) => {
		if (req.bearer !== emulator.keys.avatarTalk && req.bearer !== noCreditsKey()) return res.json(401, ERRORS.invalidKey);
		const id = req.params.taskId;
		const session = state.liveKitSessions.get(id);
		if (!session) return res.json(404, { detail: `Task ${id} not found` });
		state.liveKitSessions.delete(id);
		session.deleted_at = new Date().toISOString();
		state.deletedSessions.push(session);
		res.json(200, { status: `Task ${id} deleted successfully` });
	});
}
