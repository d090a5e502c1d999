import type { INode } from 'n8n-workflow';

import { valueAtPath } from '../../../nodes/AvaTar/actions/common';
import { readMessages } from '../../../nodes/AvaTar/actions/conversation/sendChat.operation';
import { readOffer } from '../../../nodes/AvaTar/actions/session/start.operation';
import { avaTar, realtimeUrl } from '../../../nodes/AvaTar/transport';
import { InputValidator } from '../../../nodes/shared/validation';
import { thrownInputError } from '../../helpers/assertions';

const node = { name: 'AvaTar', type: 'n8n-nodes-talking-avatars.avaTar', typeVersion: 1, position: [0, 0], parameters: {} } as unknown as INode;
const v = () => new InputValidator(node, 0);

const SDP = 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n';

describe('Start Session: reading the SDP offer', () => {
	it('takes the RTCSessionDescription object, its JSON text, or bare SDP', () => {
		expect(readOffer(v(), 'SDP Offer', { type: 'offer', sdp: SDP })).toEqual({ type: 'offer', sdp: SDP });
		expect(readOffer(v(), 'SDP Offer', JSON.stringify({ type: 'offer', sdp: SDP }))).toEqual({ type: 'offer', sdp: SDP });
		expect(readOffer(v(), 'SDP Offer', SDP)).toEqual({ type: 'offer', sdp: SDP });
		expect(readOffer(v(), 'SDP Offer', { sdp: SDP }).type).toBe('offer');
	});

	it('turns pasted LF line ends into CRLF', () => {
		expect(readOffer(v(), 'SDP Offer', SDP.replace(/\r\n/g, '\n')).sdp).toBe(SDP);
	});

	it.each([
		['an answer', { type: 'answer', sdp: SDP }, 'has type "answer"'],
		['empty text', '', 'is empty'],
		['an object without sdp', { type: 'offer' }, 'is empty'],
		['a number', 42, 'does not hold SDP text'],
		['text that is not SDP', 'hello', 'is not an SDP offer'],
		['SDP without an o= line', 'v=0\r\ns=-\r\n', 'is not an SDP offer'],
		['broken JSON', '{"type": "offer", ', 'looks like JSON'],
	])('rejects %s, naming the field', (_label, value, problem) => {
		const error = thrownInputError(() => readOffer(v(), 'SDP Offer', value));
		expect(error.message).toContain('SDP Offer:');
		expect(error.message).toContain(problem);
	});

	it('reads nested input fields by path', () => {
		expect(valueAtPath({ body: { offer: { sdp: 'x' } } }, 'body.offer.sdp')).toBe('x');
		expect(valueAtPath({ list: [{ sdp: 'y' }] }, 'list[0].sdp')).toBe('y');
		expect(valueAtPath({ a: 1 }, 'a.b')).toBeUndefined();
	});
});

describe('Send Chat Message: reading the messages JSON', () => {
	it('accepts a list, its JSON text, one message, or {messages}', () => {
		const list = [
			{ role: 'system', content: 'Be brief.' },
			{ role: 'user', content: 'Hi' },
			{ role: 'assistant', content: 'Hello' },
		];
		expect(readMessages(v(), list)).toEqual(list);
		expect(readMessages(v(), JSON.stringify(list))).toEqual(list);
		expect(readMessages(v(), { role: 'user', content: 'Hi' })).toEqual([{ role: 'user', content: 'Hi' }]);
		expect(readMessages(v(), { messages: list })).toEqual(list);
	});

	it('drops extra keys and keeps only role and content', () => {
		expect(readMessages(v(), [{ role: 'user', content: 'Hi', name: 'x' }])).toEqual([{ role: 'user', content: 'Hi' }]);
	});

	it.each([
		['empty text', '', 'is required'],
		['not JSON', '[{role: user}]', 'is not valid JSON'],
		['an empty list', '[]', 'is an empty list'],
		['a string value', '"hello"', 'must be a JSON list'],
		['a non-object entry', '["hi"]', 'message 1 is not an object'],
		['an unknown role', '[{"role":"bot","content":"x"}]', 'message 1 has the role "bot"'],
		['a missing role', '[{"content":"x"}]', 'message 1 has no "role"'],
		['empty content', '[{"role":"user","content":"x"},{"role":"user","content":"  "}]', 'message 2 has no text'],
		['non-text content', '[{"role":"user","content":5}]', 'message 1 has no text'],
	])('rejects %s, naming the field and the allowed roles', (_label, value, problem) => {
		const error = thrownInputError(() => readMessages(v(), value));
		expect(error.message).toContain('Messages:');
		expect(error.message).toContain(problem);
		if (problem.includes('role')) expect(error.description).toContain('system, user, assistant');
	});
});

describe('AvaTar transport', () => {
	it('uses the server root as base URL, with or without /v1', () => {
		expect(avaTar.baseUrl({ baseUrl: 'http://localhost:8000/v1' })).toBe('http://localhost:8000');
		expect(avaTar.baseUrl({ baseUrl: 'http://localhost:8000/v1/' })).toBe('http://localhost:8000');
		expect(avaTar.baseUrl({ baseUrl: 'https://host/avatar' })).toBe('https://host/avatar');
	});

	it('builds the realtime URL from the credential, refusing a missing or non-ws one', () => {
		expect(realtimeUrl(node, { wsUrl: 'ws://localhost:8001/ws/' }, 'abc', 0)).toBe('ws://localhost:8001/ws/abc');
		expect(thrownInputError(() => realtimeUrl(node, { wsUrl: '' }, 'abc', 0)).message).toContain('no WebSocket URL');
		expect(thrownInputError(() => realtimeUrl(node, { wsUrl: 'http://x/ws' }, 'abc', 0)).message).toContain('is not a ws:// or wss:// URL');
	});

	it('reads the documented error body', () => {
		expect(avaTar.parseError({ error: { code: 'SESSION_NOT_FOUND', message: 'The specified session does not exist', details: { session_id: 'x' } } })).toEqual({
			code: 'SESSION_NOT_FOUND',
			message: 'The specified session does not exist',
			details: { session_id: 'x' },
		});
	});
});
