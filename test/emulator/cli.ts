/**
 * `npm run emulator`: starts local stand-ins for all five services and prints what to paste
 * into n8n credentials. Fixed ports by default (EMULATOR_PORT_BASE, default 18600) so saved
 * credentials keep working between runs.
 */
import { startEmulator } from './server';
import type { ServiceName } from './types';
import { SERVICE_NAMES } from './types';

async function main() {
	const base = Number(process.env.EMULATOR_PORT_BASE ?? 18600);
	const ports = Object.fromEntries(SERVICE_NAMES.map((name, i) => [name, base + i])) as Record<ServiceName, number>;
	const settings: Record<string, unknown> = {};
	if (process.env.EMULATOR_SETTINGS) Object.assign(settings, JSON.parse(process.env.EMULATOR_SETTINGS));
	const emulator = await startEmulator({
		ports,
		settings,
		host: process.env.EMULATOR_HOST ?? '127.0.0.1',
		verbose: process.env.EMULATOR_QUIET !== 'true',
	});
	const { urls, keys } = emulator;
	const rows: Array<[string, string, string]> = [
		['AvatarTalk', urls.avatarTalk, `API key: ${keys.avatarTalk}`],
		['MultiTalk', urls.multiTalk, `API key: ${keys.multiTalk}`],
		['MuseTalk', urls.museTalk, 'no key needed'],
		['LiveTalking', urls.liveTalking, `Firebase token: ${keys.liveTalking}`],
		['AvaTar', urls.avaTar, `WebSocket URL: ${urls.avaTarWs} (no key needed)`],
		['LiveKit', urls.liveKit, `API key: ${keys.liveKitKey}  secret: ${keys.liveKitSecret}`],
		['S3 (presigned links)', urls.s3, ''],
		['OpenAI (chat model)', urls.openAi, `API key: ${keys.openAi} (AI Agent examples; Responses API off)`],
	];
	console.log('Talking-avatar emulator is running. Credentials for n8n:\n');
	for (const [name, url, key] of rows) console.log(`  ${name.padEnd(22)} ${url.padEnd(34)} ${key}`);
	console.log(`\nControl API on every port: GET /__emulator/info, GET|DELETE /__emulator/requests, POST|DELETE /__emulator/faults`);
	console.log('Press Ctrl+C to stop.');
	if (process.env.EMULATOR_READY_FILE) {
		const { writeFileSync } = await import('node:fs');
		writeFileSync(process.env.EMULATOR_READY_FILE, JSON.stringify({ urls, keys }));
	}
	const stop = async () => {
		await emulator.close();
		process.exit(0);
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
