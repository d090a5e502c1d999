import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { withBinary } from '../../../shared/binary';
import type { OperationContext, OperationResult } from '../../../shared/router';
import type { InputValidator } from '../../../shared/validation';
import type { WsMessage } from '../../../shared/websocket';
import { WsSession } from '../../../shared/websocket';
import {
	AVATARS,
	CONTINUOUS_AVATAR,
	CONTINUOUS_AVATAR_OPTIONS,
	CONTINUOUS_LANGUAGE,
	CONTINUOUS_LANGUAGE_OPTIONS,
	EMOTION_OPTIONS,
	EMOTIONS,
	LANGUAGES,
} from '../../constants';
import { avatarTalkWebSocket, videoFileName } from '../../transport';
import { avatarField, languageField, outputBinaryField, readVideoField, wsSessionOptions } from '../fields';
import { VideoCollector, describeAvatarTalkClose, parseServerText, readSessionLimits, wsApiError, wsOptions } from './common';
import { optionsCollection } from '../../../shared/fields';

type InputMode = 'append' | 'queue';

/** Needs Node.js's built-in WebSocket (see the router and shared/compat.ts). */
export const usesWebSocket = true;

export const description: INodeProperties[] = [
	{
		displayName:
			'This operation runs one session for all input items and returns one video: each item\'s text is one piece of what the avatar says',
		name: 'allItemsNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Send Texts As',
		name: 'inputMode',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'One Continuous Text (Streamed Chunks)',
				value: 'append',
				description:
					'Each item\'s text is appended to one speech (text_append), then the stream is closed (text_stream_done). Use it for the chunks of a streaming LLM answer.',
			},
			{
				name: 'Separate Texts (Queued)',
				value: 'queue',
				description: 'Each item\'s text is a complete utterance (text_input), spoken one after the other',
			},
		],
		default: 'append',
	},
	{
		displayName: 'Text',
		name: 'text',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '',
		required: true,
		placeholder: '={{ $json.chunk }}',
		description: 'The text of each item, usually an expression that reads it from the item',
	},
	avatarField({
		options: CONTINUOUS_AVATAR_OPTIONS,
		default: CONTINUOUS_AVATAR,
		description:
			'The avatar character. AvatarTalk currently offers continuous sessions only for Mexican Woman; another avatar works once AvatarTalk has enabled it for your account (ask them), else the session is refused. For an avatar not in this list, use Options > Custom Avatar ID.',
	}),
	{
		displayName: 'Expression',
		name: 'expression',
		type: 'options',
		options: EMOTION_OPTIONS,
		default: 'neutral',
		description: 'The facial expression the avatar starts with',
	},
	languageField({
		options: CONTINUOUS_LANGUAGE_OPTIONS,
		default: CONTINUOUS_LANGUAGE,
		description:
			'The language of the speech. AvatarTalk currently supports only English for continuous sessions; another language works only if AvatarTalk has enabled it for your account, else the session is refused.',
	}),
	outputBinaryField(),
	optionsCollection([
			{
				displayName: 'Buffer Report Interval (Ms)',
				name: 'bufferReportIntervalMs',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 1000,
				description:
					'How often to tell the server how much video is buffered (buffer_status), as a player playing it in real time would. 0 turns the reports off.',
			},
			{
				displayName: 'Custom Avatar ID',
				name: 'customAvatarId',
				type: 'string',
				default: '',
				placeholder: 'my_avatar',
				description:
					'The ID of an avatar AvatarTalk has enabled for your account that the Avatar list does not have. When set, it is used instead of Avatar.',
			},
			{
				displayName: 'Expressive Mode',
				name: 'expressiveMode',
				type: 'boolean',
				default: false,
				description: 'Whether the avatar changes its expression with what it says',
			},
			...wsSessionOptions({ idleSeconds: 30, maxVideoMb: 100, sessionSeconds: 300 }),
			{
				displayName: 'Max Buffer (Ms)',
				name: 'maxBufferMs',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 5000,
				description: 'Largest amount of video the server sends ahead',
			},
			{
				displayName: 'Min Buffer (Ms)',
				name: 'minBufferMs',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 500,
				description: 'Buffer level below which the server warns (buffer_warning)',
			},
			{
				displayName: 'Speech Mode',
				name: 'speechMode',
				type: 'options',
				options: [
					{ name: 'Full', value: 'full', description: 'Speech with the transitions around it' },
					{ name: 'Dynamic Only', value: 'dynamic_only', description: 'Only the spoken part' },
				],
				default: 'full',
				description: 'How each queued text is rendered (text_input "mode")',
				displayOptions: { show: { '/inputMode': ['queue'] } },
			},
			{
				displayName: 'Start With End-of-Turn Segment',
				name: 'turnStart',
				type: 'boolean',
				default: false,
				description:
					'Whether to send turn_start first, so the avatar plays its pregenerated end-of-turn segment before speaking',
			},
			{
				displayName: 'Target Buffer (Ms)',
				name: 'targetBufferMs',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 2000,
				description: 'Amount of video the server aims to keep ahead of playback',
			},
		]),
];

/**
 * Close 1008 "Invalid parameters" on /ws/continuous: the avatar or language is not enabled for
 * continuous sessions on this account (the endpoint offers Mexican Woman in English; more on
 * request). Said in those words, with what to do; other closes as on every AvatarTalk socket.
 */
function describeContinuousClose(code: number, reason: string, avatar: string, language: string) {
	if (code !== 1008 || !/invalid parameters/i.test(reason)) return describeAvatarTalkClose(code, reason);
	const offered = avatar === CONTINUOUS_AVATAR && language === CONTINUOUS_LANGUAGE;
	return {
		message: `${reason.trim()} (close code 1008)`,
		code: 'INVALID_PARAMETERS',
		hint: offered
			? 'AvatarTalk refused the session parameters although Mexican Woman in English is what continuous sessions offer; check the Expression and the options.'
			: `AvatarTalk has not enabled avatar "${avatar}" in language "${language}" for continuous sessions on your account. The endpoint currently offers Mexican Woman (mexican_woman) in English (en); other avatars are enabled per account on request. Choose Mexican Woman and English, or ask AvatarTalk to enable this avatar for you.`,
	};
}

/** One session for all items: see the router's `runOnceForAllItems`. */
export const runOnceForAllItems = true;

/** Reads one item: the session settings and its text. Every item is read before connecting. */
export function parse(this: IExecuteFunctions, i: number, v: InputValidator) {
	const mode = v.oneOf<InputMode>('Send Texts As', this.getNodeParameter('inputMode', i), ['append', 'queue']);
	const options = this.getNodeParameter('options', i, {}) as IDataObject;
	const customAvatar = typeof options.customAvatarId === 'string' ? options.customAvatarId.trim() : '';
	if (customAvatar && !/^[A-Za-z0-9_-]{1,100}$/.test(customAvatar)) {
		v.fail('Options > Custom Avatar ID', `"${customAvatar}" is not an avatar ID`, 'letters, digits, "_" and "-", as AvatarTalk gave it to you (e.g. mexican_woman)');
	}
	const avatar = customAvatar || v.oneOf('Avatar', this.getNodeParameter('avatar', i), AVATARS);
	const expression = v.oneOf('Expression', this.getNodeParameter('expression', i), EMOTIONS);
	const language = v.oneOf('Language', this.getNodeParameter('language', i), LANGUAGES);
	const binaryProperty = readVideoField(v, this.getNodeParameter('binaryPropertyName', i));
	const whole = (field: string, value: unknown, fallback: number) =>
		v.number(field, value ?? fallback, { min: 0, max: 600_000, integer: true });
	const targetBufferMs = whole('Target Buffer (Ms)', options.targetBufferMs, 2000);
	const minBufferMs = whole('Min Buffer (Ms)', options.minBufferMs, 500);
	const maxBufferMs = whole('Max Buffer (Ms)', options.maxBufferMs, 5000);
	if (!(minBufferMs <= targetBufferMs && targetBufferMs <= maxBufferMs)) {
		v.fail(
			'Target Buffer (Ms)',
			`${targetBufferMs} must lie between Min Buffer (${minBufferMs}) and Max Buffer (${maxBufferMs})`,
			'Min Buffer <= Target Buffer <= Max Buffer',
		);
	}
	const reportEveryMs = whole('Buffer Report Interval (Ms)', options.bufferReportIntervalMs, 1000);
	const speechMode = v.oneOf('Speech Mode', options.speechMode ?? 'full', ['full', 'dynamic_only']);
	const limits = readSessionLimits(v, options, { maxVideoSizeMb: 100, idleTimeoutSeconds: 30, sessionTimeoutSeconds: 300 });
	const raw = this.getNodeParameter('text', i);
	let text: string | undefined;
	if (mode === 'queue') {
		text = v.text('Text', raw);
	} else {
		// Streamed chunks are sent exactly as they are (spaces included); empty ones are skipped.
		if (raw === undefined || raw === null || typeof raw === 'object') v.text('Text', raw);
		text = String(raw) === '' ? undefined : String(raw);
	}
	const settings = { mode, avatar, expression, language, binaryProperty, options, targetBufferMs, minBufferMs, maxBufferMs, reportEveryMs, speechMode, limits };
	return { settings, text };
}

/**
 * WebSocket /ws/continuous, the whole protocol: session_start (first), then after
 * session_ready optionally turn_start, the texts (text_input each, or text_append each then
 * text_stream_done), buffer_status reports while video arrives, and session_end once the
 * speech is over. The fMP4 frames become one MP4; the protocol's events become the JSON.
 * The session's settings are the first item's; every item gives its text.
 */
export async function execute(this: IExecuteFunctions, op: OperationContext<Array<ReturnType<typeof parse>>>): Promise<OperationResult> {
	const { mode, avatar, expression, language, binaryProperty, options, targetBufferMs, minBufferMs, maxBufferMs, reportEveryMs, speechMode, limits } =
		op.input[0].settings;
	const texts = op.input.flatMap((item) => (item.text === undefined ? [] : [item.text]));
	if (texts.length === 0 || texts.join('').trim() === '') {
		throw new NodeOperationError(this.getNode(), 'Text: is empty in every input item', {
			itemIndex: 0,
			description: 'Allowed: text in at least one item',
		});
	}
	const characters = texts.reduce((n, t) => n + t.length, 0);

	const target = await avatarTalkWebSocket(this, 0, '/ws/continuous', { avatar, expression, language });
	const collector = new VideoCollector(this, limits.maxVideoBytes, 0);
	const fail = (message: string, code?: string) => wsApiError(this, 0, { message, code });

	const startedAt = Date.now();
	const at = () => Date.now() - startedAt;
	let sessionId: string | undefined;
	let readyAt: number | undefined;
	let speechAt: number | undefined;
	const states: IDataObject[] = [];
	const acknowledgements: IDataObject[] = [];
	const readyToListen: IDataObject[] = [];
	const bufferWarnings: IDataObject[] = [];
	const otherMessages: IDataObject[] = [];
	let reportsSent = 0;
	let nextReportAt = Number.POSITIVE_INFINITY;
	let playingSince: number | undefined;

	// What "the speech is over" means, per the document's message sequence: an acknowledgement
	// (text_queued...) says a text was queued, not spoken; each utterance ends with the return
	// to silence and ready_to_listen. Separate texts are one utterance each, spoken in turn;
	// a streamed text is one utterance. The session ends after the last of them, never before:
	// session_end cuts off whatever is still being spoken or queued.
	const expectedAcks = mode === 'queue' ? texts.length : texts.length + 1;
	const expectedUtterances = mode === 'queue' ? texts.length : 1;
	let acks = 0;
	let utterancesSpoken = 0;
	let speechSinceReady = false;
	// An object, so the closures below and the loop see one value (no stale narrowing).
	const progress: { phase: 'starting' | 'speaking' | 'ending' | 'done' } = { phase: 'starting' };

	const session = await WsSession.open(this.getNode(), {
		...wsOptions(this, target, limits, op.limits.timeoutMs, op.signal, 0),
		describeClose: (code, reason) => describeContinuousClose(code, reason, avatar, language),
	});
	const sendTexts = () => {
		if (options.turnStart === true) session.sendJson({ type: 'turn_start', data: { expression } });
		if (mode === 'queue') {
			for (const text of texts) session.sendJson({ type: 'text_input', data: { text, expression, mode: speechMode } });
		} else {
			for (const text of texts) session.sendJson({ type: 'text_append', data: { text } });
			session.sendJson({ type: 'text_stream_done', data: {} });
		}
	};
	const endSession = () => {
		progress.phase = 'ending';
		session.sendJson({ type: 'session_end', data: {} });
	};
	/** buffer_status as a player would report it: media received minus real time played. */
	const reportBuffer = () => {
		const media = (collector.scanner.durationSeconds ?? 0) * 1000;
		const played = playingSince ? Math.min(media, Date.now() - playingSince) : 0;
		session.sendJson({
			type: 'buffer_status',
			data: { buffered_ms: Math.max(0, Math.round(media - played)), playback_position: Math.round(played) / 1000 },
		});
		reportsSent++;
	};

	const onText = (raw: string) => {
		const message = parseServerText(raw);
		const type = String(message.type ?? '');
		const data = (message.data ?? {}) as IDataObject;
		switch (type) {
			case 'session_ready':
				sessionId = data.session_id as string | undefined;
				readyAt = at();
				if (progress.phase === 'starting') {
					progress.phase = 'speaking';
					sendTexts();
				}
				return;
			case 'state_change':
				states.push({ from: data.from ?? null, to: data.to ?? null, timestamp: data.timestamp ?? null, at_ms: at() });
				if (speechAt === undefined && (data.to === 'dynamic_speech' || data.to === 'pregen_video')) speechAt = at();
				if (data.to === 'dynamic_speech') speechSinceReady = true;
				if (data.to === 'terminated' && progress.phase === 'ending') progress.phase = 'done';
				return;
			case 'text_queued':
			case 'text_appended':
			case 'text_stream_completed':
				acknowledgements.push({ type, ...data, at_ms: at() });
				acks++;
				return;
			case 'ready_to_listen':
				readyToListen.push({ ...data, at_ms: at() });
				// Only a ready_to_listen that follows speech closes an utterance (not one after an
				// end-of-turn segment alone, nor a greeting).
				if (speechSinceReady) {
					utterancesSpoken++;
					speechSinceReady = false;
				}
				if (progress.phase === 'speaking' && acks >= expectedAcks && utterancesSpoken >= expectedUtterances) endSession();
				return;
			case 'buffer_warning':
				bufferWarnings.push({ ...data, at_ms: at() });
				return;
			case 'billing_error': {
				const code = String(data.error_code ?? 'billing_error');
				throw fail(`Billing error: ${String(data.message ?? 'the session could not be billed')}`, code);
			}
			case 'error':
				throw fail(String(data.message ?? 'The server reported an error'));
			default:
				if (otherMessages.length < 100) otherMessages.push({ ...message, at_ms: at() });
		}
	};
	const onMessage = (message: WsMessage) => {
		if (message.kind === 'binary') {
			collector.push(message.data);
			// Reports start with the first media fragment, when a player would start playing.
			if (reportEveryMs > 0 && nextReportAt === Number.POSITIVE_INFINITY && collector.scanner.summary().fragments > 0) {
				playingSince = Date.now();
				nextReportAt = playingSince + reportEveryMs;
			}
		} else onText(message.text);
	};

	try {
		session.sendJson({
			type: 'session_start',
			data: {
				avatar_name: avatar,
				expression,
				language,
				expressive_mode: options.expressiveMode === true,
				target_buffer_ms: targetBufferMs,
				min_buffer_ms: minBufferMs,
				max_buffer_ms: maxBufferMs,
			},
		});
		while (progress.phase !== 'done') {
			const wait = nextReportAt === Number.POSITIVE_INFINITY ? undefined : Math.max(0, nextReportAt - Date.now());
			const message = wait === undefined ? await session.next() : await session.poll(wait);
			if (message === 'tick') {
				if (progress.phase !== 'ending') reportBuffer();
				nextReportAt = Date.now() + reportEveryMs;
				continue;
			}
			if (message === undefined) {
				// A normal close: expected only once session_end was sent.
				if (progress.phase === 'ending') break;
				throw fail(
					progress.phase === 'starting'
						? 'The server closed the session before it was ready'
						: 'The server closed the session before the speech was complete; nothing partial was returned',
				);
			}
			onMessage(message);
		}
	} finally {
		session.close(1000, 'done');
	}

	collector.assertComplete('The continuous session', true);
	const fileName = videoFileName(`continuous-${sessionId ?? Date.now()}`, options.fileName as string | undefined);
	const binary = await this.helpers.prepareBinaryData(collector.toBuffer(), fileName, 'video/mp4');
	const summary = collector.scanner.summary();
	const json: IDataObject = {
		session_id: sessionId ?? null,
		avatar,
		expression,
		language,
		input_mode: mode,
		texts_sent: texts.length,
		utterances_spoken: utterancesSpoken,
		characters_sent: characters,
		time_to_session_ready_ms: readyAt ?? null,
		time_to_first_chunk_ms: collector.firstChunkAt ? collector.firstChunkAt - startedAt : null,
		time_to_speech_ms: speechAt ?? null,
		session_duration_ms: at(),
		state_transitions: states,
		acknowledgements,
		ready_to_listen: readyToListen,
		buffer_warnings: bufferWarnings,
		buffer_reports_sent: reportsSent,
		file_name: fileName,
		file_size_bytes: collector.bytes,
		chunks_received: collector.chunks,
		fragments: summary.fragments,
		video_duration_seconds: summary.durationSeconds ?? null,
	};
	if (otherMessages.length) json.other_messages = otherMessages;
	return withBinary({ json }, { [binaryProperty]: binary });
}
