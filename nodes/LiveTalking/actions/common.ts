import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../shared/router';
import type { InputValidator } from '../../shared/validation';
import { liveTalking } from '../transport';

export const MAX_TEXT_LENGTH = 5000;
export const MAX_TITLE_LENGTH = 255;

export const sessionIdField: INodeProperties = {
	displayName: 'Session ID',
	name: 'sessionId',
	type: 'string',
	required: true,
	default: '',
	placeholder: 'e.g. 123456789',
	description:
		'The WebRTC session ID: the whole number "sessionid" in LiveTalking’s answer to the WebRTC offer (see Session → Get URLs)',
};

const SESSION_ID_ALLOWED = 'a whole number of 0 or more: the sessionid from LiveTalking’s /offer answer';

/** The WebRTC session id: an integer, as the backend's model declares it. */
export function readSessionId(this: IExecuteFunctions, itemIndex: number, v: InputValidator): number {
	const raw = this.getNodeParameter('sessionId', itemIndex, '') as unknown;
	const text = typeof raw === 'number' ? String(raw) : String(raw ?? '').trim();
	if (text === '') v.fail('Session ID', 'is required', SESSION_ID_ALLOWED);
	if (typeof raw !== 'number' && !/^-?\d+(\.\d+)?$/.test(text)) {
		v.fail('Session ID', `"${text}" is not a whole number`, SESSION_ID_ALLOWED);
	}
	return v.number('Session ID', text, { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true });
}

/**
 * Text limits counted the way the backend (Python/pydantic) counts them: in characters (code
 * points), so an emoji counts once, not twice as in JavaScript's `length`. With `required`, blank
 * text is refused too (the avatar would have nothing to say).
 */
export function readText(
	v: InputValidator,
	field: string,
	value: unknown,
	{ max, required }: { max: number; required: boolean },
): string {
	const text = value === undefined || value === null || typeof value === 'object' ? '' : String(value);
	if (required && text.trim() === '') v.fail(field, 'must not be empty', `1 to ${max} characters`);
	const length = [...text].length;
	if (length > max) v.fail(field, `is ${length} characters long, more than the ${max} allowed`, `${required ? 1 : 0} to ${max} characters`);
	return text;
}

/** POST /api/v1/avatar/recording with action start or stop, for a parsed Session ID. */
export async function controlRecording(op: OperationContext<number>, action: 'start' | 'stop'): Promise<OperationResult> {
	const sessionId = op.input;
	// Starting twice restarts the recording, stopping twice is harmless: both are safe to repeat.
	const response = await op.request<IDataObject>(liveTalking, {
		method: 'POST',
		url: '/recording',
		body: { session_id: sessionId, action },
		idempotent: true,
	});
	return { json: { session_id: sessionId, action, ...response.body } };
}
