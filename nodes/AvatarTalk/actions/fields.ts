import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { itemsInParallelOption, outputBinaryField as sharedOutputBinaryField, outputBinaryLabel, readItemsInParallel } from '../../shared/fields';
import type { InputValidator } from '../../shared/validation';

import {
	AVATAR_OPTIONS,
	DEFAULT_AVATAR,
	DEFAULT_EMOTION,
	DEFAULT_LANGUAGE,
	EMOTION_OPTIONS,
	EMOTION_OPTIONS_WITH_EXPRESSIVE,
	LANGUAGE_OPTIONS,
} from '../constants';

/** Field builders shared by the Video and Stream operations (each file adds its own). */

export function avatarField(overrides: Partial<INodeProperties> = {}): INodeProperties {
	return {
		displayName: 'Avatar',
		name: 'avatar',
		type: 'options',
		options: AVATAR_OPTIONS,
		default: DEFAULT_AVATAR,
		description: 'The avatar character that speaks',
		...overrides,
	};
}

export function emotionField(withExpressive: boolean, overrides: Partial<INodeProperties> = {}): INodeProperties {
	return {
		displayName: 'Emotion',
		name: 'emotion',
		type: 'options',
		options: withExpressive ? EMOTION_OPTIONS_WITH_EXPRESSIVE : EMOTION_OPTIONS,
		default: DEFAULT_EMOTION,
		description: 'The facial expression of the avatar',
		...overrides,
	};
}

export function languageField(overrides: Partial<INodeProperties> = {}): INodeProperties {
	return {
		displayName: 'Language',
		name: 'language',
		type: 'options',
		options: LANGUAGE_OPTIONS,
		default: DEFAULT_LANGUAGE,
		description: 'The language of the speech; write the text in this language',
		...overrides,
	};
}

/** Put Video in Field (the shared output-binary convention, for the MP4 video). */
export function outputBinaryField(overrides: Partial<INodeProperties> = {}): INodeProperties {
	return sharedOutputBinaryField({ content: 'video', what: 'the MP4 video', ...overrides });
}

/** The check of Put Video in Field. */
export function readVideoField(v: InputValidator, value: unknown): string {
	return v.binaryField(outputBinaryLabel('video'), value);
}

export const fileNameOption: INodeProperties = {
	displayName: 'File Name',
	name: 'fileName',
	type: 'string',
	default: '',
	placeholder: 'welcome-video.mp4',
	description: 'File name of the MP4 in the binary data. Leave empty for "avatartalk-&lt;ID&gt;.mp4".',
};

/** A whole-seconds limit of a WebSocket session (at least 1 s). */
function secondsOption(displayName: string, name: string, defaultSeconds: number, description: string): INodeProperties {
	return { displayName, name, type: 'number', typeOptions: { minValue: 1 }, default: defaultSeconds, description };
}

/**
 * The limits every WebSocket video session has under Options, with their defaults: File Name,
 * Idle Timeout, Max Video Size and Session Timeout (read back by stream/common.ts
 * readSessionLimits). `fileOnly` is the displayOptions of File Name and Max Video Size where the
 * video is not always collected.
 */
export function wsSessionOptions({
	idleSeconds,
	maxVideoMb,
	sessionSeconds,
	fileOnly,
}: {
	idleSeconds: number;
	maxVideoMb: number;
	sessionSeconds: number;
	fileOnly?: INodeProperties['displayOptions'];
}): INodeProperties[] {
	const onlyForFile = fileOnly ? { displayOptions: fileOnly } : {};
	return [
		{ ...fileNameOption, ...onlyForFile },
		secondsOption('Idle Timeout (Seconds)', 'idleTimeoutSeconds', idleSeconds, 'Longest silence from the server before the session is stopped with an error'),
		{
			displayName: 'Max Video Size (MB)',
			name: 'maxVideoSizeMb',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 2048 },
			default: maxVideoMb,
			description:
				'Video received over a WebSocket is collected in memory; the session stops with an error when it grows beyond this size',
			...onlyForFile,
		},
		secondsOption(
			'Session Timeout (Seconds)',
			'sessionTimeoutSeconds',
			sessionSeconds,
			'Longest time the whole session may take; past it the session is stopped with an error',
		),
	];
}

export const concurrencyOption: INodeProperties = itemsInParallelOption(
	1,
	"Raise it to make many videos faster, within your AvatarTalk plan's limits",
);

/** The operation's concurrency(): Options > Items in Parallel (default 1). */
export function concurrency(this: IExecuteFunctions): number {
	return readItemsInParallel(this, 1);
}
