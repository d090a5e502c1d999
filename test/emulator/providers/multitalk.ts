import type { Emulator } from '../server';

/** MeiGen-MultiTalk stand-in (../shared/provider-apis/multitalk.md). Only health so far. */
export function register(emulator: Emulator): void {
	const app = emulator.app('multiTalk');
	app.route('GET', '/api/v1/health', (req, res) => {
		if (req.bearer !== emulator.keys.multiTalk) {
			return res.json(401, { error: 'Unauthorized', detail: 'Invalid or missing API key', request_id: 'req_emulator' });
		}
		res.json(200, { status: 'healthy', version: 'v1', timestamp: new Date().toISOString() });
	});
}
