/**
 * AvatarTalk "Continuous Session" (/ws/continuous) through n8n-core's engine against the
 * emulator: the message protocol in order, all items in one session, the fMP4 output, buffer
 * reports, billing and error messages, drops, the size cap, validation.
 */
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { AvatarTalk } from '../../../../nodes/AvatarTalk/AvatarTalk.node';
import { AVATARS, LANGUAGES } from '../../../../nodes/AvatarTalk/constants';
import { AVATARTALK_NO_CREDITS_KEY, CONTINUOUS_STATES, avatarTalkState } from '../../../emulator/providers/avatartalk';
import type { Emulator } from '../../../emulator/server';
import { expectFragmentedMp4 } from '../../../helpers/mp4';
import { NODE, expectApiErrorWithoutOutput, items, openContinuousSocket, outputBinary, runAvatarTalk, useAvatarTalkEmulator } from './helpers';

let emulator: Emulator;
useAvatarTalkEmulator((e) => (emulator = e), {
	settings: { avatarTalkLatencyMs: 5, avatarTalkFragmentIntervalMs: 2 },
	reset: (e) => {
		avatarTalkState(e).continuousSessions.length = 0;
	},
});

const LLM_CHUNKS = ['Hello', ' there! I am', ' your assistant.', ' How can I help', ' you today?'];
const continuous = (extra: Record<string, unknown> = {}) => ({
	resource: 'stream',
	operation: 'continuousSession',
	inputMode: 'append',
	text: '={{ $json.chunk }}',
	avatar: 'mexican_woman',
	expression: 'happy',
	language: 'en',
	...extra,
});
const chunkItems = (chunks = LLM_CHUNKS) => items(chunks.length, (i) => ({ chunk: chunks[i] }));
const sessions = () => avatarTalkState(emulator).continuousSessions;
const received = () => sessions()[0].received.map((m) => m.type);

describe('Continuous Session: one session for all items', () => {
	it('streams every item as text_append, then text_stream_done, and returns one fMP4 paired with all items', async () => {
		const result = await runAvatarTalk(emulator, continuous(), { items: chunkItems() });
		expect(result.error).toBeUndefined();
		const out = result.items(NODE);
		expect(out).toHaveLength(1);
		expect(out[0].pairedItem).toEqual(LLM_CHUNKS.map((_, item) => ({ item })));

		const [conn] = emulator.requests({ service: 'avatarTalk', path: '/ws/continuous' });
		expect(conn.headers.authorization).toBe(`Bearer ${emulator.keys.avatarTalk}`);
		expect(conn.query).toEqual({ avatar: 'mexican_woman', expression: 'happy', language: 'en' });

		const session = sessions()[0];
		const protocol = received().filter((t) => t !== 'buffer_status');
		expect(protocol).toEqual(['session_start', ...LLM_CHUNKS.map(() => 'text_append'), 'text_stream_done', 'session_end']);
		expect(session.received[0].data).toEqual({
			avatar_name: 'mexican_woman',
			expression: 'happy',
			language: 'en',
			expressive_mode: false,
			target_buffer_ms: 2000,
			min_buffer_ms: 500,
			max_buffer_ms: 5000,
		});
		expect(session.received.filter((m) => m.type === 'text_append').map((m) => (m.data as { text: string }).text)).toEqual(LLM_CHUNKS);
		expect(session.spokenCharacters).toBe(LLM_CHUNKS.join('').length);
		expect(session.closeCode).toBe(1000);

		const [json] = result.json(NODE);
		expect(json).toMatchObject({
			session_id: session.sessionId,
			input_mode: 'append',
			texts_sent: LLM_CHUNKS.length,
			characters_sent: LLM_CHUNKS.join('').length,
			fragments: session.fragmentsSent,
			file_size_bytes: session.bytesSent,
			file_name: `avatartalk-continuous-${session.sessionId}.mp4`,
		});
		const transitions = (json.state_transitions as Array<{ from: string; to: string }>).map((s) => `${s.from}>${s.to}`);
		expect(transitions).toEqual([
			'initial>silence',
			'silence>dynamic_speech',
			'dynamic_speech>dynamic_to_silence',
			'dynamic_to_silence>silence',
			'silence>terminated',
		]);
		for (const s of json.state_transitions as Array<{ from: string; to: string }>) {
			expect(CONTINUOUS_STATES).toContain(s.from);
			expect(CONTINUOUS_STATES).toContain(s.to);
		}
		const acks = (json.acknowledgements as Array<{ type: string; text_length?: number }>);
		expect(acks.map((a) => a.type)).toEqual([...LLM_CHUNKS.map(() => 'text_appended'), 'text_stream_completed']);
		expect(acks.slice(0, -1).map((a) => a.text_length)).toEqual(LLM_CHUNKS.map((c) => c.length));
		expect(json.ready_to_listen).toHaveLength(1);
		expect(json.time_to_first_chunk_ms).toEqual(expect.any(Number));
		expect(json.time_to_session_ready_ms).toEqual(expect.any(Number));
		expect(json.time_to_speech_ms).toEqual(expect.any(Number));

		const { meta, bytes } = await outputBinary(result);
		expect(meta.mimeType).toBe('video/mp4');
		const info = expectFragmentedMp4(bytes);
		expect(info.fragments).toBe(session.fragmentsSent);
		expect(info.tracks.find((t) => t.kind === 'video')).toMatchObject({ width: 512, height: 512 });
		expect(json.video_duration_seconds).toBeGreaterThan(0);
	});

	it('queues each item as text_input (with mode and expression) after the end-of-turn segment', async () => {
		const texts = ['Good morning.', 'Here is the weather for today.'];
		const result = await runAvatarTalk(
			emulator,
			continuous({ inputMode: 'queue', text: '={{ $json.chunk }}', expression: 'serious', options: { turnStart: true, speechMode: 'dynamic_only', expressiveMode: true, targetBufferMs: 1500, minBufferMs: 300, maxBufferMs: 4000 } }),
			{ items: chunkItems(texts) },
		);
		expect(result.error).toBeUndefined();
		const session = sessions()[0];
		expect(received().filter((t) => t !== 'buffer_status')).toEqual(['session_start', 'turn_start', 'text_input', 'text_input', 'session_end']);
		expect(session.received[0].data).toMatchObject({ expression: 'serious', expressive_mode: true, target_buffer_ms: 1500, min_buffer_ms: 300, max_buffer_ms: 4000 });
		expect(session.received[1].data).toEqual({ expression: 'serious' });
		expect(session.received.filter((m) => m.type === 'text_input').map((m) => m.data)).toEqual(
			texts.map((text) => ({ text, expression: 'serious', mode: 'dynamic_only' })),
		);
		const [json] = result.json(NODE);
		const states = (json.state_transitions as Array<{ to: string }>).map((s) => s.to);
		expect(states).toEqual(expect.arrayContaining(['silence_to_pregen', 'pregen_video', 'pregen_to_dynamic', 'dynamic_speech', 'terminated']));
		expect((json.acknowledgements as Array<{ type: string }>).map((a) => a.type)).toEqual(['text_queued', 'text_queued']);
		expect(result.items(NODE)[0].pairedItem).toEqual([{ item: 0 }, { item: 1 }]);
		expectFragmentedMp4((await outputBinary(result)).bytes);
	});

	it.each([2, 3])('Separate Texts: all %i texts are spoken to the end before session_end (one ready_to_listen each)', async (count) => {
		const texts = ['Good morning, and welcome.', 'Here is the weather for today.', 'Have a lovely day.'].slice(0, count);
		const result = await runAvatarTalk(emulator, continuous({ inputMode: 'queue' }), { items: chunkItems(texts) });
		expect(result.error).toBeUndefined();
		const session = sessions()[0];
		// The server's record: every utterance spoken, none cut off by session_end.
		expect(session.utterancesSpoken).toBe(count);
		expect(session.utterancesCut).toBe(0);
		expect(session.states.filter((state) => state === 'dynamic_speech')).toHaveLength(count);
		expect(session.states.slice(-2)).toEqual(['silence', 'terminated']);
		const lastReady = session.sent.map((m) => m.type).lastIndexOf('ready_to_listen');
		expect(session.sent.filter((m) => m.type === 'ready_to_listen')).toHaveLength(count);
		expect(lastReady).toBeGreaterThan(-1);
		const [json] = result.json(NODE);
		expect(json).toMatchObject({ texts_sent: count, utterances_spoken: count });
		expect(json.ready_to_listen).toHaveLength(count);
		// The video holds everything the server sent: both (all) utterances.
		const info = expectFragmentedMp4((await outputBinary(result)).bytes);
		expect(info.fragments).toBe(session.fragmentsSent);
		expect(session.spokenCharacters).toBe(texts.join('').length);
	});

	it('reports its buffer periodically while video arrives, and records buffer warnings', async () => {
		emulator.settings.avatarTalkFragmentIntervalMs = 25;
		emulator.settings.avatarTalkCharsPerFragment = 10; // ~10 fragments, ~250 ms of streaming
		emulator.settings.avatarTalkBufferWarning = true;
		const result = await runAvatarTalk(
			emulator,
			continuous({ options: { bufferReportIntervalMs: 60 } }),
			{ items: chunkItems(['A longer answer that takes several fragments of video to say out loud, sentence after sentence.']) },
		);
		expect(result.error).toBeUndefined();
		const reports = sessions()[0].received.filter((m) => m.type === 'buffer_status');
		expect(reports.length).toBeGreaterThanOrEqual(2);
		for (const report of reports) {
			const data = report.data as { buffered_ms: number; playback_position: number };
			expect(Number.isInteger(data.buffered_ms)).toBe(true);
			expect(data.buffered_ms).toBeGreaterThanOrEqual(0);
			expect(data.playback_position).toBeGreaterThanOrEqual(0);
		}
		const [json] = result.json(NODE);
		expect(json.buffer_reports_sent).toBe(reports.length);
		expect(json.buffer_warnings).toEqual(expect.arrayContaining([expect.objectContaining({ level: 'critical', buffer_ms: 200 })]));
	});

	it('skips empty streamed chunks but keeps spaces exactly', async () => {
		const result = await runAvatarTalk(emulator, continuous(), { items: chunkItems(['Hi', '', ' ', 'there']) });
		expect(result.error).toBeUndefined();
		expect(sessions()[0].received.filter((m) => m.type === 'text_append').map((m) => (m.data as { text: string }).text)).toEqual(['Hi', ' ', 'there']);
	});
});

describe('Continuous Session: errors', () => {
	it('billing_error (a key without credits) becomes a clear error with its code', async () => {
		const result = await runAvatarTalk(emulator, continuous(), { items: chunkItems(), apiKey: AVATARTALK_NO_CREDITS_KEY });
		expectApiErrorWithoutOutput(result, 'AvatarTalk: Billing error: Insufficient credits [insufficient_credits]');
	});

	it('billing_error in the middle of the speech: nothing partial is returned', async () => {
		emulator.settings.avatarTalkBillingErrorAfterFragments = 2;
		const result = await runAvatarTalk(emulator, continuous(), { items: chunkItems() });
		expectApiErrorWithoutOutput(result, 'AvatarTalk: Billing error: Insufficient credits [insufficient_credits]');
		expect(sessions()[0].fragmentsSent).toBe(2);
	});

	it('an avatar not enabled for continuous sessions: the 1008 "Invalid parameters" close is explained', async () => {
		const result = await runAvatarTalk(emulator, continuous({ avatar: 'european_woman' }), { items: chunkItems() });
		expectApiErrorWithoutOutput(result, 'AvatarTalk: Invalid parameters: avatar european_woman is not available for continuous streaming (close code 1008) [INVALID_PARAMETERS]');
		expect((result.error?.error as NodeApiError).description).toMatch(
			/AvatarTalk has not enabled avatar "european_woman" in language "en" for continuous sessions on your account\. The endpoint currently offers Mexican Woman \(mexican_woman\) in English \(en\); other avatars are enabled per account on request/,
		);
		expect(sessions()[0].received).toEqual([]);
	});

	it('a language not supported for continuous sessions: refused with 1008, explained', async () => {
		const result = await runAvatarTalk(emulator, continuous({ language: 'es' }), { items: chunkItems() });
		expectApiErrorWithoutOutput(result, /^AvatarTalk: Invalid parameters: language es is not supported for continuous streaming \(close code 1008\)/);
		expect((result.error?.error as NodeApiError).description).toMatch(/has not enabled avatar "mexican_woman" in language "es"/);
	});

	it('emulator: a session_start naming an avatar the account lacks gets an error message and close 1008', async () => {
		// The query passes, the session_start differs (a hand-made client): the server's own words.
		emulator.settings.avatarTalkContinuousAvatars = ['european_woman'];
		const { ws, messages, closed } = await openContinuousSocket(emulator, 'european_woman');
		ws.send(JSON.stringify({ type: 'session_start', data: { avatar_name: 'mexican_woman', expression: 'neutral' } }));
		expect(await closed).toBe(1008);
		expect(messages[0].data.message).toMatch(/Avatar mexican_woman is not available for continuous streaming \(available: european_woman\)/);
	});

	it('an error message mid-session stops it', async () => {
		emulator.settings.avatarTalkContinuousError = 'Session not found';
		const result = await runAvatarTalk(emulator, continuous(), { items: chunkItems() });
		expectApiErrorWithoutOutput(result, 'AvatarTalk: Session not found');
	});

	it('1008 Invalid API key', async () => {
		const result = await runAvatarTalk(emulator, continuous(), { items: chunkItems(), apiKey: 'nope' });
		expectApiErrorWithoutOutput(result, 'AvatarTalk: Invalid API key: check the API key in the AvatarTalk credential (close code 1008) [INVALID_API_KEY]');
	});

	it('a dropped connection mid-session fails', async () => {
		emulator.addFault({ service: 'avatarTalk', path: '/ws/continuous', fault: { kind: 'wsAbrupt', afterMessages: 6 }, times: 1 });
		const result = await runAvatarTalk(emulator, continuous(), { items: chunkItems() });
		expectApiErrorWithoutOutput(result, /dropped in the middle of the session/);
	});

	it('a normal close before the speech is over is not success', async () => {
		emulator.addFault({ service: 'avatarTalk', path: '/ws/continuous', fault: { kind: 'wsClose', code: 1000, reason: 'maintenance', afterMessages: 4 }, times: 1 });
		const result = await runAvatarTalk(emulator, continuous(), { items: chunkItems() });
		expectApiErrorWithoutOutput(result, 'AvatarTalk: The server closed the session before the speech was complete; nothing partial was returned');
	});

	it('a video beyond "Max Video Size (MB)" fails clearly', async () => {
		emulator.settings.avatarTalkCharsPerFragment = 1; // one fragment (~15 kB) per character: ~3 MB
		const long = LLM_CHUNKS.map((chunk) => chunk.repeat(4));
		const result = await runAvatarTalk(emulator, continuous({ options: { maxVideoSizeMb: 1 } }), { items: chunkItems(long) });
		expectApiErrorWithoutOutput(result, /^AvatarTalk: The video grew beyond the 1 MB allowed by "Max Video Size \(MB\)"/);
	});

	it('silence past the idle limit fails', async () => {
		emulator.addFault({ service: 'avatarTalk', path: '/ws/continuous', fault: { kind: 'wsSilence', afterMessages: 3 }, times: 1 });
		const result = await runAvatarTalk(emulator, continuous({ options: { idleTimeoutSeconds: 1, bufferReportIntervalMs: 200 } }), { items: chunkItems() });
		expectApiErrorWithoutOutput(result, 'AvatarTalk: No message from the server for 1 s; the session was stopped and nothing partial was returned');
	});

	it('Continue On Fail: one error item paired with every input item', async () => {
		const result = await runAvatarTalk(emulator, continuous(), { items: chunkItems(), apiKey: AVATARTALK_NO_CREDITS_KEY, onError: 'continueRegularOutput' });
		expect(result.status).toBe('success');
		const out = result.items(NODE);
		expect(out).toHaveLength(1);
		expect(out[0].json.error).toBe('AvatarTalk: Billing error: Insufficient credits [insufficient_credits]');
		expect(out[0].json.code).toBe('insufficient_credits');
		expect(out[0].json.httpCode).toBeUndefined(); // no HTTP status on a WebSocket
		expect(out[0].pairedItem).toEqual(LLM_CHUNKS.map((_, item) => ({ item })));
	});
});

describe('Continuous Session: validation before connecting', () => {
	const expectInvalid = async (params: Record<string, unknown>, message: RegExp, chunks = LLM_CHUNKS) => {
		const result = await runAvatarTalk(emulator, continuous(params), { items: chunkItems(chunks) });
		expect(result.error?.error).toBeInstanceOf(NodeOperationError);
		expect(result.error?.message).toMatch(message);
		return result;
	};

	it('checks buffers, texts and dropdown values, and opens no connection', async () => {
		await expectInvalid({ options: { targetBufferMs: 6000 } }, /^Target Buffer \(Ms\): 6000 must lie between Min Buffer \(500\) and Max Buffer \(5000\)/);
		await expectInvalid({ options: { minBufferMs: 1.5 } }, /^Min Buffer \(Ms\): 1.5 is not a whole number/);
		await expectInvalid({}, /^Text: is empty in every input item/, ['', '']);
		const queued = await expectInvalid({ inputMode: 'queue' }, /^Text: must not be empty/, ['fine', '  ']);
		expect(queued.error?.itemIndex).toBe(1);
		await expectInvalid({ expression: '={{ "expressive" }}' }, /^Expression: "expressive" is not a valid value/);
		expect(emulator.requests({ path: '/ws/continuous' })).toHaveLength(0);
	});
});

describe('Continuous Session: avatars and languages the endpoint offers', () => {
	const fields = () => {
		const description = new AvatarTalk().description;
		const shown = (name: string) =>
			description.properties.find((p) => p.name === name && p.displayOptions?.show?.operation?.includes('continuousSession'));
		return { avatar: shown('avatar'), language: shown('language'), options: shown('options') };
	};

	it('defaults to Mexican Woman in English, says so, and marks the rest as "if enabled" (old values still load)', () => {
		const { avatar, language } = fields();
		expect(avatar?.default).toBe('mexican_woman');
		expect(avatar?.description).toMatch(/currently offers continuous sessions only for Mexican Woman/);
		const avatarOptions = (avatar?.options ?? []) as Array<{ name: string; value: string }>;
		expect(avatarOptions.map((o) => o.value).sort()).toEqual([...AVATARS].sort());
		expect(avatarOptions.filter((o) => !o.name.endsWith('(If Enabled for You)')).map((o) => o.value)).toEqual(['mexican_woman']);
		expect(language?.default).toBe('en');
		expect(language?.description).toMatch(/supports only English/);
		const languageOptions = (language?.options ?? []) as Array<{ name: string; value: string }>;
		expect(languageOptions.map((o) => o.value).sort()).toEqual([...LANGUAGES].sort());
		expect(languageOptions.filter((o) => !o.name.endsWith('(If Enabled for You)')).map((o) => o.value)).toEqual(['en']);
	});

	it('an avatar AvatarTalk enabled for the account works, from the list or as a Custom Avatar ID', async () => {
		emulator.settings.avatarTalkContinuousAvatars = ['mexican_woman', 'european_woman', 'acme_presenter'];
		const listed = await runAvatarTalk(emulator, continuous({ avatar: 'european_woman' }), { items: chunkItems() });
		expect(listed.error).toBeUndefined();
		const custom = await runAvatarTalk(emulator, continuous({ avatar: 'european_woman', options: { customAvatarId: ' acme_presenter ' } }), { items: chunkItems() });
		expect(custom.error).toBeUndefined();
		const [, conn] = emulator.requests({ service: 'avatarTalk', path: '/ws/continuous' });
		expect(conn.query.avatar).toBe('acme_presenter');
		expect(sessions()[1].received[0].data).toMatchObject({ avatar_name: 'acme_presenter' });
		expect(custom.json(NODE)[0].avatar).toBe('acme_presenter');
	});

	it('a Custom Avatar ID that cannot be an ID fails before connecting', async () => {
		const result = await runAvatarTalk(emulator, continuous({ options: { customAvatarId: 'my avatar!' } }), { items: chunkItems() });
		expect(result.error?.error).toBeInstanceOf(NodeOperationError);
		expect(result.error?.message).toMatch(/^Options > Custom Avatar ID: "my avatar!" is not an avatar ID/);
		expect(emulator.requests({ path: '/ws/continuous' })).toHaveLength(0);
	});
});

describe('emulator fidelity: /ws/continuous protocol rules', () => {
	it('session_start must be first; unknown types and bad messages get error messages', async () => {
		const { ws, messages, closed } = await openContinuousSocket(emulator, 'mexican_woman');
		ws.send(JSON.stringify({ type: 'text_input', data: { text: 'too early' } }));
		expect(await closed).toBe(1008);
		expect(messages).toEqual([{ type: 'error', data: expect.objectContaining({ message: 'session_start must be sent first' }) }]);
	});
});
