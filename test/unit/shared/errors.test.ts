import type { INode } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import {
	asNodeError,
	parseDetail,
	providerApiError,
} from '../../../nodes/shared/errors';
import { parseAvaTarError } from '../../../nodes/AvaTar/transport';
import { parseAvatarTalkError } from '../../../nodes/AvatarTalk/transport';
import { parseLiveTalkingError } from '../../../nodes/LiveTalking/transport';
import { parseMultiTalkError } from '../../../nodes/MultiTalk/transport';
import { parseMuseTalkError } from '../../../nodes/MuseTalk/transport';

const node: INode = {
	id: '1',
	name: 'Test',
	type: 'n8n-nodes-talking-avatars.multiTalk',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

describe('provider error bodies', () => {
	it('AvatarTalk {status, error_code, message}', () => {
		expect(
			parseAvatarTalkError({ status: 'error', error_code: 'INSUFFICIENT_CREDITS', message: 'Insufficient video time to process request' }),
		).toEqual({ message: 'Insufficient video time to process request', code: 'INSUFFICIENT_CREDITS', details: undefined });
		expect(parseAvatarTalkError({ detail: 'Resource not found' })).toEqual({ message: 'Resource not found' });
	});

	it('MuseTalk {error, detail}', () => {
		expect(parseMuseTalkError({ error: 'Bad Request', detail: 'Session not ready' })).toEqual({
			message: 'Session not ready',
			code: 'Bad Request',
		});
	});

	it('LiveTalking {detail} and 422 arrays, field by field', () => {
		expect(parseLiveTalkingError({ detail: 'LiveTalking server unavailable: Connection refused' })?.message).toBe(
			'LiveTalking server unavailable: Connection refused',
		);
		const failure = parseDetail([
			{ loc: ['body', 'text'], msg: 'String should have at least 1 character', type: 'string_too_short' },
			{ loc: ['body', 'session_id'], msg: 'Input should be a valid integer', type: 'int_parsing' },
		]);
		expect(failure?.message).toBe('text: String should have at least 1 character; session_id: Input should be a valid integer');
		expect(failure?.code).toBe('string_too_short');
	});

	it('AvaTar {error: {code, message, details}}', () => {
		expect(
			parseAvaTarError({ error: { code: 'SESSION_NOT_FOUND', message: 'The specified session does not exist', details: { session_id: 'x' } } }),
		).toEqual({ message: 'The specified session does not exist', code: 'SESSION_NOT_FOUND', details: { session_id: 'x' } });
	});

	it('MultiTalk {error, detail, request_id}', () => {
		expect(parseMultiTalkError({ error: 'Not Found', detail: 'Job abc not found', request_id: 'req_1' })).toEqual({
			message: 'Job abc not found',
			code: 'Not Found',
			details: { request_id: 'req_1' },
		});
	});

	it('returns undefined for bodies that are not the provider format', () => {
		expect(parseMultiTalkError('<html>')).toBeUndefined();
		expect(parseAvaTarError(null)).toBeUndefined();
		expect(parseAvatarTalkError([1, 2])).toBeUndefined();
	});
});

describe('providerApiError', () => {
	it('carries the provider message, code and HTTP status for the item', () => {
		const error = providerApiError(node, {
			provider: 'MultiTalk',
			statusCode: 404,
			failure: { message: 'Job abc not found', code: 'Not Found' },
			itemIndex: 2,
		});
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe('MultiTalk: Job abc not found [Not Found]');
		expect(error.httpCode).toBe('404');
		expect(error.context.itemIndex).toBe(2);
		expect(error.context.providerCode).toBe('Not Found');
		expect(error.description).toContain('HTTP 404');
	});

	it('falls back to a plain-language status text', () => {
		const error = providerApiError(node, { provider: 'AvaTar', statusCode: 503 });
		expect(error.message).toBe('AvaTar: Service unavailable');
		expect(error.httpCode).toBe('503');
	});
});

describe('providerApiError without an HTTP status (WebSocket failures)', () => {
	it('does not pass the provider code off as an HTTP code', () => {
		const error = providerApiError(node, { provider: 'AvaTar', failure: { message: 'Failed to process audio input', code: 'AUDIO_PROCESSING_ERROR' } });
		expect(error.httpCode ?? null).toBeNull();
		expect(error.context.providerCode).toBe('AUDIO_PROCESSING_ERROR');
		expect(error.message).toBe('AvaTar: Failed to process audio input [AUDIO_PROCESSING_ERROR]');
	});
});

describe('asNodeError (a caught error re-thrown as an n8n error)', () => {
	it('passes NodeApiError and NodeOperationError through unchanged, hints included', () => {
		const api = providerApiError(node, { provider: 'MuseTalk', statusCode: 404, failure: { message: 'gone' } });
		api.description = 'hint';
		expect(asNodeError(node, api, 2)).toBe(api);
		const op = new NodeOperationError(node, 'Timed out', { itemIndex: 1 });
		expect(asNodeError(node, op, 2)).toBe(op);
	});

	it('turns anything else into a NodeOperationError on the item, keeping the message', () => {
		const wrapped = asNodeError(node, new TypeError('socket hang up'), 3);
		expect(wrapped).toBeInstanceOf(NodeOperationError);
		expect(wrapped.message).toBe('socket hang up');
		expect(wrapped.context.itemIndex).toBe(3);
		const fromString = asNodeError(node, 'boom', 0);
		expect(fromString).toBeInstanceOf(NodeOperationError);
		expect(fromString.message).toBe('boom');
	});
});
