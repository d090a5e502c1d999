import type { INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { buildGenerateBody, collectAudioUrls } from '../../../nodes/MultiTalk/helpers/submitBody';
import { videoFileName } from '../../../nodes/MultiTalk/helpers/download';
import { InputValidator } from '../../../nodes/shared/validation';

const node = { id: 'n', name: 'MultiTalk', type: 'x', typeVersion: 1, position: [0, 0], parameters: {} } as INode;
const v = () => new InputValidator(node, 0);
const base = { prompt: ' Hello ', imageS3Url: 's3://b-1/p.png', audio: { urls: [{ url: 's3://b-1/a.wav' }] }, webhookUrl: '', options: {} };

describe('collectAudioUrls', () => {
	it('reads list entries, arrays from expressions and comma-separated s3 URLs, in order', () => {
		expect(collectAudioUrls({ urls: [{ url: 's3://b-1/a.wav' }, { url: ['s3://b-1/b.wav', 's3://b-1/c.wav'] }, { url: 's3://b-1/d.wav, s3://b-1/e.wav' }] })).toEqual([
			's3://b-1/a.wav',
			's3://b-1/b.wav',
			's3://b-1/c.wav',
			's3://b-1/d.wav',
			's3://b-1/e.wav',
		]);
	});

	it('keeps a comma that is part of a key, and skips empty entries', () => {
		expect(collectAudioUrls({ urls: [{ url: 's3://b-1/a,b.wav' }, { url: '' }, {}] })).toEqual(['s3://b-1/a,b.wav']);
		expect(collectAudioUrls(undefined)).toEqual([]);
		expect(collectAudioUrls({})).toEqual([]);
	});
});

describe('buildGenerateBody', () => {
	it('sends the minimum: trimmed prompt, image, one audio URL as a string, no options', () => {
		expect(buildGenerateBody(base, v())).toEqual({ prompt: 'Hello', image_s3_url: 's3://b-1/p.png', audio_s3_urls: 's3://b-1/a.wav' });
	});

	it('sends several audio URLs as an array and maps every option', () => {
		const body = buildGenerateBody(
			{
				...base,
				audio: { urls: [{ url: 's3://b-1/a.wav' }, { url: 's3://b-1/b.wav' }] },
				webhookUrl: ' https://x.example/hook ',
				options: { outputS3Bucket: 'out-1', outputS3Prefix: '/videos/', resolution: '720p', sampleSteps: '30', audioType: 'para', audioCfg: 3, colorCorrection: 0 },
			},
			v(),
		);
		expect(body).toEqual({
			prompt: 'Hello',
			image_s3_url: 's3://b-1/p.png',
			audio_s3_urls: ['s3://b-1/a.wav', 's3://b-1/b.wav'],
			output_s3_bucket: 'out-1',
			output_s3_prefix: 'videos/',
			webhook_url: 'https://x.example/hook',
			options: { resolution: '720p', sample_steps: 30, audio_type: 'para', audio_cfg: 3, color_correction: 0 },
		});
	});

	it.each([
		[{ outputS3Prefix: 'has space/' }, /^Output S3 Prefix: /],
		[{ sampleSteps: 'lots' }, /^Sample Steps: "lots" is not a number/],
		[{ audioCfg: 5.01 }, /^Audio CFG: 5.01 is out of range/],
	])('names the field in errors (%j)', (options, message) => {
		expect(() => buildGenerateBody({ ...base, options }, v())).toThrow(NodeOperationError);
		expect(() => buildGenerateBody({ ...base, options }, v())).toThrow(message);
	});

	it('names the audio entry that is wrong', () => {
		expect(() => buildGenerateBody({ ...base, audio: { urls: [{ url: 's3://b-1/a.wav' }, { url: 's3:/b-1/x.wav' }] } }, v())).toThrow(
			/^Audio S3 URLs \(entry 2\): "s3:\/b-1\/x.wav" is not a valid S3 URL/,
		);
	});
});

describe('videoFileName', () => {
	it('uses the file name of the S3 output, or one made from the job ID', () => {
		expect(videoFileName('j1', 's3://bucket/outputs/video_123.mp4')).toBe('video_123.mp4');
		expect(videoFileName('j1', 's3://bucket/outputs/')).toBe('multitalk-j1.mp4');
		expect(videoFileName('j/1', undefined)).toBe('multitalk-j_1.mp4');
		expect(videoFileName('j1', 's3://bucket/out/we ird$.mp4')).toBe('we_ird_.mp4');
	});
});
