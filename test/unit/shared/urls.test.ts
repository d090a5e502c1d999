import { isPresignedUrl, resolveUrl, sameOrigin } from '../../../nodes/shared/http';
import { normaliseBaseUrl } from '../../../nodes/shared/provider';

describe('base URLs', () => {
	it('normalises trailing slashes and an optional documented suffix', () => {
		expect(normaliseBaseUrl('https://x.run/api/v1/', '/api/v1')).toBe('https://x.run');
		expect(normaliseBaseUrl('https://x.run', '/api/v1')).toBe('https://x.run');
		expect(normaliseBaseUrl(' https://api.avatartalk.ai// ')).toBe('https://api.avatartalk.ai');
	});

	it('resolves paths under the base and root-relative provider URLs on the same origin', () => {
		expect(resolveUrl('https://x.run/api/v1', '/jobs/1')).toBe('https://x.run/api/v1/jobs/1');
		expect(resolveUrl('https://x.run/api/v1', '/api/v1/generate/video/a.mp4')).toBe('https://x.run/api/v1/generate/video/a.mp4');
		expect(resolveUrl('https://x.run/api/v1', 'https://bucket.s3.amazonaws.com/a.mp4')).toBe('https://bucket.s3.amazonaws.com/a.mp4');
	});

	it('compares origins strictly (scheme, host and port)', () => {
		expect(sameOrigin('https://api.avatartalk.ai/inference/1/video.mp4', 'https://api.avatartalk.ai')).toBe(true);
		expect(sameOrigin('http://api.avatartalk.ai/x', 'https://api.avatartalk.ai')).toBe(false);
		expect(sameOrigin('https://api.avatartalk.ai.evil.com/x', 'https://api.avatartalk.ai')).toBe(false);
		expect(sameOrigin('http://127.0.0.1:8001/x', 'http://127.0.0.1:8000')).toBe(false);
		expect(sameOrigin('not a url', 'https://a.b')).toBe(false);
	});
});

describe('presigned links', () => {
	it('recognises S3 SigV4 / SigV2 and GCS signed URLs, whatever the case of the parameter', () => {
		expect(isPresignedUrl('https://b.s3.amazonaws.com/a.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F&X-Amz-Signature=ab')).toBe(true);
		expect(isPresignedUrl('https://api.example.com/storage/a.mp4?x-amz-signature=ab')).toBe(true);
		expect(isPresignedUrl('https://b.s3.amazonaws.com/a.mp4?AWSAccessKeyId=AKIA&Expires=1&Signature=ab')).toBe(true);
		expect(isPresignedUrl('https://storage.googleapis.com/b/a.mp4?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Signature=ab')).toBe(true);
	});

	it('leaves ordinary API URLs alone', () => {
		expect(isPresignedUrl('https://api.example.com/api/v1/jobs/1/download?expiration=3600')).toBe(false);
		expect(isPresignedUrl('https://api.example.com/inference/1/video.mp4')).toBe(false);
		expect(isPresignedUrl('not a url')).toBe(false);
	});
});
