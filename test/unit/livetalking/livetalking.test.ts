import type { IExecuteFunctions, INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { readSessionId, readText } from '../../../nodes/LiveTalking/actions/common';
import { LiveTalking } from '../../../nodes/LiveTalking/LiveTalking.node';
import { liveTalking, liveTalkingHint, parseLiveTalkingError } from '../../../nodes/LiveTalking/transport';
import { InputValidator } from '../../../nodes/shared/validation';

const node: INode = { id: '1', name: 'LiveTalking', type: 'n8n-nodes-talking-avatars.liveTalking', typeVersion: 1, position: [0, 0], parameters: {} };
const v = () => new InputValidator(node, 0);

describe('LiveTalking transport', () => {
	it.each([
		['http://localhost:8000', 'http://localhost:8000/api/v1/avatar'],
		['http://localhost:8000/', 'http://localhost:8000/api/v1/avatar'],
		['http://localhost:8000/api/v1', 'http://localhost:8000/api/v1/avatar'],
		['http://localhost:8000/api/v1/avatar/', 'http://localhost:8000/api/v1/avatar'],
		['https://backend.example.com/video-clone', 'https://backend.example.com/video-clone/api/v1/avatar'],
	])('base URL %j -> %j', (input, expected) => {
		expect(liveTalking.baseUrl({ baseUrl: input, firebaseToken: 't' })).toBe(expected);
	});

	it('reads {detail} strings and 422 lists field by field', () => {
		expect(parseLiveTalkingError({ detail: 'LiveTalking server unavailable: Connection refused' })).toEqual({
			message: 'LiveTalking server unavailable: Connection refused',
		});
		expect(
			parseLiveTalkingError({
				detail: [
					{ loc: ['body', 'text'], msg: 'String should have at least 1 character', type: 'string_too_short' },
					{ loc: ['body', 'session_id'], msg: 'Input should be a valid integer', type: 'int_parsing' },
				],
			})?.message,
		).toBe('text: String should have at least 1 character; session_id: Input should be a valid integer');
	});

	it('hints for 401, 422 and 503 only', () => {
		expect(liveTalkingHint(401)).toContain('Firebase ID tokens last one hour');
		expect(liveTalkingHint(422)).toBe('The backend rejected the request (see its reasons above).');
		const about = (...fields: string[]) => ({ message: 'x', details: fields.map((field) => ({ loc: ['body', field], msg: 'bad', type: 't' })) });
		expect(liveTalkingHint(422, about('session_id'))).toContain('Session ID must be the whole number');
		expect(liveTalkingHint(422, about('text'))).toBe('The backend rejected the request fields listed above: Text must be 1 to 5000 characters.');
		expect(liveTalkingHint(422, about('title', 'session_id', 'title'))).toBe(
			'The backend rejected the request fields listed above: Title must be at most 255 characters; Session ID must be the whole number from LiveTalking’s /offer answer.',
		);
		expect(liveTalkingHint(422, about('unknown_field'))).not.toMatch(/Session ID/);
		expect(liveTalkingHint(503)).toContain('Start LiveTalking');
		expect(liveTalkingHint(404)).toBeUndefined();
		expect(liveTalkingHint(500)).toBeUndefined();
	});
});

describe('LiveTalking input checks', () => {
	const ctx = (sessionId: unknown) => ({ getNodeParameter: () => sessionId }) as unknown as IExecuteFunctions;

	it.each([
		['123456789', 123456789],
		[' 42 ', 42],
		[7, 7],
		['0', 0],
		[String(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER],
	])('Session ID %j -> %j', (input, expected) => {
		expect(readSessionId.call(ctx(input), 0, v())).toBe(expected);
	});

	it.each([
		['', 'Session ID: is required'],
		[null, 'Session ID: is required'],
		['abc', 'Session ID: "abc" is not a whole number'],
		['12abc', 'Session ID: "12abc" is not a whole number'],
		['0x10', 'Session ID: "0x10" is not a whole number'],
		['1.5', 'Session ID: 1.5 is not a whole number'],
		[2.5, 'Session ID: 2.5 is not a whole number'],
		['-1', 'Session ID: -1 is out of range'],
		[-4, 'Session ID: -4 is out of range'],
	])('Session ID %j is refused: %s', (input, message) => {
		expect(() => readSessionId.call(ctx(input), 0, v())).toThrow(NodeOperationError);
		expect(() => readSessionId.call(ctx(input), 0, v())).toThrow(message);
	});

	it('counts text in characters (code points), as the backend does', () => {
		expect(readText(v(), 'Text', '😀'.repeat(5000), { max: 5000, required: true })).toHaveLength(10000);
		expect(() => readText(v(), 'Text', '😀'.repeat(5001), { max: 5000, required: true })).toThrow('Text: is 5001 characters long, more than the 5000 allowed');
		expect(() => readText(v(), 'Text', ' \n ', { max: 5000, required: true })).toThrow('Text: must not be empty');
		expect(readText(v(), 'Title', '', { max: 255, required: false })).toBe('');
		expect(() => readText(v(), 'Title', 'é'.repeat(256), { max: 255, required: false })).toThrow('Title: is 256 characters long');
	});
});

describe('LiveTalking node description', () => {
	const description = new LiveTalking().description;
	it('is an AI-tool-usable action node with the liveTalkingApi credential', () => {
		expect(description.usableAsTool).toBe(true);
		expect(description.name).toBe('liveTalking');
		expect(description.credentials).toEqual([{ name: 'liveTalkingApi', required: true }]);
	});

	it('lists every documented operation', () => {
		const operations = description.properties
			.filter((p) => p.name === 'operation')
			.flatMap((p) => (p.options as Array<{ value: string }>).map((o) => `${p.displayOptions?.show?.resource?.[0] as string}.${o.value}`));
		expect(operations.sort()).toEqual(
			['session.getUrls', 'session.sendText', 'recording.start', 'recording.stop', 'recording.download', 'service.health'].sort(),
		);
	});

	it('Interrupt defaults to true, as documented', () => {
		expect(description.properties.find((p) => p.name === 'interrupt')?.default).toBe(true);
	});
});
