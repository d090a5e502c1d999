import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { apiRequest } from '../../shared/http';
import type { OperationContext, OperationResult } from '../../shared/router';
import type { InputValidator } from '../../shared/validation';
import { validatorFor } from '../../shared/validation';
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
export function readSessionId(ctx: IExecuteFunctions, itemIndex: number, v: InputValidator): number {
	const raw = ctx.getNodeParameter('sessionId', itemIndex, '') as unknown;
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

/** Advice for the errors every backend endpoint documents. */
export function liveTalkingHint(statusCode: number): string | undefined {
	switch (statusCode) {
		case 401:
			return 'The backend refused the Firebase ID Token: it is missing, invalid or expired (Firebase ID tokens last one hour). Put a fresh token in the LiveTalking credential.';
		case 422:
			return 'The backend rejected the request fields listed above. The Session ID must be the whole number from LiveTalking’s /offer answer.';
		case 503:
			return 'The backend is up but cannot reach its LiveTalking server (LIVETALKING_URL). Start LiveTalking (python app.py --transport webrtc ...) and check with Service → Health, then run this again.';
		default:
			return undefined;
	}
}

/** POST /api/v1/avatar/recording with action start or stop. */
export async function controlRecording(
	ctx: IExecuteFunctions,
	op: OperationContext,
	action: 'start' | 'stop',
): Promise<OperationResult> {
	const v = validatorFor(ctx.getNode(), op.itemIndex);
	const sessionId = readSessionId(ctx, op.itemIndex, v);
	// Starting twice restarts the recording, stopping twice is harmless: both are safe to repeat.
	const response = await apiRequest<IDataObject>(ctx, liveTalking, {
		method: 'POST',
		url: '/recording',
		body: { session_id: sessionId, action },
		idempotent: true,
		itemIndex: op.itemIndex,
		limits: op.limits,
		signal: op.signal,
		hint: liveTalkingHint,
	});
	return { json: { session_id: sessionId, action, ...response.body } };
}
