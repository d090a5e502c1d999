import { randomUUID } from 'node:crypto';

import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { inputBinaryChunks, withBinary } from '../../../shared/binary';
import type { OperationContext, OperationResult } from '../../../shared/router';
import type { InputValidator } from '../../../shared/validation';
import { WsSession } from '../../../shared/websocket';
import { AVATARS, EMOTIONS_WITH_EXPRESSIVE, LANGUAGES } from '../../constants';
import { avatarTalkWebSocket, videoFileName } from '../../transport';
import { avatarField, emotionField, languageField, outputBinaryField, readVideoField, wsSessionOptions } from '../fields';
import { VideoCollector, parseServerText, readSessionLimits, wsOptions } from './common';
import { inputBinaryField, optionsCollection, readInputBinaryField, textField } from '../../../shared/fields';

type InputType = 'text' | 'audio';
type OutputType = 'file' | 'livekit' | 'rtmp';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Status messages kept in the output (a long LiveKit stream may send many). */
const MAX_MESSAGES = 200;
/** Bytes of audio allowed to wait in the socket's send queue before the next chunk is read. */
const SEND_QUEUE_BYTES = 1024 * 1024;

/** Needs Node.js's built-in WebSocket (see the router and shared/compat.ts). */
export const usesWebSocket = true;

export const description: INodeProperties[] = [
	{
		displayName: 'Input',
		name: 'inputType',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Text', value: 'text', description: 'The avatar speaks a text' },
			{ name: 'Audio', value: 'audio', description: 'The avatar lip-syncs audio from an input binary field' },
		],
		default: 'text',
	},
	textField({ placeholder: 'Hello! Welcome to AvatarTalk.', description: 'What the avatar says', displayOptions: { show: { inputType: ['text'] } } }),
	inputBinaryField({
		name: 'inputBinaryPropertyName',
		what: 'the audio (sent as it is, in chunks), e.g. from Read/Write Files from Disk or a text-to-speech node',
		displayOptions: { show: { inputType: ['audio'] } },
	}),
	{
		displayName: 'Output',
		name: 'outputType',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'MP4 File', value: 'file', description: 'Receive the video and return it as an MP4 file' },
			{ name: 'LiveKit Room', value: 'livekit', description: 'Stream the avatar into a LiveKit room' },
			{ name: 'RTMP Stream', value: 'rtmp', description: 'Publish the video to an RTMP server (YouTube, Twitch, OBS...)' },
		],
		default: 'file',
	},
	{
		displayName: 'Meeting Token',
		name: 'meetingToken',
		type: 'string',
		typeOptions: { password: true },
		default: '',
		required: true,
		description: 'LiveKit access token the avatar joins the room with',
		displayOptions: { show: { outputType: ['livekit'] } },
	},
	{
		displayName: 'Join as Agent',
		name: 'asAgent',
		type: 'boolean',
		default: false,
		description: 'Whether the avatar joins the LiveKit room as an agent participant',
		displayOptions: { show: { outputType: ['livekit'] } },
	},
	{
		displayName: 'RTMP URL',
		name: 'rtmpUrl',
		type: 'string',
		typeOptions: { password: true },
		default: '',
		required: true,
		placeholder: 'rtmp://live.example.com/app/stream-key',
		description: 'Where to publish the video: an rtmp:// or rtmps:// URL, stream key included',
		displayOptions: { show: { outputType: ['rtmp'] } },
	},
	avatarField(),
	emotionField(true),
	languageField(),
	outputBinaryField({ displayOptions: { show: { outputType: ['file'] } } }),
	optionsCollection([
			{
				displayName: 'Audio Chunk Size (KB)',
				name: 'audioChunkKb',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 1024 },
				default: 32,
				description: 'Size of each binary message the audio is sent in',
				displayOptions: { show: { '/inputType': ['audio'] } },
			},
			...wsSessionOptions({ idleSeconds: 30, maxVideoMb: 200, sessionSeconds: 600, fileOnly: { show: { '/outputType': ['file'] } } }),
			{
				displayName: 'Increase Resolution',
				name: 'increaseResolution',
				type: 'boolean',
				default: false,
				description: 'Whether to ask for higher-resolution video',
			},
			{
				displayName: 'Stream ID',
				name: 'streamId',
				type: 'string',
				default: '',
				placeholder: '123e4567-e89b-12d3-a456-426614174000',
				description: 'A UUID identifying this stream. Leave empty to get a new one.',
			},
		]),
];

/**
 * WebSocket /ws/infer: send text (one JSON message) or audio (binary chunks, then an empty
 * binary message to mark its end), and collect what comes back until the server closes.
 */
export function parse(this: IExecuteFunctions, i: number, v: InputValidator) {
	const inputType = v.oneOf<InputType>('Input', this.getNodeParameter('inputType', i), ['text', 'audio']);
	const outputType = v.oneOf<OutputType>('Output', this.getNodeParameter('outputType', i), ['file', 'livekit', 'rtmp']);
	const avatar = v.oneOf('Avatar', this.getNodeParameter('avatar', i), AVATARS);
	const emotion = v.oneOf('Emotion', this.getNodeParameter('emotion', i), EMOTIONS_WITH_EXPRESSIVE);
	const language = v.oneOf('Language', this.getNodeParameter('language', i), LANGUAGES);
	const options = this.getNodeParameter('options', i, {}) as IDataObject;

	const text = inputType === 'text' ? v.text('Text', this.getNodeParameter('text', i)) : undefined;
	const audioProperty = inputType === 'audio' ? readInputBinaryField(this, i, v, 'inputBinaryPropertyName').field : '';
	const chunkBytes = Math.floor(v.number('Audio Chunk Size (KB)', options.audioChunkKb ?? 32, { min: 1, max: 1024 }) * 1024);

	const query: IDataObject = {
		output_type: outputType,
		input_type: inputType,
		avatar,
		emotion,
		language,
		increase_resolution: options.increaseResolution === true ? 'true' : undefined,
	};
	const rawStreamId = String(options.streamId ?? '').trim();
	if (rawStreamId && !UUID.test(rawStreamId)) {
		v.fail('Stream ID', `"${rawStreamId}" is not a UUID`, 'a UUID such as 123e4567-e89b-12d3-a456-426614174000, or empty for a new one');
	}
	const streamId = rawStreamId || randomUUID();
	query.stream_id = streamId;
	if (outputType === 'livekit') {
		query.meeting_token = v.text('Meeting Token', this.getNodeParameter('meetingToken', i)).trim();
		query.as_agent = this.getNodeParameter('asAgent', i, false) === true ? 'true' : 'false';
	}
	if (outputType === 'rtmp') query.rtmp_url = v.url('RTMP URL', this.getNodeParameter('rtmpUrl', i), ['rtmp', 'rtmps']);
	const binaryProperty =
		outputType === 'file' ? readVideoField(v, this.getNodeParameter('binaryPropertyName', i)) : '';
	const limits = readSessionLimits(v, options, { maxVideoSizeMb: 200, idleTimeoutSeconds: 30, sessionTimeoutSeconds: 600 });
	return { inputType, outputType, avatar, emotion, language, options, text, audioProperty, chunkBytes, query, streamId, binaryProperty, limits };
}

export async function execute(this: IExecuteFunctions, op: OperationContext<ReturnType<typeof parse>>): Promise<OperationResult> {
	const i = op.itemIndex;
	const { inputType, outputType, avatar, emotion, language, options, text, audioProperty, chunkBytes, query, streamId, binaryProperty, limits } =
		op.input;
	const target = await avatarTalkWebSocket(this, i, '/ws/infer', query);
	const collector = new VideoCollector(this, limits.maxVideoBytes, i);
	const messages: IDataObject[] = [];
	let otherBinary = 0;
	const startedAt = Date.now();
	let audio = { chunks: 0, bytes: 0 };

	const handle = (message: Awaited<ReturnType<WsSession['next']>>) => {
		if (!message) return;
		if (message.kind === 'binary') {
			if (outputType === 'file') collector.push(message.data);
			else otherBinary += message.data.length;
		} else if (messages.length < MAX_MESSAGES) {
			messages.push(parseServerText(message.text));
		}
	};

	const session = await WsSession.open(this.getNode(), wsOptions(this, target, limits, op.limits.timeoutMs, op.signal, i));
	try {
		if (text !== undefined) {
			session.sendJson({ text });
		} else {
			for await (const chunk of inputBinaryChunks(this, i, audioProperty, chunkBytes)) {
				session.send(chunk);
				audio = { chunks: audio.chunks + 1, bytes: audio.bytes + chunk.length };
				await session.drain(SEND_QUEUE_BYTES);
				// Take what already arrived, so received video never piles up unchecked (the server
				// may stay silent for the whole upload: that is not idleness, so nothing waits here).
				while (session.pending > 0) handle(await session.next());
			}
			// The document does not say how the end of the audio is marked; an empty binary
			// message is the usual convention for streaming-audio sockets, and carries no audio.
			session.send(Buffer.alloc(0));
		}
		for (let message = await session.next(); message; message = await session.next()) handle(message);
	} finally {
		session.close();
	}

	const json: IDataObject = {
		stream_id: streamId,
		output_type: outputType,
		input_type: inputType,
		avatar,
		emotion,
		language,
		...(inputType === 'audio' ? { audio_chunks_sent: audio.chunks, audio_bytes_sent: audio.bytes } : { text }),
		close_code: session.closeCode ?? null,
		duration_ms: Date.now() - startedAt,
		messages,
	};
	if (outputType !== 'file') {
		if (otherBinary) json.binary_bytes_received = otherBinary;
		return { json };
	}

	collector.assertComplete('The video stream');
	const fileName = videoFileName(streamId, options.fileName as string | undefined);
	const binary = await this.helpers.prepareBinaryData(collector.toBuffer(), fileName, 'video/mp4');
	json.file_name = fileName;
	json.file_size_bytes = collector.bytes;
	json.chunks_received = collector.chunks;
	json.video_duration_seconds = collector.scanner.durationSeconds ?? null;
	json.time_to_first_chunk_ms = collector.firstChunkAt ? collector.firstChunkAt - startedAt : null;
	return withBinary({ json }, { [binaryProperty]: binary });
}
