import { createECDH, createHash, createPrivateKey, randomBytes, sign } from 'node:crypto';

import * as bolt11Lib from 'bolt11';

import type { Bolt11ErrorReason } from '../../../nodes/AvatarTalk/bolt11';
import { Bolt11Error, decodeBolt11, invoiceSummary, recoverPublicKey } from '../../../nodes/AvatarTalk/bolt11';
import {
	CAKE_LIST,
	INVALID,
	SPEC_PAYEE,
	SPEC_PAYMENT_HASH,
	SPEC_SIGNER,
	SPEC_TIMESTAMP,
	VALID,
} from './bolt11Vectors';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

function rejection(invoice: string): Bolt11Error {
	try {
		decodeBolt11(invoice);
	} catch (error) {
		expect(error).toBeInstanceOf(Bolt11Error);
		return error as Bolt11Error;
	}
	throw new Error('the invoice was accepted');
}

describe('BOLT #11 specification examples: valid invoices', () => {
	it('donation of any amount: no amount, default expiry, payee recovered from the signature', () => {
		const d = decodeBolt11(VALID.donation);
		expect(d.network.name).toBe('bitcoin');
		expect(d.prefix).toBe('lnbc');
		expect(d.amountMsat).toBeUndefined();
		expect(d.timestamp).toBe(SPEC_TIMESTAMP);
		expect(d.paymentHash).toBe(SPEC_PAYMENT_HASH);
		expect(d.description).toBe('Please consider supporting this project');
		expect(d.expiry).toBe(3600);
		expect(d.minFinalCltvExpiry).toBe(18);
		expect(d.payeeNodeKey).toBe(SPEC_PAYEE);
		expect(d.payeeNodeKeySource).toBe('recovered');
		expect(d.recoveryFlag).toBe(0);
		expect(d.signature).toBe(
			'38ec6891345e204145be8a3a99de38e98a39d6a569434e1845c8af7205afcfcc7f425fcd1463e93c32881ead0d6e356d467ec8c02553f9aab15e5738b11f127f',
		);
	});

	it('$3 cup of coffee: 2500u = 250,000 sat, 60 s expiry, recovery flag 1', () => {
		const d = decodeBolt11(VALID.coffee);
		expect(d.amountMsat).toBe(250_000_000n);
		expect(d.description).toBe('1 cup coffee');
		expect(d.expiry).toBe(60);
		expect(d.recoveryFlag).toBe(1);
		expect(d.payeeNodeKey).toBe(SPEC_PAYEE);
		expect(d.paymentHash).toBe(SPEC_PAYMENT_HASH);
	});

	it('UTF-8 description (ナンセンス 1杯)', () => {
		const d = decodeBolt11(VALID.nonsense);
		expect(d.description).toBe('ナンセンス 1杯');
		expect(d.amountMsat).toBe(250_000_000n);
		expect(d.expiry).toBe(60);
		expect(d.payeeNodeKey).toBe(SPEC_PAYEE);
	});

	it('hashed description (h field), 20m = 2,000,000 sat', () => {
		const d = decodeBolt11(VALID.hashed);
		expect(d.amountMsat).toBe(2_000_000_000n);
		expect(d.description).toBeUndefined();
		expect(d.descriptionHash).toBe(sha256(CAKE_LIST));
		expect(d.payeeNodeKey).toBe(SPEC_PAYEE);
	});

	it('testnet with a P2PKH fallback address', () => {
		const d = decodeBolt11(VALID.testnetFallback);
		expect(d.network.name).toBe('testnet');
		expect(d.fallbackAddresses).toEqual([{ version: 17, address: 'mk2QpYatsKicvFVuTAQLBryyccRXMUaGHP' }]);
		expect(d.descriptionHash).toBe(sha256(CAKE_LIST));
		expect(d.payeeNodeKey).toBe(SPEC_PAYEE);
		expect(d.recoveryFlag).toBe(1);
	});

	it('mainnet fallback 1RustyRX2oai4EYYDpQGWvEL62BBGqN9T with two routing hops', () => {
		const d = decodeBolt11(VALID.routing);
		expect(d.fallbackAddresses).toEqual([{ version: 17, address: '1RustyRX2oai4EYYDpQGWvEL62BBGqN9T' }]);
		expect(d.routeHints).toEqual([
			[
				{
					nodeId: '029e03a901b85534ff1e92c43c74431f7ce72046060fcf7a95c37e148f78c77255',
					shortChannelId: `${0x010203}x${0x040506}x${0x0708}`,
					feeBaseMsat: 1,
					feeProportionalMillionths: 20,
					cltvExpiryDelta: 3,
				},
				{
					nodeId: '039e03a901b85534ff1e92c43c74431f7ce72046060fcf7a95c37e148f78c77255',
					shortChannelId: `${0x030405}x${0x060708}x${0x090a}`,
					feeBaseMsat: 2,
					feeProportionalMillionths: 30,
					cltvExpiryDelta: 4,
				},
			],
		]);
		expect(d.payeeNodeKey).toBe(SPEC_PAYEE);
	});

	it.each([
		['p2sh', 18, '3EktnHQD7RiAE6uzMj2ZifT9YgRrkSgzQX'],
		['p2wpkh', 0, 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'],
		['p2wsh', 0, 'bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3'],
	] as const)('%s fallback address', (name, version, address) => {
		const d = decodeBolt11(VALID[name]);
		expect(d.fallbackAddresses).toEqual([{ version, address }]);
		expect(d.payeeNodeKey).toBe(SPEC_PAYEE);
	});

	it('amount in pico-BTC: 9678785340p = 967,878,534 msat, one-week expiry, c = 10, route hint', () => {
		const d = decodeBolt11(VALID.pico);
		expect(d.amountMsat).toBe(967_878_534n);
		expect(d.timestamp).toBe(1572468703);
		expect(d.paymentHash).toBe('462264ede7e14047e9b249da94fefc47f41f7d02ee9b091815a5506bc8abf75f');
		expect(d.description).toBe(
			'Blockstream Store: 88.85 USD for Blockstream Ledger Nano S x 1, "Back In My Day" Sticker x 2, "I Got Lightning Working" Sticker x 2 and 1 more items',
		);
		expect(d.expiry).toBe(604800);
		expect(d.minFinalCltvExpiry).toBe(10);
		expect(d.routeHints).toEqual([
			[
				{
					nodeId: '03d06758583bb5154774a6eb221b1276c9e82d65bbaceca806d90e20c108f4b1c7',
					shortChannelId: '589390x3312x1',
					feeBaseMsat: 1000,
					feeProportionalMillionths: 2500,
					cltvExpiryDelta: 40,
				},
			],
		]);
		expect(d.payeeNodeKey).toBe(SPEC_PAYEE);
		const summary = invoiceSummary(d);
		expect(summary.amountMsat).toBe(967878534);
		expect(summary.amountSat).toBe(967878.534);
	});

	it('payment secret and features 9, 15 and 99', () => {
		const d = decodeBolt11(VALID.features);
		expect(d.amountMsat).toBe(2_500_000_000n);
		expect(d.description).toBe('coffee beans');
		expect(d.paymentSecret).toBe('11'.repeat(32));
		expect(d.featureBits).toEqual([9, 15, 99]);
		expect(d.features).toEqual(['var_onion_optin (optional)', 'payment_secret (optional)', 'unknown (99, optional)']);
		expect(d.payeeNodeKey).toBe(SPEC_PAYEE);
	});

	it('the same invoice in upper case decodes to the same fields', () => {
		const upper = decodeBolt11(VALID.featuresUpper);
		const lower = decodeBolt11(VALID.features);
		expect(upper).toEqual(lower);
		expect(upper.paymentRequest).toBe(VALID.features);
	});

	it('skips the fields the specification says to ignore and keeps the rest', () => {
		const d = decodeBolt11(VALID.ignoredFields);
		expect(d.paymentHash).toBe(SPEC_PAYMENT_HASH);
		expect(d.paymentSecret).toBe('11'.repeat(32));
		expect(d.description).toBe('coffee beans');
		expect(d.descriptionHash).toBeUndefined();
		expect(d.fallbackAddresses).toEqual([]);
		expect(d.payeeNodeKeySource).toBe('recovered');
		expect(d.payeeNodeKey).toBe(SPEC_PAYEE);
		// unknown "2", f with version 19, p/h/s of 51 and 53 words, n of 52 and 54 words
		expect(d.ignoredFields.sort()).toEqual(['2', 'f', 'h', 'h', 'n', 'n', 'p', 'p', 's', 's'].sort());
	});

	it('accepts a "lightning:" URI prefix and surrounding spaces', () => {
		expect(decodeBolt11(`  lightning:${VALID.coffee} `).paymentRequest).toBe(VALID.coffee);
	});

	it('accepts an invoice pasted with spaces, tabs or line breaks inside (wrapped by a chat or PDF)', () => {
		const c = VALID.coffee;
		const pasted = `${c.slice(0, 6)} ${c.slice(6, 40)}\n${c.slice(40, 80)}\r\n\t${c.slice(80, 100)}\u00a0${c.slice(100)}`;
		expect(decodeBolt11(pasted).paymentRequest).toBe(c);
		expect(decodeBolt11(`lightning: ${c.slice(0, 30)} ${c.slice(30)}`).paymentRequest).toBe(c);
	});

	it.each([
		['a zero-width space', '\u200b', /an invisible zero-width character at position 7/],
		['a control character', '\u0007', /an invisible control character at position 7/],
		['a typographic quote', '\u201d', /a typographic quote \(\u201d\) at position 7/],
		['a non-ASCII letter', '\u00e9', /the character "\u00e9" at position 7/],
	])('names %s and its position in user words', (_name, char, message) => {
		const error = rejection(`${VALID.coffee.slice(0, 6)}${char}${VALID.coffee.slice(6)}`);
		expect(error.reason).toBe('malformed');
		expect(error.message).toMatch(message);
		expect(error.message).toMatch(/paste the invoice exactly as your wallet shows it/);
		expect(error.message).not.toMatch(/printable ASCII/);
	});

	it('names a letter bech32 never uses, with its position', () => {
		const typo = `${VALID.coffee.slice(0, 20)}o${VALID.coffee.slice(21)}`;
		const error = rejection(typo);
		expect(error.message).toMatch(/contains "o" at position 21/);
		expect(error.message).toMatch(/check for a typo/);
	});
});

describe('BOLT #11 specification examples: invalid invoices are rejected with the reason', () => {
	it.each([
		['unknownEvenFeature', 'unknown-feature', /unknown feature bit 100/],
		['badChecksum', 'checksum', /checksum/],
		['noSeparator', 'malformed', /no "1" separator/],
		['mixedCase', 'mixed-case', /mixes upper-case and lower-case/],
		['notRecoverable', 'bad-signature', /not recoverable/],
		['tooShort', 'too-short', /too short/],
		['badMultiplier', 'bad-multiplier', /"x" is not a multiplier/],
		['subMsat', 'sub-msat-precision', /must end in 0/],
	] as Array<[keyof typeof INVALID, Bolt11ErrorReason, RegExp]>)('%s', (name, reason, message) => {
		const error = rejection(INVALID[name]);
		expect(error.reason).toBe(reason);
		expect(error.message).toMatch(message);
	});

	it('rejects an invalid recovery flag', () => {
		// Re-sign the coffee invoice's data with a recovery byte of 4 and a fresh checksum.
		const { words, hrp } = splitBech32(VALID.coffee);
		const sigStart = words.length - 104;
		const sigBytes = Buffer.from(bolt11WordsToBytes(words.slice(sigStart)));
		sigBytes[64] = 4;
		const invoice = encodeBech32(hrp, [...words.slice(0, sigStart), ...bytesToWords5(sigBytes)]);
		const error = rejection(invoice);
		expect(error.reason).toBe('recovery-flag');
		expect(error.message).toMatch(/recovery flag is 4/);
	});

	it('rejects a signature that does not match its n field, accepts one that does', () => {
		const tags = [
			tag('p', bytesToWords5(Buffer.from(SPEC_PAYMENT_HASH, 'hex'))),
			tag('d', bytesToWords5(Buffer.from('n field test'))),
			tag('n', bytesToWords5(Buffer.from(SPEC_PAYEE, 'hex'))),
		];
		const wrong = signInvoice('lnbc100n', tags, 'ab'.repeat(32));
		const error = rejection(wrong);
		expect(error.reason).toBe('bad-signature');
		expect(error.message).toMatch(/n field/);
		const good = decodeBolt11(signInvoice('lnbc100n', tags, SPEC_SIGNER));
		expect(good.payeeNodeKeySource).toBe('n-field');
		expect(good.payeeNodeKey).toBe(SPEC_PAYEE);
		expect(good.amountMsat).toBe(10_000n);
	});

	it.each([
		['', 'malformed', /empty/],
		['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', 'not-lightning', /does not start with "ln"/],
		['hello world', 'malformed', /printable|separator/],
	] as Array<[string, Bolt11ErrorReason, RegExp]>)('rejects %j', (input, reason, message) => {
		const error = rejection(input);
		expect(error.reason).toBe(reason);
		expect(error.message).toMatch(message);
	});

	it('rejects an unknown network prefix and a zero or zero-padded amount', () => {
		const { words } = splitBech32(VALID.coffee);
		expect(rejection(encodeBech32('lnxy2500u', words)).reason).toBe('unknown-network');
		expect(rejection(encodeBech32('lnbc02500u', words)).reason).toBe('bad-amount');
	});

	it('rejects an invoice without a payment hash', () => {
		const signed = signInvoice('lnbc100n', [tag('d', bytesToWords5(Buffer.from('no hash')))], SPEC_SIGNER);
		const error = rejection(signed);
		expect(error.reason).toBe('missing-payment-hash');
		expect(error.message).toMatch(/no payment hash/);
	});

	it('rejects a description that is not UTF-8', () => {
		const tags = [
			tag('p', bytesToWords5(Buffer.from(SPEC_PAYMENT_HASH, 'hex'))),
			tag('d', bytesToWords5(Buffer.from([0xff, 0xfe, 0x41]))),
		];
		expect(rejection(signInvoice('lnbc100n', tags, SPEC_SIGNER)).reason).toBe('bad-field');
	});

	it('a test invoice signed with node:crypto recovers the key of the signer', () => {
		const flags = new Set<number>();
		for (let n = 0; n < 12; n++) {
			const key = randomBytes(32).toString('hex');
			const ecdh = createECDH('secp256k1');
			ecdh.setPrivateKey(Buffer.from(key, 'hex'));
			const invoice = signInvoice('lntb1m', [tag('p', bytesToWords5(randomBytes(32)))], key);
			const d = decodeBolt11(invoice);
			expect(d.payeeNodeKey).toBe(ecdh.getPublicKey('hex', 'compressed'));
			flags.add(d.recoveryFlag);
		}
		expect([...flags].every((f) => f === 0 || f === 1)).toBe(true);
	});
});

describe('cross-check with the bolt11 npm library', () => {
	it('random invoices signed by the library decode to the same fields and key', () => {
		for (let n = 0; n < 8; n++) {
			const privateKey = randomBytes(32).toString('hex');
			const paymentHash = randomBytes(32).toString('hex');
			const msat = String(1000 * (1 + Math.floor(Math.random() * 5_000_000)) + (n % 2 ? 7 : 0));
			const encoded = bolt11Lib.encode({
				millisatoshis: msat,
				timestamp: 1_700_000_000 + n,
				network: n % 3 === 0 ? undefined : { bech32: 'tb', pubKeyHash: 0x6f, scriptHash: 0xc4, validWitnessVersions: [0, 1] },
				tags: [
					{ tagName: 'payment_hash', data: paymentHash },
					{ tagName: 'payment_secret', data: randomBytes(32).toString('hex') },
					{ tagName: 'description', data: `AvatarTalk video #${n} ✓` },
					{ tagName: 'expire_time', data: 60 + n },
				],
			});
			const signed = bolt11Lib.sign(encoded, privateKey);
			const reference = bolt11Lib.decode(signed.paymentRequest as string);
			const ours = decodeBolt11(signed.paymentRequest as string);
			expect(ours.payeeNodeKey).toBe(reference.payeeNodeKey);
			expect(ours.amountMsat?.toString()).toBe(reference.millisatoshis);
			expect(ours.timestamp).toBe(reference.timestamp);
			expect(ours.paymentHash).toBe(paymentHash);
			expect(ours.expiry).toBe(60 + n);
			expect(ours.description).toBe(`AvatarTalk video #${n} ✓`);
			expect(ours.recoveryFlag).toBe(reference.recoveryFlag);
			expect(ours.network.name).toBe(n % 3 === 0 ? 'bitcoin' : 'testnet');
		}
	});

	it('recoverPublicKey refuses out-of-range r and s', () => {
		expect(() => recoverPublicKey(Buffer.alloc(32, 1), 0n, 1n, 0)).toThrow(/out of range/);
	});
});

describe('invoiceSummary', () => {
	it('gives amounts, dates, expiry and network as plain JSON', () => {
		const d = decodeBolt11(VALID.coffee);
		const summary = invoiceSummary(d, (SPEC_TIMESTAMP + 30) * 1000);
		expect(summary).toMatchObject({
			network: 'bitcoin',
			amountMsat: 250000000,
			amountSat: 250000,
			createdAt: new Date(SPEC_TIMESTAMP * 1000).toISOString(),
			expirySeconds: 60,
			expiresAt: new Date((SPEC_TIMESTAMP + 60) * 1000).toISOString(),
			expired: false,
			paymentHash: SPEC_PAYMENT_HASH,
			description: '1 cup coffee',
			payeeNodeKey: SPEC_PAYEE,
		});
		expect(invoiceSummary(d, (SPEC_TIMESTAMP + 60) * 1000).expired).toBe(true);
		expect(invoiceSummary(decodeBolt11(VALID.donation)).amountMsat).toBeNull();
	});
});

// ---- small bech32 helpers for building test invoices ---------------------------------------
const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
function polymod(values: number[]): number {
	const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
	let chk = 1;
	for (const v of values) {
		const top = chk >>> 25;
		chk = ((chk & 0x1ffffff) << 5) ^ v;
		for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GEN[i];
	}
	return chk >>> 0;
}
function expand(hrp: string): number[] {
	return [...[...hrp].map((c) => c.charCodeAt(0) >> 5), 0, ...[...hrp].map((c) => c.charCodeAt(0) & 31)];
}
function encodeBech32(hrp: string, words: number[]): string {
	const mod = polymod([...expand(hrp), ...words, 0, 0, 0, 0, 0, 0]) ^ 1;
	const checksum = Array.from({ length: 6 }, (_, i) => (mod >>> (5 * (5 - i))) & 31);
	return `${hrp}1${[...words, ...checksum].map((w) => CHARSET[w]).join('')}`;
}
function splitBech32(invoice: string): { hrp: string; words: number[] } {
	const at = invoice.lastIndexOf('1');
	return { hrp: invoice.slice(0, at), words: [...invoice.slice(at + 1, -6)].map((c) => CHARSET.indexOf(c)) };
}
function bolt11WordsToBytes(words: number[]): number[] {
	const out: number[] = [];
	let acc = 0;
	let bits = 0;
	for (const w of words) {
		acc = (acc << 5) | w;
		bits += 5;
		while (bits >= 8) {
			bits -= 8;
			out.push((acc >> bits) & 0xff);
		}
		acc &= (1 << bits) - 1;
	}
	return out;
}
function bytesToWords5(bytes: Uint8Array): number[] {
	const out: number[] = [];
	let acc = 0;
	let bits = 0;
	for (const b of bytes) {
		acc = (acc << 8) | b;
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out.push((acc >> bits) & 31);
		}
		acc &= (1 << bits) - 1;
	}
	if (bits) out.push((acc << (5 - bits)) & 31);
	return out;
}

function tag(letter: string, words: number[]): number[] {
	return [CHARSET.indexOf(letter), words.length >> 5, words.length & 31, ...words];
}

/** Signs timestamp + tags with node:crypto (ECDSA, SHA-256) and finds the recovery id by trial. */
function signInvoice(hrp: string, tags: number[][], privateKeyHex: string, timestamp = SPEC_TIMESTAMP): string {
	const ts: number[] = [];
	for (let i = 6; i >= 0; i--) ts.push(Math.floor(timestamp / 32 ** i) % 32);
	const words = [...ts, ...tags.flat()];
	const ecdh = createECDH('secp256k1');
	ecdh.setPrivateKey(Buffer.from(privateKeyHex, 'hex'));
	const publicKey = ecdh.getPublicKey();
	const key = createPrivateKey({
		format: 'jwk',
		key: {
			kty: 'EC',
			crv: 'secp256k1',
			d: Buffer.from(privateKeyHex, 'hex').toString('base64url'),
			x: publicKey.subarray(1, 33).toString('base64url'),
			y: publicKey.subarray(33).toString('base64url'),
		},
	});
	const data = Buffer.concat([Buffer.from(hrp), Buffer.from(bolt11WordsToBytesPadded(words))]);
	const rs = sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
	const hash = createHash('sha256').update(data).digest();
	const r = BigInt(`0x${rs.subarray(0, 32).toString('hex')}`);
	const s = BigInt(`0x${rs.subarray(32).toString('hex')}`);
	const expected = ecdh.getPublicKey('hex', 'compressed');
	let recovery = -1;
	for (let id = 0; id < 4 && recovery < 0; id++) {
		try {
			if (recoverPublicKey(hash, r, s, id) === expected) recovery = id;
		} catch {
			// not this id
		}
	}
	if (recovery < 0) throw new Error('no recovery id matched');
	return encodeBech32(hrp, [...words, ...bytesToWords5(Buffer.concat([rs, Buffer.from([recovery])]))]);
}

function bolt11WordsToBytesPadded(words: number[]): number[] {
	const out = bolt11WordsToBytes(words);
	const leftover = (words.length * 5) % 8;
	if (leftover) {
		let acc = 0;
		for (const w of words.slice(-Math.ceil(leftover / 5))) acc = (acc << 5) | w;
		out.push(((acc & ((1 << leftover) - 1)) << (8 - leftover)) & 0xff);
	}
	return out;
}
