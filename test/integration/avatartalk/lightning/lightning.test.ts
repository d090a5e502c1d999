/**
 * AvatarTalk node, Lightning resource, through n8n's engine against the emulator: every
 * operation, every validation rule, every documented error, and the request log.
 */
import { randomBytes } from 'node:crypto';

import * as bolt11 from 'bolt11';
import type { INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { decodeBolt11 } from '../../../../nodes/AvatarTalk/bolt11';
import { fixture } from '../../../emulator/media';
import { lightningState, payLightningInvoice } from '../../../emulator/providers/avatartalkLightning';
import type { Emulator } from '../../../emulator/server';
import { runWorkflow } from '../../../harness';
import { expectMp4 } from '../../../helpers/mp4';
import { SPEC_PAYEE, SPEC_PAYMENT_HASH, VALID } from '../../../unit/avatartalk/bolt11Vectors';
import {
	NODE,
	avatarTalkWorkflow,
	binaryItem,
	bodyOf,
	calls,
	expectApiError,
	expectInputError,
	runAvatarTalk,
	startLightningEmulator,
} from './helpers';
import { useEmulator } from '../../../helpers/emulatorSetup';

let emulator: Emulator;

useEmulator(startLightningEmulator, (e) => (emulator = e));
beforeEach(() => {
	for (const key of Object.keys(emulator.settings)) if (key.startsWith('lightning') && key !== 'lightningPaymentGraceMs' && key !== 'lightningChunkDelayMs') delete emulator.settings[key];
});

const text = 'Welcome to AvatarTalk! This is a demonstration of our text-to-speech technology.';
const lightning = (operation: string, extra: Record<string, unknown> = {}) => ({ resource: 'lightning', operation, ...extra });

/** A fresh invoice from the emulator (through its HTTP API). */
async function newInvoice(words = text): Promise<{ bolt11_invoice: string; amount: number; duration: number }> {
	const response = await fetch(`${emulator.urls.avatarTalk}/lightning/request-video/text`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ text: words }),
	});
	const answer = (await response.json()) as { bolt11_invoice: string; amount: number; duration: number };
	emulator.clearLog(); // the log then holds only what the node sends
	return answer;
}

/** A valid, signed invoice this AvatarTalk server never issued. */
function foreignInvoice(): string {
	return bolt11.sign(
		bolt11.encode({
			satoshis: 21,
			tags: [
				{ tagName: 'payment_hash', data: randomBytes(32).toString('hex') },
				{ tagName: 'description', data: 'elsewhere' },
				{ tagName: 'expire_time', data: 3600 },
			],
		}),
		randomBytes(32).toString('hex'),
	).paymentRequest as string;
}

describe('Request Video From Text', () => {
	it('returns duration, invoice and amount, with the invoice decoded; sends {text} without the key', async () => {
		const result = await runAvatarTalk(emulator, lightning('requestVideoFromText', { text }));
		expect(result.error).toBeUndefined();
		const [json] = result.json(NODE);
		const record = [...lightningState(emulator).payments.values()].at(-1);
		expect(json).toMatchObject({ duration: record?.duration, bolt11_invoice: record?.invoice, amount: record?.amount_sat });
		expect(json.decodedInvoice).toMatchObject({
			network: 'bitcoin',
			amountSat: record?.amount_sat,
			amountMsat: (record?.amount_sat ?? 0) * 1000,
			expirySeconds: 600,
			expired: false,
			paymentHash: record?.paymentHash,
			description: `AvatarTalk video (${record?.duration} s)`,
			payeeNodeKey: lightningState(emulator).nodePublicKey,
		});
		expect(Date.parse((json.decodedInvoice as { createdAt: string }).createdAt)).toBeGreaterThan(Date.now() - 10_000);
		expect(json.amountNote).toBeUndefined();
		const [request] = calls(emulator, 'POST', '/lightning/request-video/text');
		expect(bodyOf(request)).toEqual({ text });
		expect(request.headers['content-type']).toMatch(/application\/json/);
		// The document requires no authorization here: the key stays home.
		expect(request.headers.authorization).toBeUndefined();
		expect(result.items(NODE)[0].pairedItem).toEqual({ item: 0 });
	});

	it('an empty Text fails before anything is sent', async () => {
		const result = await runAvatarTalk(emulator, lightning('requestVideoFromText', { text: '   ' }));
		expectInputError(result, 'Text: must not be empty');
		expect(calls(emulator)).toHaveLength(0);
	});

	it('a provider 400 becomes a NodeApiError with its message and code', async () => {
		emulator.addFault({
			service: 'avatarTalk',
			path: '/lightning/request-video/text',
			fault: { kind: 'status', status: 400, body: { status: 'error', error_code: 'INVALID_PARAMETERS', message: 'Request parameters are invalid', details: {} } },
			times: 1,
		});
		const error = expectApiError(await runAvatarTalk(emulator, lightning('requestVideoFromText', { text })), '400');
		expect(error.message).toBe('AvatarTalk: Request parameters are invalid [INVALID_PARAMETERS]');
		expect(calls(emulator)).toHaveLength(1); // not repeated: it issues invoices
	});

	it('a 503 is retried (the server did nothing), honouring Retry-After', async () => {
		emulator.addFault({ service: 'avatarTalk', path: '/lightning/request-video/text', fault: { kind: 'rateLimit', status: 503, retryAfter: '1' }, times: 1 });
		const started = Date.now();
		const result = await runAvatarTalk(emulator, lightning('requestVideoFromText', { text }));
		expect(result.error).toBeUndefined();
		const log = calls(emulator, 'POST', '/lightning/request-video/text');
		expect(log.map((r) => r.status)).toEqual([503, 200]);
		expect(log[1].at - log[0].at).toBeGreaterThanOrEqual(950);
		expect(Date.now() - started).toBeGreaterThanOrEqual(950);
	});
});

describe('Request Video From Audio', () => {
	it('uploads the WAV as multipart field "audio" and returns the invoice for its real duration', async () => {
		const wav = fixture('speech-16k-mono.wav');
		const result = await runAvatarTalk(emulator, lightning('requestVideoFromAudio', { binaryPropertyName: 'speech' }), {
			items: [binaryItem(wav, 'speech.wav', 'audio/wav', 'speech')],
		});
		expect(result.error).toBeUndefined();
		const [json] = result.json(NODE);
		expect(json).toMatchObject({ duration: 1.5, amount: 15, audioFileName: 'speech.wav', audioBytes: wav.length });
		expect(json.decodedInvoice).toMatchObject({ amountSat: 15, amountMsat: 15000, network: 'bitcoin' });
		const [request] = calls(emulator, 'POST', '/lightning/request-video/audio');
		expect(request.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
		expect(request.body).toBe(`audio=<file speech.wav ${wav.length} bytes>`);
		expect(lightningState(emulator).payments.get(json.bolt11_invoice as string)?.audioBytes).toBe(wav.length);
	});

	it('a file name without .wav is uploaded as .wav', async () => {
		const wav = fixture('speech-16k-mono.wav');
		const result = await runAvatarTalk(emulator, lightning('requestVideoFromAudio', { binaryPropertyName: 'data' }), {
			items: [binaryItem(wav, 'recording.bin')],
		});
		expect(result.error).toBeUndefined();
		expect(calls(emulator, 'POST', '/lightning/request-video/audio')[0].body).toBe(`audio=<file recording.wav ${wav.length} bytes>`);
	});

	it.each([
		['stereo 44.1 kHz', () => fixture('stereo-44k.wav'), 'x.wav', /not in the format AvatarTalk accepts: the sample rate is 44100 Hz, not 16000 Hz; it has 2 channels \(stereo\), not 1 channel \(mono\)/],
		['24 kHz', () => fixture('reply-24k-mono.wav'), 'reply.wav', /the sample rate is 24000 Hz, not 16000 Hz$/],
		['an MP3', () => fixture('sample.mp3'), 'song.mp3', /cannot be used: the file is not a WAV file.*MP3/],
		['a 40-byte file', () => fixture('speech-16k-mono.wav').subarray(0, 40), 'tiny.wav', /at least 44 bytes/],
	])('refuses %s before uploading, naming what is wrong', async (_name, data, fileName, message) => {
		const result = await runAvatarTalk(emulator, lightning('requestVideoFromAudio', { binaryPropertyName: 'data' }), {
			items: [binaryItem(data(), fileName)],
		});
		const error = expectInputError(result, message);
		expect(error.message).toMatch(/^Input Binary Field: /);
		expect(error.description).toMatch(/16 kHz, mono, 16-bit PCM/);
		expect(calls(emulator)).toHaveLength(0);
	});

	it('a missing binary property names the field and what the item has', async () => {
		const result = await runAvatarTalk(emulator, lightning('requestVideoFromAudio', { binaryPropertyName: 'audio' }), {
			items: [binaryItem(fixture('speech-16k-mono.wav'), 'speech.wav')],
		});
		const error = expectInputError(result, 'Input Binary Field: the input item has no binary property "audio"');
		expect(error.description).toMatch(/data/);
		expect(calls(emulator)).toHaveLength(0);
	});

	it.each([
		['Audio file is required'],
		['Only WAV files are supported. Please upload a .wav file.'],
		['Invalid WAV file: too small'],
	])('the documented 400 "%s" reaches the user as the provider said it', async (detail) => {
		emulator.addFault({ service: 'avatarTalk', path: '/lightning/request-video/audio', fault: { kind: 'status', status: 400, body: { detail } }, times: 1 });
		const result = await runAvatarTalk(emulator, lightning('requestVideoFromAudio', {}), {
			items: [binaryItem(fixture('speech-16k-mono.wav'), 'speech.wav')],
		});
		expect(expectApiError(result, '400').message).toBe(`AvatarTalk: ${detail}`);
	});
});

describe('Get Payment', () => {
	it('pending, then paid, with the invoice decoded', async () => {
		const { bolt11_invoice: invoice, amount } = await newInvoice();
		let result = await runAvatarTalk(emulator, lightning('getPayment', { invoice }));
		expect(result.error).toBeUndefined();
		expect(result.json(NODE)[0]).toMatchObject({ invoice, amount_sat: amount, status: 'pending', paid_at: null, decodedInvoice: { amountSat: amount } });
		payLightningInvoice(emulator, invoice);
		result = await runAvatarTalk(emulator, lightning('getPayment', { invoice }));
		expect(result.json(NODE)[0]).toMatchObject({ status: 'paid', paid_at: expect.any(String) });
		const log = calls(emulator, 'GET');
		expect(log.map((r) => r.path)).toEqual([`/lightning/payment/${invoice}`, `/lightning/payment/${invoice}`]);
	});

	it('the Invoice default reads bolt11_invoice from the previous step', async () => {
		const { bolt11_invoice: invoice } = await newInvoice();
		const result = await runAvatarTalk(emulator, lightning('getPayment', { invoice: '={{ $json.bolt11_invoice ?? $json.invoice }}' }), {
			items: [{ json: { bolt11_invoice: invoice } }],
		});
		expect(result.json(NODE)[0].invoice).toBe(invoice);
	});

	it('an invoice the server never issued: 404 "Payment not found" with a hint', async () => {
		const error = expectApiError(await runAvatarTalk(emulator, lightning('getPayment', { invoice: foreignInvoice() })), '404');
		expect(error.message).toBe('AvatarTalk: Payment not found');
		expect(error.description).toMatch(/not issued by this server/);
	});

	it.each([
		['garbage', 'hello', /^Invoice: "hello" is not a valid BOLT11 Lightning invoice$/, /no "1" separator/],
		['a bad checksum', `${VALID.coffee.slice(0, -1)}q`, /is not a valid BOLT11/, /checksum/],
		['mixed case', `LNBC${VALID.coffee.slice(4)}`, /is not a valid BOLT11/, /mixes upper-case/],
		['blank', '   ', /^Invoice: is required$/, /BOLT11/],
	])('%s fails before anything is sent', async (_name, invoice, message, description) => {
		const error = expectInputError(await runAvatarTalk(emulator, lightning('getPayment', { invoice })), message);
		expect(error.description).toMatch(description);
		expect(calls(emulator)).toHaveLength(0);
	});

	it('an invoice pasted with a space and a line break is sent cleaned; an invisible character is named', async () => {
		const { bolt11_invoice: invoice } = await newInvoice();
		const pasted = `lightning:${invoice.slice(0, 6)} ${invoice.slice(6, 50)}\n${invoice.slice(50)}`;
		const result = await runAvatarTalk(emulator, lightning('getPayment', { invoice: pasted }));
		expect(result.json(NODE)[0]).toMatchObject({ invoice, status: 'pending' });
		expect(calls(emulator, 'GET').map((r) => r.path)).toEqual([`/lightning/payment/${invoice}`]);

		emulator.clearLog();
		const hidden = `${invoice.slice(0, 6)}\u200b${invoice.slice(6)}`;
		const error = expectInputError(await runAvatarTalk(emulator, lightning('getPayment', { invoice: hidden })), /is not a valid BOLT11/);
		expect(error.description).toMatch(/an invisible zero-width character at position 7; paste the invoice exactly as your wallet shows it/);
		expect(calls(emulator)).toHaveLength(0);
	});

	it('an expired invoice may still be looked up (it may have been paid in time)', async () => {
		const result = await runAvatarTalk(emulator, lightning('getPayment', { invoice: VALID.coffee }));
		// The spec's 2017 invoice is unknown here: the request is sent, the server says 404.
		expectApiError(result, '404');
		expect(calls(emulator)).toHaveLength(1);
	});

	it('Continue On Fail: one error item per bad item, the others go on, pairedItem kept', async () => {
		const { bolt11_invoice: invoice } = await newInvoice();
		const result = await runAvatarTalk(emulator, lightning('getPayment', { invoice: '={{ $json.inv }}' }), {
			items: [{ json: { inv: invoice } }, { json: { inv: 'nope' } }, { json: { inv: invoice } }],
			onError: 'continueRegularOutput',
		});
		expect(result.status).toBe('success');
		const out = result.items(NODE);
		expect(out.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(out[0].json.status).toBe('pending');
		expect(out[1].json.error).toMatch(/^Invoice: "nope" is not a valid BOLT11/);
		expect(out[2].json.status).toBe('pending');
		expect(calls(emulator)).toHaveLength(2);
	});
});

describe('List Payments', () => {
	it('lists payments newest first with decoded invoices; Status filter and Limit; one request for all items', async () => {
		const a = await newInvoice('first');
		const b = await newInvoice('second video');
		payLightningInvoice(emulator, b.bolt11_invoice);
		emulator.clearLog();
		const all = await runAvatarTalk(emulator, lightning('listPayments', { returnAll: true, status: 'any' }), {
			items: [{ json: {} }, { json: {} }],
		});
		expect(all.error).toBeUndefined();
		const rows = all.json(NODE);
		expect(rows).toHaveLength(lightningState(emulator).payments.size);
		const ids = rows.map((r) => r.id as number);
		expect(ids).toEqual([...ids].sort((x, y) => y - x));
		expect(rows.find((r) => r.invoice === a.bolt11_invoice)).toMatchObject({ status: 'pending', decodedInvoice: { amountSat: a.amount } });
		expect(calls(emulator)).toHaveLength(1);
		expect(calls(emulator)[0].headers.authorization).toBe(`Bearer ${emulator.keys.avatarTalk}`);
		expect(all.items(NODE)[0].pairedItem).toEqual([{ item: 0 }, { item: 1 }]);

		const paid = await runAvatarTalk(emulator, lightning('listPayments', { returnAll: true, status: 'paid' }));
		expect(paid.json(NODE).every((r) => r.status === 'paid')).toBe(true);
		expect(paid.json(NODE).some((r) => r.invoice === b.bolt11_invoice)).toBe(true);

		const limited = await runAvatarTalk(emulator, lightning('listPayments', { returnAll: false, limit: 1, status: 'any' }));
		expect(limited.json(NODE)).toHaveLength(1);
		expect(limited.json(NODE)[0].id).toBe(Math.max(...ids));
	});

	it('a wrong API key: 401 INVALID_API_KEY', async () => {
		const error = expectApiError(await runAvatarTalk(emulator, lightning('listPayments', { returnAll: true }), { apiKey: 'wrong' }), '401');
		expect(error.message).toBe('AvatarTalk: Invalid or missing API key [INVALID_API_KEY]');
		expect(JSON.stringify(error)).not.toContain('wrong');
	});
});

describe('Generate Video', () => {
	it('a paid invoice becomes a binary MP4, streamed; expressive is sent as documented', async () => {
		const { bolt11_invoice: invoice } = await newInvoice();
		payLightningInvoice(emulator, invoice);
		const result = await runAvatarTalk(
			emulator,
			lightning('generateVideo', { invoice, avatar: 'japanese_woman', emotion: 'expressive', language: 'ja', binaryPropertyName: 'video' }),
		);
		expect(result.error).toBeUndefined();
		const [item] = result.items(NODE);
		const hash = decodeBolt11(invoice).paymentHash;
		expect(item.json).toMatchObject({
			bolt11_invoice: invoice,
			avatar: 'japanese_woman',
			emotion: 'expressive',
			language: 'ja',
			fileName: `avatartalk-lightning-${hash.slice(0, 16)}.mp4`,
			mimeType: 'video/mp4',
			fileSize: fixture('sample.mp4').length,
			decodedInvoice: { paymentHash: hash },
		});
		const binary = item.binary?.video;
		expect(binary?.mimeType).toBe('video/mp4');
		expect(binary?.fileName).toMatch(/\.mp4$/);
		expect(binary?.id).toBeDefined(); // stored by the binary data service, not inline
		const bytes = await result.readBinary(binary!);
		expectMp4(bytes);
		expect(bytes.equals(fixture('sample.mp4'))).toBe(true);
		const [request] = calls(emulator, 'POST', '/lightning/generate-video');
		expect(bodyOf(request)).toEqual({ bolt11_invoice: invoice, avatar: 'japanese_woman', emotion: 'expressive', language: 'ja' });
		expect(lightningState(emulator).payments.get(invoice)?.generations.at(-1)?.effectiveEmotion).toBe('neutral');
	});

	it('a large video (12 MB) is streamed into binary data and arrives whole', async () => {
		emulator.settings.lightningVideoBytes = 12 * 1024 * 1024;
		const { bolt11_invoice: invoice } = await newInvoice();
		payLightningInvoice(emulator, invoice);
		const result = await runAvatarTalk(emulator, lightning('generateVideo', { invoice, options: { fileName: 'big' } }));
		expect(result.error).toBeUndefined();
		const [item] = result.items(NODE);
		expect(item.binary?.data.fileName).toBe('big.mp4');
		expect(item.json.fileSize).toBeGreaterThanOrEqual(12 * 1024 * 1024);
		const bytes = await result.readBinary(item.binary!.data);
		expect(bytes.length).toBe(item.json.fileSize);
		expectMp4(bytes);
	});

	it('unpaid: 400 "Invoice not paid in time." with a hint, sent once', async () => {
		const { bolt11_invoice: invoice } = await newInvoice();
		const error = expectApiError(await runAvatarTalk(emulator, lightning('generateVideo', { invoice })), '400');
		expect(error.message).toBe('AvatarTalk: Invoice not paid in time.');
		expect(error.description).toMatch(/Wait for Payment/);
		expect(calls(emulator, 'POST', '/lightning/generate-video')).toHaveLength(1);
	});

	it('unknown invoice: 404 "Invoice ... not found."', async () => {
		const invoice = foreignInvoice();
		const error = expectApiError(await runAvatarTalk(emulator, lightning('generateVideo', { invoice })), '404');
		expect(error.message).toBe(`AvatarTalk: Invoice ${invoice} not found.`);
	});

	it('an expired invoice fails before sending, unless Allow Expired Invoice is on', async () => {
		emulator.settings.lightningInvoiceExpirySeconds = 1;
		const { bolt11_invoice: invoice } = await newInvoice();
		payLightningInvoice(emulator, invoice);
		await new Promise((resolve) => setTimeout(resolve, 2100));
		const error = expectInputError(await runAvatarTalk(emulator, lightning('generateVideo', { invoice })), /^Invoice: the invoice expired at .* and can no longer be paid$/);
		expect(error.description).toMatch(/valid for 1 s/);
		expect(calls(emulator)).toHaveLength(0);
		const allowed = await runAvatarTalk(emulator, lightning('generateVideo', { invoice, options: { allowExpired: true } }));
		expect(allowed.error).toBeUndefined();
		expectMp4(await allowed.readBinary(allowed.items(NODE)[0].binary!.data));
	});

	it('a stream cut short is an error, and is not repeated (generation is paid work)', async () => {
		const { bolt11_invoice: invoice } = await newInvoice();
		payLightningInvoice(emulator, invoice);
		emulator.settings.lightningVideoBytes = 2 * 1024 * 1024;
		emulator.addFault({ service: 'avatarTalk', path: '/lightning/generate-video', fault: { kind: 'truncate' }, times: 1 });
		const result = await runAvatarTalk(emulator, lightning('generateVideo', { invoice }));
		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/AvatarTalk: /);
		expect(calls(emulator, 'POST', '/lightning/generate-video')).toHaveLength(1);
	});

	it.each([
		['Avatar', { avatar: 'robot' }, /^Avatar: "robot" is not a valid value$/],
		['Emotion', { emotion: 'angry' }, /^Emotion: "angry" is not a valid value$/],
		['Language', { language: 'xx' }, /^Language: "xx" is not a valid value$/],
	])('an invalid %s fails before sending', async (_field, extra, message) => {
		const { bolt11_invoice: invoice } = await newInvoice();
		emulator.clearLog();
		expectInputError(await runAvatarTalk(emulator, lightning('generateVideo', { invoice, ...extra })), message);
		expect(calls(emulator)).toHaveLength(0);
	});
});

describe('Wait for Payment', () => {
	it('polls until paid (auto-pay after 400 ms), then returns the payment', async () => {
		emulator.settings.lightningAutoPayAfterMs = 400;
		const { bolt11_invoice: invoice } = await newInvoice();
		emulator.clearLog();
		const result = await runAvatarTalk(emulator, lightning('waitForPayment', { invoice, timeoutSeconds: 30, pollIntervalSeconds: 0.1 }));
		expect(result.error).toBeUndefined();
		const [json] = result.json(NODE);
		expect(json).toMatchObject({ invoice, status: 'paid', decodedInvoice: { expired: false } });
		expect(json.checks).toBeGreaterThanOrEqual(2);
		const log = calls(emulator, 'GET');
		expect(log.length).toBe(json.checks);
		expect(log.every((r) => r.path === `/lightning/payment/${invoice}`)).toBe(true);
	});

	it('a payment made while waiting (the control route, as the demo does) ends the wait', async () => {
		const { bolt11_invoice: invoice } = await newInvoice();
		const timer = setTimeout(() => {
			void fetch(`${emulator.urls.avatarTalk}/__emulator/lightning/pay`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ invoice }),
			});
		}, 300);
		try {
			const result = await runAvatarTalk(emulator, lightning('waitForPayment', { invoice, timeoutSeconds: 30, pollIntervalSeconds: 0.1 }));
			expect(result.json(NODE)[0].status).toBe('paid');
		} finally {
			clearTimeout(timer);
		}
	});

	it('fails when the invoice itself expires (decoded from it), before the timeout', async () => {
		emulator.settings.lightningInvoiceExpirySeconds = 2;
		const { bolt11_invoice: invoice } = await newInvoice();
		const expiresAt = (decodeBolt11(invoice).timestamp + 2) * 1000;
		const result = await runAvatarTalk(emulator, lightning('waitForPayment', { invoice, timeoutSeconds: 60, pollIntervalSeconds: 0.2 }));
		const error = expectInputError(result, /^Invoice: the invoice expired at .* without being paid$/);
		expect(error.description).toMatch(/pending/);
		expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
		// soon after the expiry, long before the 60 s timeout (generous for a busy machine)
		expect(Date.now() - expiresAt).toBeLessThan(10_000);
	});

	it('fails at the timeout when it comes first, saying the invoice is still payable', async () => {
		const { bolt11_invoice: invoice } = await newInvoice();
		const started = Date.now();
		const result = await runAvatarTalk(emulator, lightning('waitForPayment', { invoice, timeoutSeconds: 1, pollIntervalSeconds: 0.2 }));
		const error = expectInputError(result, 'Wait Timeout (Seconds): the invoice was not paid within 1 s');
		expect(error.description).toMatch(/stays payable until/);
		expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
		// the invoice stays payable for minutes: only the 1 s timeout ends it this early (generous)
		expect(Date.now() - started).toBeLessThan(10_000);
	});

	it('an already expired invoice fails before anything is sent', async () => {
		const error = expectInputError(await runAvatarTalk(emulator, lightning('waitForPayment', { invoice: VALID.coffee })), /^Invoice: the invoice expired at 2017-06-01T10:58:38.000Z/);
		expect(error.description).toMatch(/Get Payment/);
		expect(calls(emulator)).toHaveLength(0);
	});

	it('honours Retry-After while polling', async () => {
		emulator.settings.lightningAutoPayAfterMs = 100;
		const { bolt11_invoice: invoice } = await newInvoice();
		emulator.clearLog();
		emulator.addFault({ service: 'avatarTalk', path: `/lightning/payment/${invoice}`, fault: { kind: 'rateLimit', retryAfter: '1' }, times: 1 });
		const result = await runAvatarTalk(emulator, lightning('waitForPayment', { invoice, timeoutSeconds: 30, pollIntervalSeconds: 0.1 }));
		expect(result.error).toBeUndefined();
		const log = calls(emulator, 'GET');
		expect(log[0].status).toBe(429);
		expect(log[1].at - log[0].at).toBeGreaterThanOrEqual(950);
	});

	it('stops at once when the execution is cancelled', async () => {
		const { bolt11_invoice: invoice } = await newInvoice();
		const controller = new AbortController();
		setTimeout(() => controller.abort(), 400);
		const started = Date.now();
		const result = await runAvatarTalk(emulator, lightning('waitForPayment', { invoice, timeoutSeconds: 120, pollIntervalSeconds: 30 }), {
			signal: controller.signal,
		});
		expect(result.status).toBe('canceled');
		expect(result.settled).toBe(true);
		// polls 30 s apart: ending within 10 s can only be the cancel cutting the wait (generous for a
		// busy machine; the 1 s promise is measured in reliability/cancellation.test.ts)
		expect(Date.now() - started).toBeLessThan(10_000);
	});

	it('an invoice the server does not know: 404 at the first check', async () => {
		const error = expectApiError(await runAvatarTalk(emulator, lightning('waitForPayment', { invoice: foreignInvoice(), timeoutSeconds: 5 })), '404');
		expect(error.message).toBe('AvatarTalk: Payment not found');
		expect(calls(emulator)).toHaveLength(1);
	});
});

describe('Pay-per-video without an AvatarTalk account (the document requires no authorization there)', () => {
	/** The same one-node workflow with no credential at all, and an empty credential store. */
	async function runWithoutCredential(parameters: Record<string, unknown>, items?: INodeExecutionData[]) {
		const workflow = avatarTalkWorkflow(parameters as INodeParameters);
		for (const node of workflow.nodes) delete node.credentials;
		return await runWorkflow(workflow, { credentials: {}, inputItems: items });
	}
	const server = () => ({ serverUrl: emulator.urls.avatarTalk });

	it('the whole flow works with no credential: request (text and audio), wait, look up, generate', async () => {
		emulator.settings.lightningAutoPayAfterMs = 200;
		const requested = await runWithoutCredential(lightning('requestVideoFromText', { text, options: server() }));
		expect(requested.error).toBeUndefined();
		const invoice = String(requested.json(NODE)[0].bolt11_invoice);
		expect(invoice).toMatch(/^lnbc/);

		const audio = await runWithoutCredential(lightning('requestVideoFromAudio', { binaryPropertyName: 'data', options: server() }), [
			binaryItem(fixture('speech-16k-mono.wav'), 'speech.wav'),
		]);
		expect(audio.error).toBeUndefined();
		expect(audio.json(NODE)[0].bolt11_invoice).toMatch(/^lnbc/);

		const waited = await runWithoutCredential(lightning('waitForPayment', { invoice, timeoutSeconds: 30, pollIntervalSeconds: 0.1, options: server() }));
		expect(waited.error).toBeUndefined();
		expect(waited.json(NODE)[0].status).toBe('paid');

		const looked = await runWithoutCredential(lightning('getPayment', { invoice, options: server() }));
		expect(looked.json(NODE)[0]).toMatchObject({ invoice, status: 'paid' });

		const video = await runWithoutCredential(lightning('generateVideo', { invoice, avatar: 'european_woman', emotion: 'happy', language: 'en', binaryPropertyName: 'data', options: server() }));
		expect(video.error).toBeUndefined();
		expectMp4(await video.readBinary(video.items(NODE)[0].binary!.data));

		const log = calls(emulator);
		expect(new Set(log.map((r) => `${r.method} ${r.path.replace(/lnbc\w+/, '{invoice}')}`))).toEqual(
			new Set([
				'POST /lightning/request-video/text',
				'POST /lightning/request-video/audio',
				'GET /lightning/payment/{invoice}',
				'POST /lightning/generate-video',
			]),
		);
		expect(log.filter((r) => r.headers.authorization !== undefined)).toEqual([]);
	});

	it('a credential left on these operations (saved before they stopped showing one) is not read: the Server URL decides, no key is sent', async () => {
		// the credential's Base URL leads nowhere: a request that went there would fail
		const credentials = { avatarTalkApi: { apiKey: emulator.keys.avatarTalk, baseUrl: 'http://127.0.0.1:9' } };
		const run = async (parameters: Record<string, unknown>) => {
			const workflow = avatarTalkWorkflow({ ...parameters, options: { ...(parameters.options as object), serverUrl: emulator.urls.avatarTalk } } as INodeParameters);
			expect(workflow.nodes[1].credentials).toEqual({ avatarTalkApi: { id: 'cred-avatartalk', name: 'AvatarTalk account' } });
			const result = await runWorkflow(workflow, { credentials });
			expect(result.error).toBeUndefined();
			return result;
		};
		const requested = await run(lightning('requestVideoFromText', { text }));
		const invoice = String(requested.json(NODE)[0].bolt11_invoice);
		payLightningInvoice(emulator, invoice);
		expect((await run(lightning('getPayment', { invoice }))).json(NODE)[0].status).toBe('paid');
		await run(lightning('waitForPayment', { invoice, timeoutSeconds: 5, pollIntervalSeconds: 0.1 }));
		await run(lightning('generateVideo', { invoice, avatar: 'european_woman', emotion: 'happy', language: 'en', binaryPropertyName: 'data' }));
		const log = calls(emulator);
		expect(log.length).toBeGreaterThanOrEqual(4);
		expect(log.filter((r) => r.headers.authorization !== undefined).map((r) => r.path)).toEqual([]);

		// List Payments is the one Lightning call that needs the key: it still gets it.
		emulator.clearLog();
		await runAvatarTalk(emulator, lightning('listPayments', { returnAll: true, status: 'any' }));
		expect(calls(emulator).map((r) => r.headers.authorization)).toEqual([`Bearer ${emulator.keys.avatarTalk}`]);
	});

	it.each([
		['List Payments', lightning('listPayments', { returnAll: true, status: 'any' })],
		['Generate Inference', { resource: 'video', operation: 'generateInference', text: 'Hi' }],
	])('%s without a credential says it needs one, before any request', async (_name, parameters) => {
		const error = expectInputError(await runWithoutCredential(parameters), /^Credential to connect with: this operation needs an AvatarTalk API credential$/);
		expect(error.description).toMatch(/Only Lightning pay-per-video/);
		expect(emulator.requests({})).toHaveLength(0);
	});

	it('Decode Invoice needs no credential and sends nothing', async () => {
		const result = await runWithoutCredential(lightning('decodeInvoice', { invoice: VALID.coffee }));
		expect(result.error).toBeUndefined();
		expect(result.json(NODE)[0].invoice).toBe(VALID.coffee);
		expect(emulator.requests({})).toHaveLength(0);
	});
});

describe('Decode Invoice', () => {
	it('decodes the BOLT #11 example offline: amount, dates, expiry, hash, description, network, payee', async () => {
		const result = await runAvatarTalk(emulator, lightning('decodeInvoice', { invoice: VALID.coffee }));
		expect(result.error).toBeUndefined();
		expect(result.json(NODE)[0]).toEqual({
			invoice: VALID.coffee,
			network: 'bitcoin',
			amountMsat: 250000000,
			amountSat: 250000,
			createdAt: '2017-06-01T10:57:38.000Z',
			timestamp: 1496314658,
			expirySeconds: 60,
			expiresAt: '2017-06-01T10:58:38.000Z',
			expired: true,
			paymentHash: SPEC_PAYMENT_HASH,
			description: '1 cup coffee',
			payeeNodeKey: SPEC_PAYEE,
			minFinalCltvExpiry: 18,
			prefix: 'lnbc2500u',
			payeeNodeKeySource: 'recovered',
			signatureValid: true,
		});
		expect(emulator.requests()).toHaveLength(0);
	});

	it('route hints, fallback address and the pico amount of the spec example', async () => {
		const result = await runAvatarTalk(emulator, lightning('decodeInvoice', { invoice: VALID.pico }));
		expect(result.json(NODE)[0]).toMatchObject({ amountMsat: 967878534, amountSat: 967878.534, expirySeconds: 604800, minFinalCltvExpiry: 10 });
		expect((result.json(NODE)[0].routeHints as unknown[][])[0]).toHaveLength(1);
	});

	it('an invalid invoice (spec: invalid multiplier) names the field and the reason', async () => {
		const bad =
			'lnbc2500x1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpujr6jxr9gq9pv6g46y7d20jfkegkg4gljz2ea2a3m9lmvvr95tq2s0kvu70u3axgelz3kyvtp2ywwt0y8hkx2869zq5dll9nelr83zzqqpgl2zg';
		const error = expectInputError(await runAvatarTalk(emulator, lightning('decodeInvoice', { invoice: bad })), /^Invoice: "lnbc2500x1pvjluezpp5\.\.\." is not a valid BOLT11/);
		expect(error.description).toMatch(/"x" is not a multiplier/);
	});
});
