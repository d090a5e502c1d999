import type { IExecuteFunctions, INode, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { fileNameOf, generationHint, readGenerationBody, sessionHint, withExtension } from '../../../nodes/MuseTalk/actions/common';
import { MuseTalk } from '../../../nodes/MuseTalk/MuseTalk.node';
import { museTalk, parseMuseTalkError } from '../../../nodes/MuseTalk/transport';
import { resolveUrl } from '../../../nodes/shared/http';
import { InputValidator } from '../../../nodes/shared/validation';

const node: INode = { id: '1', name: 'MuseTalk', type: 'n8n-nodes-talking-avatars.museTalk', typeVersion: 1, position: [0, 0], parameters: {} };

describe('MuseTalk transport', () => {
	it.each([
		['https://x.proxy.runpod.net/api/v1', 'https://x.proxy.runpod.net'],
		['https://x.proxy.runpod.net/api/v1/', 'https://x.proxy.runpod.net'],
		['https://x.proxy.runpod.net', 'https://x.proxy.runpod.net'],
		[' http://127.0.0.1:8000/ ', 'http://127.0.0.1:8000'],
		['https://gpu.example.com/musetalk/api/v1', 'https://gpu.example.com/musetalk'],
	])('base URL of %j is the server root %j (health at /health, API under /api/v1)', (input, root) => {
		expect(museTalk.baseUrl({ baseUrl: input })).toBe(root);
	});

	it('relative video/audio URLs resolve against the root, a proxy prefix included', () => {
		const root = museTalk.baseUrl({ baseUrl: 'https://x.proxy.runpod.net/api/v1' });
		expect(resolveUrl(root, '/api/v1/generate/video/output_1.mp4')).toBe('https://x.proxy.runpod.net/api/v1/generate/video/output_1.mp4');
		expect(resolveUrl(root, '/health')).toBe('https://x.proxy.runpod.net/health');
		const prefixed = museTalk.baseUrl({ baseUrl: 'https://gpu.example.com/musetalk/api/v1' });
		expect(resolveUrl(prefixed, '/api/v1/generate/audio/a.mp3')).toBe('https://gpu.example.com/musetalk/api/v1/generate/audio/a.mp3');
		expect(resolveUrl(root, 'https://cdn.example.com/v.mp4')).toBe('https://cdn.example.com/v.mp4');
	});

	it('reads the documented {error, detail} body', () => {
		expect(parseMuseTalkError({ error: 'Session not ready', detail: 'Session abc is not ready' })).toEqual({
			message: 'Session abc is not ready',
			code: 'Session not ready',
		});
	});
});

describe('MuseTalk helpers', () => {
	it('fileNameOf takes the last path segment, without query', () => {
		expect(fileNameOf('/api/v1/generate/video/output_12345.mp4')).toBe('output_12345.mp4');
		expect(fileNameOf('https://s3.example.com/b/k/audio_1.mp3?X-Amz-Signature=abc')).toBe('audio_1.mp3');
		expect(fileNameOf('/a/b%20c.mp4')).toBe('b c.mp4');
		expect(fileNameOf('')).toBe('');
	});

	it('withExtension adds the extension only when missing', () => {
		expect(withExtension('output_1.mp4', '.mp4')).toBe('output_1.mp4');
		expect(withExtension('OUT.MP4', '.mp4')).toBe('OUT.MP4');
		expect(withExtension('output_1', '.mp4')).toBe('output_1.mp4');
	});

	it('hints: 400 is "not ready", 404 "no such session", 500 about voice/model', () => {
		expect(generationHint(400)).toContain('Wait Until Ready');
		expect(generationHint(404)).toContain('Create a new session');
		expect(generationHint(500)).toContain('Voice and Model ID');
		expect(sessionHint(400)).toBeUndefined();
		expect(generationHint(200)).toBeUndefined();
	});
});

describe('MuseTalk generation fields', () => {
	const context = (parameters: Record<string, unknown>) =>
		({ getNodeParameter: (name: string, _i: number, fallback?: unknown) => (name in parameters ? parameters[name] : fallback) }) as unknown as IExecuteFunctions;
	const read = (parameters: Record<string, unknown>) =>
		readGenerationBody(context({ sessionId: 's1', text: 'Hi', voice: 'JBFqnCBsd6RMkjVDRZzb', modelId: 'eleven_multilingual_v2', ...parameters }), 0, new InputValidator(node, 0));

	it('builds the documented body', () => {
		expect(read({})).toEqual({ session_id: 's1', text: 'Hi', voice_id: 'JBFqnCBsd6RMkjVDRZzb', model_id: 'eleven_multilingual_v2' });
		expect(read({ voice: 'serverDefault', modelId: '  ' })).toEqual({ session_id: 's1', text: 'Hi' });
		expect(read({ voice: 'custom', customVoiceId: ' MF3mGyEYCl7XYWbV9V6O ' }).voice_id).toBe('MF3mGyEYCl7XYWbV9V6O');
	});

	it.each([
		[{ voice: 'custom', customVoiceId: 'MF3mGyEYCl7XYWbV9V6' }, /^Custom Voice ID: .* is not an ElevenLabs voice ID$/],
		[{ voice: 'custom', customVoiceId: 'MF3mGyEYCl7XYWbV9V6O!' }, /^Custom Voice ID/],
		[{ voice: 'Rachel' }, /^Voice: "Rachel" is not a valid value$/],
		[{ modelId: 'eleven-v2' }, /^Model ID/],
		[{ text: 'z'.repeat(10_001) }, /^Text: is 10001 characters long/],
		[{ sessionId: 'a b' }, /^Session ID/],
	])('refuses %j', (parameters, message) => {
		expect(() => read(parameters)).toThrow(NodeOperationError);
		expect(() => read(parameters)).toThrow(message);
	});

	it('offers exactly the five documented voices plus Custom and Server Default', () => {
		const description = new MuseTalk().description;
		const voice = description.properties.find((p) => p.name === 'voice' && p.displayOptions?.show?.operation?.includes('generate')) as INodeProperties;
		const values = (voice.options as Array<{ value: string }>).map((o) => o.value).sort();
		expect(values).toEqual(
			['21m00Tcm4TlvDq8ikWAM', 'AZnzlk1XvdvUeBnXmlld', 'EXAVITQu4vr4xnSDxMaL', 'ErXwobaYiN019PkySvjV', 'JBFqnCBsd6RMkjVDRZzb', 'custom', 'serverDefault'].sort(),
		);
		expect(voice.default).toBe('JBFqnCBsd6RMkjVDRZzb');
	});
});

describe('MuseTalk node description', () => {
	const description = new MuseTalk().description;
	it('is an AI-tool-usable action node with the museTalkApi credential', () => {
		expect(description.usableAsTool).toBe(true);
		expect(description.name).toBe('museTalk');
		expect(description.credentials).toEqual([{ name: 'museTalkApi', required: true }]);
	});

	it('lists every documented operation', () => {
		const operations = description.properties
			.filter((p) => p.name === 'operation')
			.flatMap((p) => (p.options as Array<{ value: string }>).map((o) => `${p.displayOptions?.show?.resource?.[0] as string}.${o.value}`));
		expect(operations.sort()).toEqual(
			['session.create', 'session.delete', 'session.getStatus', 'video.downloadFile', 'video.generate', 'video.generateStream', 'service.health'].sort(),
		);
	});
});
