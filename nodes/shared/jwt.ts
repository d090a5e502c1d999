import { createHmac } from 'node:crypto';

/** base64url without padding, as JWTs require. */
export function base64Url(input: Buffer | string): string {
	return Buffer.from(input).toString('base64url');
}

/** Signs a compact HS256 JSON Web Token with `node:crypto` (no runtime dependency). */
export function signHs256Jwt(payload: Record<string, unknown>, secret: string): string {
	const header = base64Url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
	const body = base64Url(JSON.stringify(payload));
	const signature = createHmac('sha256', secret).update(`${header}.${body}`).digest('base64url');
	return `${header}.${body}.${signature}`;
}
