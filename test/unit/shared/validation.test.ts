import type { INode } from 'n8n-workflow';

import { InputValidator } from '../../../nodes/shared/validation';
import { thrownInputError } from '../../helpers/assertions';

const node = { id: '1', name: 'T', type: 't', typeVersion: 1, position: [0, 0], parameters: {} } as INode;
const v = new InputValidator(node, 3);

describe('InputValidator', () => {
	it('names the field and what is allowed, for the right item', () => {
		const error = thrownInputError(() => v.oneOf('Resolution', '1080p', ['480p', '720p']));
		expect(error.message).toBe('Resolution: "1080p" is not a valid value');
		expect(error.description).toBe('Allowed: 480p, 720p');
		expect(error.context.itemIndex).toBe(3);
		expect(v.oneOf('Resolution', '720p', ['480p', '720p'])).toBe('720p');
	});

	it('checks text length', () => {
		expect(thrownInputError(() => v.text('Text', '   ')).message).toBe('Text: must not be empty');
		expect(thrownInputError(() => v.text('Text', 'x'.repeat(5001), { max: 5000 })).message).toContain('more than the 5000 allowed');
		expect(v.text('Text', 'hello', { max: 5000 })).toBe('hello');
	});

	it('checks number ranges and whole numbers', () => {
		expect(thrownInputError(() => v.number('Sample Steps', 9, { min: 10, max: 50, integer: true })).description).toBe(
			'Allowed: a whole number from 10 to 50',
		);
		expect(thrownInputError(() => v.number('Sample Steps', 12.5, { min: 10, max: 50, integer: true })).message).toContain('not a whole number');
		expect(thrownInputError(() => v.number('Audio CFG', 'abc', { min: 3, max: 5 })).message).toContain('is not a number');
		expect(v.number('Audio CFG', '4.5', { min: 3, max: 5 })).toBe(4.5);
	});

	it('checks S3 URLs', () => {
		expect(v.s3Url('Image S3 URL', 's3://my-bucket/images/person.png')).toBe('s3://my-bucket/images/person.png');
		for (const bad of ['https://my-bucket/x.png', 's3://my-bucket', 's3://My_Bucket/x.png', 's3:///x.png', '']) {
			expect(thrownInputError(() => v.s3Url('Image S3 URL', bad)).message).toMatch(/^Image S3 URL: /);
		}
	});

	it('checks URLs and path ids', () => {
		expect(v.url('Webhook URL', 'https://example.com/hook')).toBe('https://example.com/hook');
		expect(thrownInputError(() => v.url('Webhook URL', 'ftp://example.com')).message).toContain('not a valid URL');
		expect(thrownInputError(() => v.url('RTMP URL', 'http://x', ['rtmp', 'rtmps'])).description).toContain('rtmp or rtmps');
		expect(thrownInputError(() => v.pathId('Job ID', 'a/b')).message).toContain('not a valid ID');
		expect(v.pathId('Job ID', ' abc ')).toBe('abc');
	});
});
