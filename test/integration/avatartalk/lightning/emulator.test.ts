/**
 * The Lightning / LiveKit stand-in itself: its invoices are real BOLT #11 invoices (the bolt11
 * library and the package's decoder agree on them), payments, errors as documented, and the
 * LiveKit server API's token check.
 */
import * as bolt11 from 'bolt11';

import { decodeBolt11 } from '../../../../nodes/AvatarTalk/bolt11';
import { mintLiveKitToken } from '../../../../nodes/AvatarTalk/livekitToken';
import { signHs256Jwt } from '../../../../nodes/shared/jwt';
import { fixture } from '../../../emulator/media';
import { lightningState, payLightningInvoice } from '../../../emulator/providers/avatartalkLightning';
import type { Emulator } from '../../../emulator/server';
import { startEmulator } from '../../../emulator/server';
import { useEmulator } from '../../../helpers/emulatorSetup';

let emulator: Emulator;
let base: string;

useEmulator(
	async () => await startEmulator({ settings: { lightningPaymentGraceMs: 50 } }),
	(e) => {
		emulator = e;
		base = e.urls.avatarTalk;
	},
);

const post = async (path: string, body: unknown, headers: Record<string, string> = {}) =>
	await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

async function requestText(text = 'Hello! This is the text that will be spoken by the avatar.') {
	const response = await post('/lightning/request-video/text', { text });
	expect(response.status).toBe(200);
	return (await response.json()) as { duration: number; bolt11_invoice: string; amount: number };
}

describe('Lightning invoices', () => {
	it('request-video/text answers a real, signed BOLT #11 invoice for exactly the stated amount', async () => {
		const answer = await requestText();
		expect(Object.keys(answer).sort()).toEqual(['amount', 'bolt11_invoice', 'duration']);
		expect(answer.duration).toBeCloseTo(58 / 15, 1);
		const reference = bolt11.decode(answer.bolt11_invoice);
		expect(reference.complete).toBe(true);
		expect(reference.satoshis).toBe(answer.amount);
		const ours = decodeBolt11(answer.bolt11_invoice);
		expect(ours.amountMsat).toBe(BigInt(answer.amount) * 1000n);
		expect(ours.payeeNodeKey).toBe(reference.payeeNodeKey);
		expect(ours.payeeNodeKey).toBe(lightningState(emulator).nodePublicKey);
		expect(ours.expiry).toBe(600);
		expect(ours.description).toBe(`AvatarTalk video (${answer.duration} s)`);
		expect(ours.paymentHash).toBe(lightningState(emulator).payments.get(answer.bolt11_invoice)?.paymentHash);
		expect(Math.abs(ours.timestamp * 1000 - Date.now())).toBeLessThan(5000);
	});

	it('4.5 s of video costs 45 sats: lnbc450n (the invoice the document shows, with its real amount)', async () => {
		const answer = await requestText('x'.repeat(67)); // 67 / 15 = 4.47 -> 4.5 s
		expect(answer.duration).toBe(4.5);
		expect(answer.amount).toBe(45);
		expect(answer.bolt11_invoice.startsWith('lnbc450n1')).toBe(true);
	});

	it('request-video/text without text: 400 INVALID_PARAMETERS', async () => {
		const response = await post('/lightning/request-video/text', { text: '  ' });
		expect(response.status).toBe(400);
		expect(await response.json()).toMatchObject({ error_code: 'INVALID_PARAMETERS', details: { text: expect.any(String) } });
	});

	it('request-video/audio: the documented 400s, and the actual duration of a valid WAV', async () => {
		const upload = async (name: string | undefined, data: Buffer, field = 'audio') => {
			const form = new FormData();
			if (name === undefined) form.append(field, 'not a file');
			else form.append(field, new Blob([new Uint8Array(data)], { type: 'audio/wav' }), name);
			return await fetch(`${base}/lightning/request-video/audio`, { method: 'POST', body: form });
		};
		const wav = fixture('speech-16k-mono.wav');
		let response = await upload(undefined, wav);
		expect(response.status).toBe(400);
		expect(await response.json()).toEqual({ detail: 'Audio file is required' });
		response = await upload('speech.wav', wav, 'file');
		expect(await response.json()).toEqual({ detail: 'Audio file is required' });
		response = await upload('speech.mp3', fixture('sample.mp3'));
		expect(response.status).toBe(400);
		expect(await response.json()).toEqual({ detail: 'Only WAV files are supported. Please upload a .wav file.' });
		response = await upload('tiny.wav', wav.subarray(0, 40));
		expect(response.status).toBe(400);
		expect(await response.json()).toEqual({ detail: 'Invalid WAV file: too small' });
		response = await upload('speech.wav', wav);
		expect(response.status).toBe(200);
		const answer = (await response.json()) as { duration: number; amount: number; bolt11_invoice: string };
		expect(answer.duration).toBe(1.5);
		expect(answer.amount).toBe(15);
		expect(bolt11.decode(answer.bolt11_invoice).satoshis).toBe(15);
	});
});

describe('payments and generate-video', () => {
	it('pending -> paid through the control route; generate-video streams an MP4 only once paid', async () => {
		const { bolt11_invoice: invoice, amount } = await requestText();
		let status = await fetch(`${base}/lightning/payment/${invoice}`);
		expect(await status.json()).toMatchObject({ invoice, amount_sat: amount, status: 'pending', paid_at: null });

		const generate = async () =>
			await post('/lightning/generate-video', { bolt11_invoice: invoice, avatar: 'japanese_woman', emotion: 'expressive', language: 'en' });
		let response = await generate();
		expect(response.status).toBe(400);
		expect(await response.json()).toEqual({ detail: 'Invoice not paid in time.' });

		const pay = await fetch(`${base}/__emulator/lightning/pay`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ invoice }),
		});
		expect(pay.status).toBe(200);
		status = await fetch(`${base}/lightning/payment/${invoice}`);
		const paid = (await status.json()) as { status: string; paid_at: string };
		expect(paid.status).toBe('paid');
		expect(Date.parse(paid.paid_at)).not.toBeNaN();

		response = await generate();
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toBe('video/mp4');
		expect(response.headers.get('content-length')).toBeNull(); // streamed (chunked)
		const body = Buffer.from(await response.arrayBuffer());
		expect(body.equals(fixture('sample.mp4'))).toBe(true);
		expect(lightningState(emulator).payments.get(invoice)?.generations.at(-1)).toEqual({
			avatar: 'japanese_woman',
			emotion: 'expressive',
			effectiveEmotion: 'neutral',
			language: 'en',
		});
	});

	it('unknown invoice: 404 on payment and on generate-video, with the documented bodies', async () => {
		const unknown = bolt11.sign(
			bolt11.encode({ satoshis: 1, tags: [{ tagName: 'payment_hash', data: '00'.repeat(32) }, { tagName: 'description', data: 'x' }] }),
			'11'.repeat(32),
		).paymentRequest as string;
		let response = await fetch(`${base}/lightning/payment/${unknown}`);
		expect(response.status).toBe(404);
		expect(await response.json()).toEqual({ detail: 'Payment not found' });
		response = await post('/lightning/generate-video', { bolt11_invoice: unknown, avatar: 'european_woman', emotion: 'happy' });
		expect(response.status).toBe(404);
		expect(await response.json()).toEqual({ detail: `Invoice ${unknown} not found.` });
	});

	it('generate-video validates avatar and emotion', async () => {
		const { bolt11_invoice: invoice } = await requestText();
		const response = await post('/lightning/generate-video', { bolt11_invoice: invoice, avatar: 'robot', emotion: 'angry' });
		expect(response.status).toBe(400);
		expect(await response.json()).toMatchObject({ error_code: 'INVALID_PARAMETERS', details: { avatar: expect.any(String), emotion: expect.any(String) } });
	});

	it('payments list needs the API key', async () => {
		let response = await fetch(`${base}/lightning/payments`);
		expect(response.status).toBe(401);
		expect(await response.json()).toMatchObject({ error_code: 'INVALID_API_KEY' });
		response = await fetch(`${base}/lightning/payments`, { headers: { authorization: `Bearer ${emulator.keys.avatarTalk}` } });
		const list = (await response.json()) as Array<{ id: number; invoice: string; status: string }>;
		expect(list.length).toBe(lightningState(emulator).payments.size);
		expect(list[0]).toEqual(expect.objectContaining({ id: 1, status: expect.stringMatching(/pending|paid/) }));
	});

	it('auto-pay after N ms, and the in-process payLightningInvoice()', async () => {
		emulator.settings.lightningAutoPayAfterMs = 30;
		try {
			const { bolt11_invoice: invoice } = await requestText();
			await new Promise((resolve) => setTimeout(resolve, 80));
			expect(lightningState(emulator).payments.get(invoice)?.status).toBe('paid');
		} finally {
			delete emulator.settings.lightningAutoPayAfterMs;
		}
		const { bolt11_invoice: other } = await requestText();
		expect(payLightningInvoice(emulator, other.toUpperCase())).toBe(true);
		expect(lightningState(emulator).payments.get(other)?.status).toBe('paid');
		expect(payLightningInvoice(emulator, 'lnbc1nothing')).toBe(false);
	});

	it('short expiry setting', async () => {
		emulator.settings.lightningInvoiceExpirySeconds = 2;
		try {
			const { bolt11_invoice: invoice } = await requestText();
			expect(decodeBolt11(invoice).expiry).toBe(2);
		} finally {
			delete emulator.settings.lightningInvoiceExpirySeconds;
		}
	});
});

describe('LiveKit sessions', () => {
	const token = () =>
		mintLiveKitToken('avatarAgent', { apiKey: 'k', apiSecret: 'example-secret-value', room: 'r', identity: 'a', ttlSeconds: 60 }).token;
	const session = (extra: Record<string, unknown> = {}) => ({
		room_name: 'demo-room',
		room_token: token(),
		listener_token: token(),
		livekit_url: 'wss://my-livekit.example.com',
		avatar: 'japanese_woman',
		emotion: 'happy',
		...extra,
	});
	const auth = () => ({ authorization: `Bearer ${emulator.keys.avatarTalk}` });

	it('create -> delete -> delete again is 404 with {detail}', async () => {
		const created = await post('/livekit/create-session', session({ emotion: 'expressive' }), auth());
		expect(created.status).toBe(200);
		const { task_id: taskId } = (await created.json()) as { task_id: string };
		expect(taskId).toMatch(/^[0-9a-f-]{36}$/);
		expect(lightningState(emulator).liveKitSessions.get(taskId)?.effectiveEmotion).toBe('neutral');
		const del = () => fetch(`${base}/livekit/delete-session/${taskId}`, { method: 'DELETE', headers: auth() });
		let response = await del();
		expect(await response.json()).toEqual({ status: `Task ${taskId} deleted successfully` });
		response = await del();
		expect(response.status).toBe(404);
		expect(await response.json()).toEqual({ detail: `Task ${taskId} not found` });
	});

	it('401 without key, 400 with details for bad fields', async () => {
		expect((await post('/livekit/create-session', session())).status).toBe(401);
		const response = await post('/livekit/create-session', session({ livekit_url: 'https://x', room_token: 'abc', avatar: 'robot' }), auth());
		expect(response.status).toBe(400);
		const body = (await response.json()) as { details: Record<string, string> };
		expect(Object.keys(body.details).sort()).toEqual(['avatar', 'livekit_url', 'room_token']);
	});
});

describe('LiveKit server API (ListRooms)', () => {
	const listRooms = async (bearer?: string) =>
		await fetch(`${emulator.url('liveKit')}/twirp/livekit.RoomService/ListRooms`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
			body: '{}',
		});
	const now = () => Math.floor(Date.now() / 1000);
	const claims = (extra: Record<string, unknown> = {}) => ({
		iss: emulator.keys.liveKitKey,
		nbf: now(),
		exp: now() + 60,
		video: { roomList: true },
		...extra,
	});

	it('accepts a token signed with the secret, issued by the key, with roomList', async () => {
		const response = await listRooms(signHs256Jwt(claims(), emulator.keys.liveKitSecret));
		expect(response.status).toBe(200);
		expect(await response.json()).toEqual({ rooms: [] });
	});

	it.each([
		['no token', undefined, /missing/],
		['wrong secret', () => signHs256Jwt(claims(), 'wrong-secret'), /signature/],
		['wrong key', () => signHs256Jwt(claims({ iss: 'other' }), emulator.keys.liveKitSecret), /API key/],
		['expired', () => signHs256Jwt(claims({ exp: now() - 60 }), emulator.keys.liveKitSecret), /expired/],
		['no roomList grant', () => signHs256Jwt(claims({ video: { roomJoin: true } }), emulator.keys.liveKitSecret), /permissions/],
	])('401 for %s', async (_name, make, message) => {
		const response = await listRooms(make ? make() : undefined);
		expect(response.status).toBe(401);
		const body = (await response.json()) as { code: string; msg: string };
		expect(body.code).toBe('unauthenticated');
		expect(body.msg).toMatch(message);
	});
});
