import { createHmac } from 'node:crypto';

import { mapWithConcurrency } from '../../../nodes/shared/concurrency';
import { signHs256Jwt } from '../../../nodes/shared/jwt';

describe('mapWithConcurrency', () => {
	it('never runs more than the limit at once and keeps results in order', async () => {
		let running = 0;
		let peak = 0;
		const results = await mapWithConcurrency(12, 4, async (i) => {
			running++;
			peak = Math.max(peak, running);
			await new Promise((r) => setTimeout(r, 5 + (i % 3) * 5));
			running--;
			if (i === 5) throw new Error('five');
			return i * 2;
		});
		expect(peak).toBe(4);
		expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'x'))).toEqual([0, 2, 4, 6, 8, 'x', 12, 14, 16, 18, 20, 22]);
	});
});

describe('signHs256Jwt', () => {
	it('produces a compact JWT whose signature verifies with the secret', () => {
		const token = signHs256Jwt({ sub: 'a', n: 1 }, 'secret');
		const [header, body, signature] = token.split('.');
		expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
		expect(JSON.parse(Buffer.from(body, 'base64url').toString())).toEqual({ sub: 'a', n: 1 });
		expect(signature).toBe(createHmac('sha256', 'secret').update(`${header}.${body}`).digest('base64url'));
		expect(signHs256Jwt({ sub: 'a', n: 1 }, 'other').split('.')[2]).not.toBe(signature);
	});
});
