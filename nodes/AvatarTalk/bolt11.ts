import { createHash } from 'node:crypto';

/**
 * A BOLT #11 (Lightning invoice) decoder with no dependency: bech32 without the 90-character
 * limit, the human-readable part (network and amount), the timestamp, every tagged field the
 * specification defines, and the signature, checked by recovering the payee's public key
 * (or verifying it against the `n` field) with secp256k1 arithmetic on BigInt.
 *
 * Only public data is handled here, so nothing needs to run in constant time.
 */

// ---- errors ------------------------------------------------------------------------------

export type Bolt11ErrorReason =
	| 'malformed'
	| 'mixed-case'
	| 'checksum'
	| 'not-lightning'
	| 'unknown-network'
	| 'bad-amount'
	| 'bad-multiplier'
	| 'sub-msat-precision'
	| 'too-short'
	| 'recovery-flag'
	| 'bad-signature'
	| 'missing-payment-hash'
	| 'bad-field'
	| 'unknown-feature';

/** Why an invoice was rejected: `reason` for code, `message` for people. */
export class Bolt11Error extends Error {
	constructor(
		readonly reason: Bolt11ErrorReason,
		message: string,
	) {
		super(message);
		this.name = 'Bolt11Error';
	}
}

const fail = (reason: Bolt11ErrorReason, message: string): never => {
	throw new Bolt11Error(reason, message);
};

// ---- bech32 -------------------------------------------------------------------------------

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
const BECH32_CONST = 1;
const BECH32M_CONST = 0x2bc830a3;

function polymod(values: number[]): number {
	let chk = 1;
	for (const value of values) {
		const top = chk >>> 25;
		chk = ((chk & 0x1ffffff) << 5) ^ value;
		for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GENERATOR[i];
	}
	return chk >>> 0;
}

function hrpExpand(hrp: string): number[] {
	const out: number[] = [];
	for (let i = 0; i < hrp.length; i++) out.push(hrp.charCodeAt(i) >> 5);
	out.push(0);
	for (let i = 0; i < hrp.length; i++) out.push(hrp.charCodeAt(i) & 31);
	return out;
}

function bech32Checksum(hrp: string, words: number[], constant: number): number[] {
	const mod = polymod([...hrpExpand(hrp), ...words, 0, 0, 0, 0, 0, 0]) ^ constant;
	return Array.from({ length: 6 }, (_, i) => (mod >>> (5 * (5 - i))) & 31);
}

/** Encodes a bech32 (or bech32m) string; used for fallback addresses. */
export function bech32Encode(hrp: string, words: number[], variant: 'bech32' | 'bech32m' = 'bech32'): string {
	const checksum = bech32Checksum(hrp, words, variant === 'bech32' ? BECH32_CONST : BECH32M_CONST);
	return `${hrp}1${[...words, ...checksum].map((w) => CHARSET[w]).join('')}`;
}

/** Names a character the way a user sees it (or does not see it) in a pasted invoice. */
function describeCharacter(char: string): string {
	const code = char.codePointAt(0) ?? 0;
	if (char === ' ') return 'a space';
	if (char === '\n' || char === '\r') return 'a line break';
	if (char === '\t') return 'a tab';
	if (code === 0xa0) return 'a non-breaking space';
	if ([0x200b, 0x200c, 0x200d, 0x2060, 0xfeff].includes(code)) return 'an invisible zero-width character';
	if (/\s/u.test(char)) return 'a space character';
	if (code < 32 || (code >= 127 && code < 160)) return 'an invisible control character';
	if ('\u2018\u2019\u201c\u201d'.includes(char)) return `a typographic quote (${char})`;
	return `the character "${char}"`;
}

/**
 * Refuses anything that cannot be part of a bech32 string (outside printable ASCII), naming
 * the character and its position in words a user knows: invoices are pasted from wallets,
 * chats and PDFs, which add spaces, line breaks, quotes and invisible characters.
 */
function rejectForeignCharacters(input: string): void {
	let position = 0;
	for (const char of input) {
		position++;
		const code = char.codePointAt(0) ?? 0;
		if (code < 33 || code > 126) {
			fail(
				'malformed',
				`Malformed invoice: it contains ${describeCharacter(char)} at position ${position}; paste the invoice exactly as your wallet shows it, without spaces, line breaks or other characters`,
			);
		}
	}
}

/**
 * Decodes a bech32 string the way BOLT #11 asks: BIP-173 rules (one case only, checksum),
 * but without the 90-character limit. Returns the lower-case human-readable part and the
 * 5-bit words without the checksum.
 */
export function bech32Decode(input: string): { hrp: string; words: number[] } {
	rejectForeignCharacters(input);
	const hasLower = input !== input.toUpperCase();
	const hasUpper = input !== input.toLowerCase();
	if (hasLower && hasUpper) {
		fail('mixed-case', 'Malformed invoice: it mixes upper-case and lower-case letters (bech32 allows one case only)');
	}
	const s = input.toLowerCase();
	const separator = s.lastIndexOf('1');
	if (separator < 1) fail('malformed', 'Malformed invoice: no "1" separator between the prefix and the data');
	if (separator + 7 > s.length) fail('too-short', 'Malformed invoice: too short to hold a bech32 checksum');
	const hrp = s.slice(0, separator);
	const words: number[] = [];
	for (let i = separator + 1; i < s.length; i++) {
		const value = CHARSET.indexOf(s[i]);
		if (value === -1) {
			fail(
				'malformed',
				`Malformed invoice: it contains "${input[i]}" at position ${i + 1}, a character no invoice has after its prefix (invoices never use b, i, o or 1 there); check for a typo`,
			);
		}
		words.push(value);
	}
	if (polymod([...hrpExpand(hrp), ...words]) !== BECH32_CONST) {
		fail('checksum', 'Invalid invoice: the bech32 checksum does not match (a character is wrong or missing)');
	}
	return { hrp, words: words.slice(0, -6) };
}

/** 5-bit words to bytes. With `pad`, leftover bits become a last zero-padded byte; else dropped. */
export function wordsToBytes(words: number[], pad: boolean): Buffer {
	const out: number[] = [];
	let acc = 0;
	let bits = 0;
	for (const word of words) {
		acc = ((acc << 5) | word) & 0xfff;
		bits += 5;
		while (bits >= 8) {
			bits -= 8;
			out.push((acc >> bits) & 0xff);
		}
	}
	if (pad && bits > 0) out.push((acc << (8 - bits)) & 0xff);
	return Buffer.from(out);
}

/** Bytes to 5-bit words, zero-padding the last word. */
export function bytesToWords(bytes: Uint8Array): number[] {
	const out: number[] = [];
	let acc = 0;
	let bits = 0;
	for (const byte of bytes) {
		acc = ((acc << 8) | byte) & 0xfff;
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out.push((acc >> bits) & 31);
		}
	}
	if (bits > 0) out.push((acc << (5 - bits)) & 31);
	return out;
}

function wordsToInt(words: number[]): bigint {
	let value = 0n;
	for (const word of words) value = (value << 5n) | BigInt(word);
	return value;
}

// ---- secp256k1 ------------------------------------------------------------------------------

const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const G: Affine = {
	x: 0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n,
	y: 0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8n,
};

interface Affine {
	x: bigint;
	y: bigint;
}
/** Jacobian coordinates: (X / Z^2, Y / Z^3); Z = 0 is the point at infinity. */
interface Jacobian {
	x: bigint;
	y: bigint;
	z: bigint;
}
const INFINITY: Jacobian = { x: 0n, y: 1n, z: 0n };

function mod(a: bigint, m: bigint): bigint {
	const r = a % m;
	return r < 0n ? r + m : r;
}

/** Modular inverse by the extended Euclidean algorithm (m prime, a not a multiple of m). */
function invert(a: bigint, m: bigint): bigint {
	let [oldR, r] = [mod(a, m), m];
	let [oldS, s] = [1n, 0n];
	while (r !== 0n) {
		const q = oldR / r;
		[oldR, r] = [r, oldR - q * r];
		[oldS, s] = [s, oldS - q * s];
	}
	if (oldR !== 1n) throw new Error('value has no inverse');
	return mod(oldS, m);
}

function powMod(base: bigint, exponent: bigint, m: bigint): bigint {
	let result = 1n;
	let b = mod(base, m);
	let e = exponent;
	while (e > 0n) {
		if (e & 1n) result = (result * b) % m;
		b = (b * b) % m;
		e >>= 1n;
	}
	return result;
}

function toJacobian(p: Affine): Jacobian {
	return { x: p.x, y: p.y, z: 1n };
}

function toAffine(p: Jacobian): Affine | undefined {
	if (p.z === 0n) return undefined;
	const zInv = invert(p.z, P);
	const zInv2 = (zInv * zInv) % P;
	return { x: (p.x * zInv2) % P, y: (p.y * zInv2 * zInv) % P };
}

function pointDouble(p: Jacobian): Jacobian {
	if (p.z === 0n || p.y === 0n) return INFINITY;
	const y2 = (p.y * p.y) % P;
	const s = (4n * p.x * y2) % P;
	const m = (3n * p.x * p.x) % P; // a = 0 on secp256k1
	const x = mod(m * m - 2n * s, P);
	const y = mod(m * (s - x) - 8n * y2 * y2, P);
	const z = (2n * p.y * p.z) % P;
	return { x, y, z };
}

function pointAdd(p: Jacobian, q: Jacobian): Jacobian {
	if (p.z === 0n) return q;
	if (q.z === 0n) return p;
	const pz2 = (p.z * p.z) % P;
	const qz2 = (q.z * q.z) % P;
	const u1 = (p.x * qz2) % P;
	const u2 = (q.x * pz2) % P;
	const s1 = (p.y * qz2 * q.z) % P;
	const s2 = (q.y * pz2 * p.z) % P;
	if (u1 === u2) return s1 === s2 ? pointDouble(p) : INFINITY;
	const h = mod(u2 - u1, P);
	const r = mod(s2 - s1, P);
	const h2 = (h * h) % P;
	const h3 = (h2 * h) % P;
	const u1h2 = (u1 * h2) % P;
	const x = mod(r * r - h3 - 2n * u1h2, P);
	const y = mod(r * (u1h2 - x) - s1 * h3, P);
	const z = (h * p.z * q.z) % P;
	return { x, y, z };
}

function multiply(point: Affine, scalar: bigint): Jacobian {
	let result = INFINITY;
	let addend = toJacobian(point);
	let k = mod(scalar, N);
	while (k > 0n) {
		if (k & 1n) result = pointAdd(result, addend);
		addend = pointDouble(addend);
		k >>= 1n;
	}
	return result;
}

function isOnCurve(p: Affine): boolean {
	return mod(p.y * p.y - (p.x * p.x * p.x + 7n), P) === 0n;
}

/** The curve point with this x and y parity, if any (square root mod p, p ≡ 3 mod 4). */
function liftX(x: bigint, odd: boolean): Affine | undefined {
	if (x >= P) return undefined;
	const alpha = mod(x * x * x + 7n, P);
	const beta = powMod(alpha, (P + 1n) / 4n, P);
	if ((beta * beta) % P !== alpha) return undefined;
	const y = (beta & 1n) === (odd ? 1n : 0n) ? beta : P - beta;
	return { x, y };
}

function bytesToBigInt(bytes: Uint8Array): bigint {
	return bytes.length ? BigInt(`0x${Buffer.from(bytes).toString('hex')}`) : 0n;
}

function compressPoint(p: Affine): string {
	return `${p.y & 1n ? '03' : '02'}${p.x.toString(16).padStart(64, '0')}`;
}

/** Parses a 33-byte compressed public key; undefined when it is not a point on the curve. */
export function decompressPublicKey(key: Uint8Array): Affine | undefined {
	if (key.length !== 33 || (key[0] !== 2 && key[0] !== 3)) return undefined;
	return liftX(bytesToBigInt(key.subarray(1)), key[0] === 3);
}

/**
 * Recovers the public key that made an ECDSA signature over `hash` (SEC 1, 4.1.6), as a
 * compressed hex key. Throws a Bolt11Error when the signature cannot be recovered.
 */
export function recoverPublicKey(hash: Uint8Array, r: bigint, s: bigint, recoveryId: number): string {
	if (r <= 0n || r >= N || s <= 0n || s >= N) {
		fail('bad-signature', 'Invalid invoice signature: r or s is out of range');
	}
	const x = recoveryId >= 2 ? r + N : r;
	const point = liftX(x, (recoveryId & 1) === 1);
	if (!point) fail('bad-signature', 'Invalid invoice signature: the signature is not recoverable (r is not a point on the curve)');
	const e = mod(bytesToBigInt(hash), N);
	const rInv = invert(r, N);
	const u1 = mod(-e * rInv, N);
	const u2 = mod(s * rInv, N);
	const q = toAffine(pointAdd(multiply(G, u1), multiply(point as Affine, u2)));
	if (!q) fail('bad-signature', 'Invalid invoice signature: the recovered key is the point at infinity');
	// Belt and braces: the recovered key must verify the signature it came from.
	if (!verifySignature(hash, r, s, q as Affine)) {
		fail('bad-signature', 'Invalid invoice signature: the recovered key does not verify the signature');
	}
	return compressPoint(q as Affine);
}

/** Plain ECDSA verification of (r, s) over `hash` with a public key point. */
export function verifySignature(hash: Uint8Array, r: bigint, s: bigint, key: Affine): boolean {
	if (r <= 0n || r >= N || s <= 0n || s >= N || !isOnCurve(key)) return false;
	const e = mod(bytesToBigInt(hash), N);
	const w = invert(s, N);
	const point = toAffine(pointAdd(multiply(G, mod(e * w, N)), multiply(key, mod(r * w, N))));
	return point !== undefined && mod(point.x, N) === r;
}

// ---- networks and addresses -----------------------------------------------------------------

export interface Bolt11Network {
	/** The BIP-173 currency prefix after "ln": bc, tb, tbs, bcrt, sb. */
	prefix: string;
	name: 'bitcoin' | 'testnet' | 'signet' | 'regtest' | 'simnet';
	/** bech32 prefix of its on-chain segwit addresses. */
	segwitHrp: string;
	pubKeyHash: number;
	scriptHash: number;
}

export const BOLT11_NETWORKS: Bolt11Network[] = [
	{ prefix: 'bc', name: 'bitcoin', segwitHrp: 'bc', pubKeyHash: 0x00, scriptHash: 0x05 },
	{ prefix: 'tb', name: 'testnet', segwitHrp: 'tb', pubKeyHash: 0x6f, scriptHash: 0xc4 },
	{ prefix: 'tbs', name: 'signet', segwitHrp: 'tb', pubKeyHash: 0x6f, scriptHash: 0xc4 },
	{ prefix: 'bcrt', name: 'regtest', segwitHrp: 'bcrt', pubKeyHash: 0x6f, scriptHash: 0xc4 },
	{ prefix: 'sb', name: 'simnet', segwitHrp: 'sb', pubKeyHash: 0x3f, scriptHash: 0x7b },
];

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function base58Check(version: number, payload: Uint8Array): string {
	const body = Buffer.concat([Buffer.from([version]), Buffer.from(payload)]);
	const checksum = createHash('sha256').update(createHash('sha256').update(body).digest()).digest().subarray(0, 4);
	const bytes = Buffer.concat([body, checksum]);
	let n = bytesToBigInt(bytes);
	let out = '';
	while (n > 0n) {
		out = BASE58[Number(n % 58n)] + out;
		n /= 58n;
	}
	for (const byte of bytes) {
		if (byte !== 0) break;
		out = `1${out}`;
	}
	return out;
}

// ---- features ------------------------------------------------------------------------------

/** BOLT #9 features that may appear in invoices (even = required, odd = optional). */
const KNOWN_FEATURES: Record<number, string> = {
	8: 'var_onion_optin',
	14: 'payment_secret',
	16: 'basic_mpp',
	24: 'option_route_blinding',
	30: 'amp',
	48: 'option_payment_metadata',
};

function featureName(bit: number): string | undefined {
	const name = KNOWN_FEATURES[bit - (bit % 2)];
	return name ? `${name} (${bit % 2 === 0 ? 'required' : 'optional'})` : undefined;
}

// ---- the invoice ---------------------------------------------------------------------------

export interface RouteHintHop {
	nodeId: string;
	/** `block x transaction x output`, as explorers show it. */
	shortChannelId: string;
	feeBaseMsat: number;
	feeProportionalMillionths: number;
	cltvExpiryDelta: number;
}

export interface FallbackAddress {
	/** 0-16: segwit version; 17: P2PKH; 18: P2SH. */
	version: number;
	address: string;
}

export interface DecodedInvoice {
	/** The invoice, lower-cased and without a `lightning:` prefix. */
	paymentRequest: string;
	/** Human-readable part, e.g. `lnbc2500u`. */
	prefix: string;
	network: Bolt11Network;
	/** Undefined when the invoice leaves the amount to the payer. */
	amountMsat?: bigint;
	/** Creation time, seconds since 1970. */
	timestamp: number;
	/** Seconds after `timestamp` when the invoice expires (3600 when the invoice does not say). */
	expiry: number;
	paymentHash: string;
	paymentSecret?: string;
	description?: string;
	descriptionHash?: string;
	/** Blocks; 18 when the invoice does not say. */
	minFinalCltvExpiry: number;
	fallbackAddresses: FallbackAddress[];
	routeHints: RouteHintHop[][];
	/** Feature bits set in the `9` field. */
	featureBits: number[];
	features: string[];
	/** Payment metadata (`m` field), hex. */
	paymentMetadata?: string;
	/** Compressed public key of the payee node, hex. */
	payeeNodeKey: string;
	/** How the payee key was established: recovered from the signature, or given in `n` and verified. */
	payeeNodeKeySource: 'recovered' | 'n-field';
	/** r || s, hex. */
	signature: string;
	recoveryFlag: number;
	/** Tag letters that were skipped (unknown, or of a length the spec says to ignore). */
	ignoredFields: string[];
}

const SIGNATURE_WORDS = 104;
const TIMESTAMP_WORDS = 7;

function parseHumanReadablePart(hrp: string): { network: Bolt11Network; amountMsat?: bigint } {
	if (!hrp.startsWith('ln')) {
		fail('not-lightning', `Not a Lightning invoice: the prefix "${hrp}" does not start with "ln"`);
	}
	const match = /^ln([a-z]+)(\d*)([a-z]?)$/.exec(hrp);
	if (!match) {
		// Letters, digits, then something else: the amount part is broken.
		const bad = /^ln[a-z]+\d+([a-z].+|[^a-z\d].*)$/.exec(hrp);
		if (bad) fail('bad-multiplier', `Invalid invoice amount: "${bad[1]}" is not a multiplier (allowed: m, u, n, p)`);
		fail('bad-amount', `Invalid invoice amount in the prefix "${hrp}"`);
	}
	const [, currency, digits, multiplier] = match as RegExpExecArray;
	const network = BOLT11_NETWORKS.find((n) => n.prefix === currency);
	if (!network) {
		fail(
			'unknown-network',
			`Unknown network: the invoice prefix "ln${currency}" is not one of ${BOLT11_NETWORKS.map((n) => `ln${n.prefix} (${n.name})`).join(', ')}`,
		);
	}
	if (digits === '') {
		if (multiplier) fail('bad-amount', `Invalid invoice amount: a multiplier "${multiplier}" without a number`);
		return { network: network as Bolt11Network };
	}
	if (digits.startsWith('0')) {
		fail('bad-amount', `Invalid invoice amount "${digits}": it must be a positive number without leading zeros`);
	}
	const amount = BigInt(digits);
	// 1 BTC = 100,000,000 sat = 100,000,000,000 msat.
	let amountMsat: bigint;
	switch (multiplier) {
		case '':
			amountMsat = amount * 100_000_000_000n;
			break;
		case 'm':
			amountMsat = amount * 100_000_000n;
			break;
		case 'u':
			amountMsat = amount * 100_000n;
			break;
		case 'n':
			amountMsat = amount * 100n;
			break;
		case 'p':
			if (amount % 10n !== 0n) {
				fail(
					'sub-msat-precision',
					`Invalid invoice amount "${digits}p": pico-bitcoin amounts must end in 0 (an amount below one millisatoshi cannot be paid)`,
				);
			}
			amountMsat = amount / 10n;
			break;
		default:
			return fail('bad-multiplier', `Invalid invoice amount: "${multiplier}" is not a multiplier (allowed: m, u, n, p)`);
	}
	return { network: network as Bolt11Network, amountMsat };
}

function parseRouteHints(bytes: Buffer): RouteHintHop[] {
	const HOP = 51;
	if (bytes.length === 0 || bytes.length % HOP !== 0) {
		fail('bad-field', `Invalid invoice: a routing hint (r field) of ${bytes.length} bytes is not a list of 51-byte hops`);
	}
	const hops: RouteHintHop[] = [];
	for (let offset = 0; offset < bytes.length; offset += HOP) {
		const hop = bytes.subarray(offset, offset + HOP);
		const block = hop.readUIntBE(33, 3);
		const tx = hop.readUIntBE(36, 3);
		const output = hop.readUInt16BE(39);
		hops.push({
			nodeId: hop.subarray(0, 33).toString('hex'),
			shortChannelId: `${block}x${tx}x${output}`,
			feeBaseMsat: hop.readUInt32BE(41),
			feeProportionalMillionths: hop.readUInt32BE(45),
			cltvExpiryDelta: hop.readUInt16BE(49),
		});
	}
	return hops;
}

function parseFallback(words: number[], network: Bolt11Network): FallbackAddress | undefined {
	if (words.length === 0) fail('bad-field', 'Invalid invoice: an empty fallback address (f field)');
	const version = words[0];
	const program = wordsToBytes(words.slice(1), false);
	if (version === 17) {
		if (program.length !== 20) fail('bad-field', 'Invalid invoice: a P2PKH fallback address must hold 20 bytes');
		return { version, address: base58Check(network.pubKeyHash, program) };
	}
	if (version === 18) {
		if (program.length !== 20) fail('bad-field', 'Invalid invoice: a P2SH fallback address must hold 20 bytes');
		return { version, address: base58Check(network.scriptHash, program) };
	}
	if (version <= 16) {
		if (program.length < 2 || program.length > 40 || (version === 0 && program.length !== 20 && program.length !== 32)) {
			fail('bad-field', `Invalid invoice: a version ${version} witness fallback address cannot hold ${program.length} bytes`);
		}
		const address = bech32Encode(network.segwitHrp, [version, ...bytesToWords(program)], version === 0 ? 'bech32' : 'bech32m');
		return { version, address };
	}
	return undefined; // versions 19-31: unknown, skipped as the spec asks
}

function parseFeatures(words: number[]): number[] {
	const bits: number[] = [];
	for (let i = 0; i < words.length; i++) {
		for (let b = 0; b < 5; b++) {
			if ((words[i] >> b) & 1) bits.push((words.length - 1 - i) * 5 + b);
		}
	}
	return bits.sort((a, b) => a - b);
}

function safeNumber(value: bigint, what: string): number {
	if (value > BigInt(Number.MAX_SAFE_INTEGER)) fail('bad-field', `Invalid invoice: ${what} is too large`);
	return Number(value);
}

/**
 * The invoice as a user pasted it, made decodable: without a `lightning:` URI prefix and
 * without whitespace (spaces, tabs, line breaks, non-breaking spaces), which wallets and chats
 * add when they wrap or format a long invoice. Removing them is safe: no invoice contains
 * whitespace, and the bech32 checksum still catches a changed or missing character.
 */
export function normalizeInvoiceText(invoice: unknown): string {
	let input = String(invoice ?? '').replace(/\s+/gu, '');
	if (/^lightning:/i.test(input)) input = input.slice('lightning:'.length);
	return input;
}

/** Decodes and verifies a BOLT #11 invoice; throws a Bolt11Error saying what is wrong. */
export function decodeBolt11(invoice: string): DecodedInvoice {
	const input = normalizeInvoiceText(invoice);
	if (input === '') fail('malformed', 'Malformed invoice: it is empty');
	const { hrp, words } = bech32Decode(input);
	const { network, amountMsat } = parseHumanReadablePart(hrp);
	if (words.length < TIMESTAMP_WORDS + SIGNATURE_WORDS) {
		fail('too-short', 'Malformed invoice: too short to hold a timestamp and a signature');
	}

	const timestamp = Number(wordsToInt(words.slice(0, TIMESTAMP_WORDS)));
	const signed = words.slice(0, words.length - SIGNATURE_WORDS);
	const signatureBytes = wordsToBytes(words.slice(words.length - SIGNATURE_WORDS), false);
	const recoveryFlag = signatureBytes[64];
	if (recoveryFlag > 3) {
		fail('recovery-flag', `Invalid invoice signature: the recovery flag is ${recoveryFlag} (allowed: 0 to 3)`);
	}
	const r = bytesToBigInt(signatureBytes.subarray(0, 32));
	const s = bytesToBigInt(signatureBytes.subarray(32, 64));

	const decoded: Partial<DecodedInvoice> & { ignoredFields: string[]; fallbackAddresses: FallbackAddress[]; routeHints: RouteHintHop[][] } = {
		ignoredFields: [],
		fallbackAddresses: [],
		routeHints: [],
	};
	let expiry: number | undefined;
	let minFinalCltvExpiry: number | undefined;
	let nodeKey: Buffer | undefined;
	let featureBits: number[] = [];

	const tagged = words.slice(TIMESTAMP_WORDS, words.length - SIGNATURE_WORDS);
	let i = 0;
	while (i < tagged.length) {
		if (i + 3 > tagged.length) fail('malformed', 'Malformed invoice: a tagged field is cut short');
		const type = tagged[i];
		const length = tagged[i + 1] * 32 + tagged[i + 2];
		i += 3;
		if (i + length > tagged.length) {
			fail('malformed', `Malformed invoice: the "${CHARSET[type]}" field is longer than the invoice`);
		}
		const data = tagged.slice(i, i + length);
		i += length;
		const letter = CHARSET[type];
		const bytes = () => wordsToBytes(data, false);
		switch (letter) {
			case 'p': // payment hash: 52 words or ignored
			case 's': // payment secret
			case 'h': {
				// description hash
				if (length !== 52) {
					decoded.ignoredFields.push(letter);
					break;
				}
				const hex = bytes().toString('hex');
				if (letter === 'p') decoded.paymentHash ??= hex;
				else if (letter === 's') decoded.paymentSecret ??= hex;
				else decoded.descriptionHash ??= hex;
				break;
			}
			case 'n':
				if (length !== 53) {
					decoded.ignoredFields.push(letter);
					break;
				}
				nodeKey ??= bytes();
				break;
			case 'd': {
				if (decoded.description !== undefined) break;
				const raw = bytes();
				const text = raw.toString('utf8');
				if (!Buffer.from(text, 'utf8').equals(raw)) fail('bad-field', 'Invalid invoice: the description (d field) is not valid UTF-8');
				decoded.description = text;
				break;
			}
			case 'x':
				expiry ??= safeNumber(wordsToInt(data), 'the expiry (x field)');
				break;
			case 'c':
				minFinalCltvExpiry ??= safeNumber(wordsToInt(data), 'min_final_cltv_expiry (c field)');
				break;
			case 'f': {
				const fallback = parseFallback(data, network);
				if (fallback) decoded.fallbackAddresses.push(fallback);
				else decoded.ignoredFields.push(letter);
				break;
			}
			case 'r':
				decoded.routeHints.push(parseRouteHints(bytes()));
				break;
			case '9':
				featureBits = parseFeatures(data);
				break;
			case 'm':
				decoded.paymentMetadata ??= bytes().toString('hex');
				break;
			default:
				decoded.ignoredFields.push(letter);
		}
	}

	if (!decoded.paymentHash) fail('missing-payment-hash', 'Invalid invoice: it has no payment hash (p field)');
	const unknownRequired = featureBits.filter((bit) => bit % 2 === 0 && !KNOWN_FEATURES[bit]);
	if (unknownRequired.length) {
		fail('unknown-feature', `Invalid invoice: it requires unknown feature bit ${unknownRequired.join(', ')} (an even bit that a payer must understand)`);
	}

	const hash = createHash('sha256')
		.update(Buffer.concat([Buffer.from(hrp, 'utf8'), wordsToBytes(signed, true)]))
		.digest();
	let payeeNodeKey: string;
	let payeeNodeKeySource: DecodedInvoice['payeeNodeKeySource'];
	if (nodeKey) {
		const point = decompressPublicKey(nodeKey);
		if (!point) fail('bad-field', 'Invalid invoice: the payee node key (n field) is not a valid public key');
		if (!verifySignature(hash, r, s, point as Affine)) {
			fail('bad-signature', 'Invalid invoice signature: it was not made by the payee node key in the n field');
		}
		payeeNodeKey = nodeKey.toString('hex');
		payeeNodeKeySource = 'n-field';
	} else {
		payeeNodeKey = recoverPublicKey(hash, r, s, recoveryFlag);
		payeeNodeKeySource = 'recovered';
	}

	return {
		paymentRequest: input.toLowerCase(),
		prefix: hrp,
		network,
		amountMsat,
		timestamp,
		expiry: expiry ?? 3600,
		paymentHash: decoded.paymentHash as string,
		paymentSecret: decoded.paymentSecret,
		description: decoded.description,
		descriptionHash: decoded.descriptionHash,
		minFinalCltvExpiry: minFinalCltvExpiry ?? 18,
		fallbackAddresses: decoded.fallbackAddresses,
		routeHints: decoded.routeHints,
		featureBits,
		features: featureBits.map((bit) => featureName(bit) ?? `unknown (${bit}, optional)`),
		paymentMetadata: decoded.paymentMetadata,
		payeeNodeKey,
		payeeNodeKeySource,
		signature: signatureBytes.subarray(0, 64).toString('hex'),
		recoveryFlag,
		ignoredFields: decoded.ignoredFields,
	};
}

/** Epoch seconds when the invoice expires. */
export function invoiceExpiresAt(invoice: DecodedInvoice): number {
	return invoice.timestamp + invoice.expiry;
}

/**
 * The decoded invoice as plain JSON for an n8n item: amounts in msat and sat, creation and
 * expiry as dates, whether it has expired at `now` (epoch ms).
 */
export function invoiceSummary(invoice: DecodedInvoice, now: number = Date.now()): Record<string, unknown> {
	const msat = invoice.amountMsat;
	const expiresAt = invoiceExpiresAt(invoice);
	const summary: Record<string, unknown> = {
		network: invoice.network.name,
		amountMsat: msat === undefined ? null : msat <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(msat) : msat.toString(),
		amountSat: msat === undefined ? null : Number(msat) / 1000,
		createdAt: new Date(invoice.timestamp * 1000).toISOString(),
		timestamp: invoice.timestamp,
		expirySeconds: invoice.expiry,
		expiresAt: new Date(expiresAt * 1000).toISOString(),
		expired: now >= expiresAt * 1000,
		paymentHash: invoice.paymentHash,
		description: invoice.description ?? null,
		payeeNodeKey: invoice.payeeNodeKey,
		minFinalCltvExpiry: invoice.minFinalCltvExpiry,
	};
	if (invoice.descriptionHash) summary.descriptionHash = invoice.descriptionHash;
	if (invoice.paymentSecret) summary.paymentSecret = invoice.paymentSecret;
	if (invoice.featureBits.length) summary.features = invoice.features;
	if (invoice.fallbackAddresses.length) summary.fallbackAddresses = invoice.fallbackAddresses;
	if (invoice.routeHints.length) summary.routeHints = invoice.routeHints;
	if (invoice.paymentMetadata) summary.paymentMetadata = invoice.paymentMetadata;
	return summary;
}
