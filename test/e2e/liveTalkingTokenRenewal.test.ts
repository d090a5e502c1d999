/**
 * Issue #16 in real n8n (the built package as a community package, `n8n execute`): a LiveTalking
 * credential signed in with a Firebase refresh token keeps a scheduled workflow running across
 * ID-token expiries. n8n itself runs the credential's preAuthentication (first use, and after the
 * backend's 401), saves the new ID token in its database and the next run reuses it.
 * The emulator's Firebase clock moves an hour between runs: no real waiting.
 */
import { FIREBASE_API_KEY, FIREBASE_REFRESH_TOKEN, advanceFirebaseClock } from '../emulator/providers/firebase';
import type { Emulator } from '../emulator/server';
import type { N8nHome } from './n8nRunner';
import { executeWorkflow } from './n8nRunner';
import { useN8nHome } from './n8nHome';

// The first run on a machine provisions n8n (~8 min, synchronously) inside beforeAll.
jest.setTimeout(20 * 60_000);

const TRIGGER = 'When clicking ‘Execute workflow’';
let emulator: Emulator;
let home: N8nHome | undefined;

useN8nHome({
	onEmulator: (e) => (emulator = e),
	home: () => ({
		credentials: [
			{
				id: 'e2eLtRefresh0001',
				name: 'LiveTalking (refresh token)',
				type: 'liveTalkingApi',
				data: {
					baseUrl: emulator.url('liveTalking'),
					authMethod: 'refreshToken',
					firebaseApiKey: FIREBASE_API_KEY,
					firebaseRefreshToken: FIREBASE_REFRESH_TOKEN,
					firebaseExchangeUrl: emulator.urls.firebaseToken,
				},
			},
		],
		workflows: [
			{
				id: 'e2eLtRenewal0001',
				name: 'Hourly avatar announcement',
				nodes: [
					{ id: 't', name: TRIGGER, type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
					{
						id: 'n',
						name: 'LiveTalking',
						type: 'n8n-nodes-talking-avatars.liveTalking',
						typeVersion: 1,
						position: [220, 0],
						parameters: { resource: 'session', operation: 'sendText', sessionId: '777', text: 'The hourly update.' },
						credentials: { liveTalkingApi: { id: 'e2eLtRefresh0001', name: 'LiveTalking (refresh token)' } },
					},
				],
				connections: { [TRIGGER]: { main: [[{ node: 'LiveTalking', type: 'main', index: 0 }]] } },
				settings: { executionOrder: 'v1' },
			},
		],
	}),
	onHome: (h) => (home = h),
});

it('runs hourly across three ID-token expiries, minting one token per hour and reusing it within the hour', async () => {
	const exchanges = () => emulator.requests({ service: 'firebase', path: '/v1/token' }).length;
	const sent = () => emulator.requests({ service: 'liveTalking', path: '/api/v1/avatar/send-text' }).filter((r) => r.status === 200).length;
	const expected = [
		{ hour: 0, exchanges: 1 },
		{ hour: 0.5, exchanges: 1 }, // the saved token is still good
		{ hour: 1.5, exchanges: 2 }, // expired: 401, renewed, sent again
		{ hour: 2.5, exchanges: 3 },
		{ hour: 3.5, exchanges: 4 },
	];
	let hour = 0;
	for (const step of expected) {
		advanceFirebaseClock(emulator, (step.hour - hour) * 3600);
		hour = step.hour;
		const result = await executeWorkflow(home as N8nHome, 'e2eLtRenewal0001');
		expect({ hour, status: result.status, error: result.error?.message }).toEqual({ hour, status: 'success', error: undefined });
		expect(result.json('LiveTalking')).toMatchObject([{ success: true, message: 'Text sent successfully' }]);
		expect({ hour, exchanges: exchanges() }).toEqual(step);
		expect(JSON.stringify(result.run)).not.toContain(FIREBASE_REFRESH_TOKEN);
	}
	expect(sent()).toBe(expected.length);
});
