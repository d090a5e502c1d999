/**
 * AvatarTalk Video resource through n8n-core's engine against the emulator: Generate Inference
 * in its three modes, Get Video, validation, every documented error, concurrency, streaming.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { getRuntime } from '../../../harness';
import { AVATARTALK_NO_CREDITS_KEY, avatarTalkState } from '../../../emulator/providers/avatartalk';
import { fixture, largeMp4Size } from '../../../emulator/media';
import type { Emulator } from '../../../emulator/server';
import { expectMp4 } from '../../../helpers/mp4';
import { NODE, bodyOf, items, outputBinary, runAvatarTalk, useAvatarTalkEmulator } from './helpers';

let emulator: Emulator;
const defaults = { avatarTalkLatencyMs: 5, avatarTalkChunkDelayMs: 1 };
useAvatarTalkEmulator((e) => (emulator = e), { settings: defaults });

const generate = (extra: Record<string, unknown> = {}) => ({
	resource: 'video',
	operation: 'generateInference',
	text: 'Hello from the AvatarTalk emulator',
	avatar: 'japanese_woman',
	emotion: 'happy',
	language: 'ja',
	requestSettings: { maxAttempts: 3 },
	...extra,
});
const getVideo = (extra: Record<string, unknown> = {}) => ({ resource: 'video', operation: 'getVideo', ...extra });
const inferencePosts = () => emulator.requests({ service: 'avatarTalk', method: 'POST', path: '/inference' });
const videoGets = () => emulator.requests({ method: 'GET', path: /\/video\.(mp4|html)$/ });

describe('Generate Inference: wait for video', () => {
	it('posts the documented body with the Bearer key, then streams mp4_url into a real MP4', async () => {
		const result = await runAvatarTalk(emulator, generate());
		expect(result.error).toBeUndefined();
		const [json] = result.json(NODE);
		expect(json).toMatchObject({ status: 'success', avatar: 'japanese_woman', emotion: 'happy', language: 'ja', credits_consumed: 2 });
		expect(json.mp4_url).toBe(`${emulator.urls.avatarTalk}/inference/${json.id}/video.mp4`);

		const posts = inferencePosts();
		expect(posts).toHaveLength(1);
		expect(posts[0].query).toEqual({});
		expect(posts[0].headers.authorization).toBe(`Bearer ${emulator.keys.avatarTalk}`);
		expect(posts[0].headers['content-type']).toMatch(/application\/json/);
		expect(bodyOf(posts[0])).toEqual({ text: 'Hello from the AvatarTalk emulator', avatar: 'japanese_woman', emotion: 'happy', language: 'ja' });

		const gets = videoGets();
		expect(gets.map((r) => r.path)).toEqual([`/inference/${json.id}/video.mp4`]);
		expect(gets[0].headers.authorization).toBe(`Bearer ${emulator.keys.avatarTalk}`); // same origin as the credential

		const { meta, bytes } = await outputBinary(result);
		expect(meta.mimeType).toBe('video/mp4');
		expect(meta.fileName).toBe(`avatartalk-${json.id}.mp4`);
		expect(bytes.equals(fixture('sample.mp4'))).toBe(true);
		expectMp4(bytes);
		expect(result.items(NODE)[0].pairedItem).toEqual({ item: 0 });
	});

	it('returns only the JSON when Download Video is off, and uses a custom file name and field', async () => {
		const plain = await runAvatarTalk(emulator, generate({ downloadVideo: false }));
		expect(plain.error).toBeUndefined();
		expect(plain.items(NODE)[0].binary).toBeUndefined();
		expect(videoGets()).toHaveLength(0);

		const named = await runAvatarTalk(emulator, generate({ binaryPropertyName: 'video', options: { fileName: 'welcome' } }));
		const { meta, bytes } = await outputBinary(named, 0, 'video');
		expect(meta.fileName).toBe('welcome.mp4');
		expectMp4(bytes);
	});

	it('downloads an mp4_url on another origin without the credential', async () => {
		emulator.settings.avatarTalkVideoOrigin = 's3';
		const result = await runAvatarTalk(emulator, generate());
		expect(result.error).toBeUndefined();
		const [json] = result.json(NODE);
		expect(String(json.mp4_url)).toMatch(new RegExp(`^${emulator.urls.s3}/`));
		const s3 = emulator.requests({ service: 's3' });
		expect(s3).toHaveLength(1);
		expect(s3[0].headers.authorization).toBeUndefined();
		expect(JSON.stringify(result.items(NODE))).not.toContain(emulator.keys.avatarTalk);
		expectMp4((await outputBinary(result)).bytes);
	});

	it('runs several items at once with "Items in Parallel", each paired with its input', async () => {
		// Every request takes at least 2 s at the server: sequential items would take 16 s or more,
		// and no request could arrive within 2 s of the previous one. Both are floors, not speeds,
		// so a busy machine cannot fail this.
		emulator.settings.avatarTalkLatencyMs = 2000;
		const inputs = items(8, (i) => ({ line: `Line number ${i}` }));
		const started = Date.now();
		const result = await runAvatarTalk(
			emulator,
			generate({ text: '={{ $json.line }}', downloadVideo: false, options: { concurrency: 4 } }),
			{ items: inputs },
		);
		const elapsed = Date.now() - started;
		expect(result.error).toBeUndefined();
		expect(result.json(NODE).map((j) => j.text)).toEqual(inputs.map((i) => i.json.line));
		expect(result.items(NODE).map((i) => i.pairedItem)).toEqual(inputs.map((_, item) => ({ item })));
		expect(elapsed).toBeLessThan(8 * 2000); // 4 at once: ~4 s
		// four requests were in flight together: the 4th arrived before the 1st could be answered
		const times = inferencePosts().map((r) => r.at).sort((a, b) => a - b);
		expect(times[3] - times[0]).toBeLessThan(2000);
	});
});

describe('Generate Inference: stream', () => {
	it('posts with ?stream=true and writes the streamed body to binary as a real MP4', async () => {
		const result = await runAvatarTalk(emulator, generate({ mode: 'stream' }));
		expect(result.error).toBeUndefined();
		const posts = inferencePosts();
		expect(posts).toHaveLength(1);
		expect(posts[0].query).toEqual({ stream: 'true' });
		expect(bodyOf(posts[0])).toEqual({ text: 'Hello from the AvatarTalk emulator', avatar: 'japanese_woman', emotion: 'happy', language: 'ja' });
		const [json] = result.json(NODE);
		expect(json).toMatchObject({ stream: true, file_size_bytes: fixture('sample.mp4').length });
		const { meta, bytes } = await outputBinary(result);
		expect(meta.mimeType).toBe('video/mp4');
		expect(meta.fileName).toMatch(/^avatartalk-japanese_woman-\d+\.mp4$/);
		expectMp4(bytes);
		expect(videoGets()).toHaveLength(0);
	});

	it('fails clearly when the stream is cut short, stores nothing, and never repeats the paid POST', async () => {
		emulator.addFault({ service: 'avatarTalk', method: 'POST', path: '/inference', fault: { kind: 'truncate' }, times: 1 });
		const result = await runAvatarTalk(emulator, generate({ mode: 'stream' }));
		expect(result.status).toBe('error');
		expect(result.error?.error).toBeInstanceOf(NodeApiError);
		expect(result.error?.message).toMatch(/AvatarTalk: The download of .*\.mp4 was cut short.*nothing was stored/);
		expect(inferencePosts()).toHaveLength(1);
		expect(result.items(NODE)).toEqual([]);
	});

	it('streams a 32 MB video to disk while it is still arriving (never buffered whole)', async () => {
		const size = 32 * 1024 * 1024;
		emulator.settings.avatarTalkVideoBytes = size;
		emulator.settings.avatarTalkChunkDelayMs = 1;
		const { home } = await getRuntime();
		const binaryDir = path.join(home, 'binary-data');
		const sizeOnDisk = (dir: string): number => {
			let total = 0;
			if (!existsSync(dir)) return 0;
			for (const entry of readdirSync(dir, { withFileTypes: true })) {
				const full = path.join(dir, entry.name);
				try {
					total += entry.isDirectory() ? sizeOnDisk(full) : statSync(full).size;
				} catch {
					// a temp file renamed while we looked
				}
			}
			return total;
		};
		const before = sizeOnDisk(binaryDir);
		// While the emulator is still sending (its POST not finished), how much is already on disk?
		let onDiskWhileSending = 0;
		const sampler = setInterval(() => {
			const post = inferencePosts()[0];
			if (post && post.status === undefined) onDiskWhileSending = Math.max(onDiskWhileSending, sizeOnDisk(binaryDir) - before);
		}, 10);
		try {
			const result = await runAvatarTalk(emulator, generate({ mode: 'stream' }));
			expect(result.error).toBeUndefined();
			expect(result.json(NODE)[0].file_size_bytes).toBe(largeMp4Size(size));
			expect(result.items(NODE)[0].binary?.data.id).toBeTruthy(); // stored by the binary data service, not inline
		} finally {
			clearInterval(sampler);
		}
		expect(onDiskWhileSending).toBeGreaterThan(size / 4);
	});
});

describe('Generate Inference: delayed', () => {
	it('returns the trigger URLs and consumes nothing until Get Video fetches the video', async () => {
		const result = await runAvatarTalk(emulator, generate({ mode: 'delayed' }));
		expect(result.error).toBeUndefined();
		const [json] = result.json(NODE);
		expect(json).toMatchObject({ status: 'delayed', credits_consumed: 0, file_size_bytes: null });
		expect(json.html_url).toBe(`${emulator.urls.avatarTalk}/inference/${json.id}/video.html`);
		expect(json.mp4_url).toBe(`${emulator.urls.avatarTalk}/inference/${json.id}/video.mp4`);
		expect(bodyOf(inferencePosts()[0])).toMatchObject({ delayed: true });
		expect(result.items(NODE)[0].binary).toBeUndefined();
		expect(videoGets()).toHaveLength(0);
		const state = avatarTalkState(emulator);
		const consumedBefore = state.consumed[emulator.keys.avatarTalk] ?? 0;
		expect(state.inferences.get(String(json.id))?.generated).toBe(false);

		const fetched = await runAvatarTalk(emulator, getVideo({ source: 'id', inferenceId: json.id }));
		expect(fetched.error).toBeUndefined();
		expect(fetched.json(NODE)[0]).toMatchObject({ id: json.id, file_name: `avatartalk-${json.id}.mp4`, file_size_bytes: fixture('sample.mp4').length });
		expectMp4((await outputBinary(fetched)).bytes);
		expect(state.consumed[emulator.keys.avatarTalk]).toBe(consumedBefore + 2);
		expect(state.inferences.get(String(json.id))?.generated).toBe(true);

		// The viewer URL a user may paste instead: its video is downloaded, and not charged again.
		const byUrl = await runAvatarTalk(emulator, getVideo({ source: 'url', videoUrl: json.html_url }));
		expect(byUrl.error).toBeUndefined();
		expectMp4((await outputBinary(byUrl)).bytes);
		expect(videoGets().map((r) => r.path)).toEqual([`/inference/${json.id}/video.mp4`, `/inference/${json.id}/video.mp4`]);
		expect(state.consumed[emulator.keys.avatarTalk]).toBe(consumedBefore + 2);
	});

	it('Get Video of a delayed inference on a key without credits fails with 403 INSUFFICIENT_CREDITS', async () => {
		const created = await runAvatarTalk(emulator, generate({ mode: 'delayed' }), { apiKey: AVATARTALK_NO_CREDITS_KEY });
		expect(created.error).toBeUndefined();
		const id = created.json(NODE)[0].id;
		const fetched = await runAvatarTalk(emulator, getVideo({ inferenceId: id }), { apiKey: AVATARTALK_NO_CREDITS_KEY });
		expect(fetched.error?.error).toBeInstanceOf(NodeApiError);
		expect(fetched.error?.message).toBe('AvatarTalk: Insufficient video time to process request [INSUFFICIENT_CREDITS]');
		expect(fetched.error?.httpCode).toBe('403');
	});
});

describe('Get Video', () => {
	it('404 for an unknown inference is a clear error with the provider message', async () => {
		const result = await runAvatarTalk(emulator, getVideo({ inferenceId: '00000000-0000-0000-0000-000000000000' }));
		expect(result.error?.error).toBeInstanceOf(NodeApiError);
		expect(result.error?.message).toBe('AvatarTalk: Inference not found');
		expect(result.error?.httpCode).toBe('404');
		expect(result.error?.description).toMatch(/Check the inference ID/);
	});

	it('a video URL on another origin is fetched without the credential', async () => {
		emulator.store.put('cdn/welcome.mp4', fixture('sample.mp4'));
		const url = emulator.store.presign('cdn/welcome.mp4');
		const result = await runAvatarTalk(emulator, getVideo({ source: 'url', videoUrl: url }));
		expect(result.error).toBeUndefined();
		const s3 = emulator.requests({ service: 's3' });
		expect(s3).toHaveLength(1);
		expect(s3[0].headers.authorization).toBeUndefined();
		expect(emulator.requests({ service: 'avatarTalk' })).toHaveLength(0);
		expectMp4((await outputBinary(result)).bytes);
	});

	it('retries a download cut short (GET is safe to repeat) and returns a complete MP4', async () => {
		const created = await runAvatarTalk(emulator, generate({ downloadVideo: false }));
		const id = created.json(NODE)[0].id as string;
		emulator.clearLog();
		emulator.addFault({ service: 'avatarTalk', method: 'GET', path: `/inference/${id}/video.mp4`, fault: { kind: 'truncate' }, times: 1 });
		const result = await runAvatarTalk(emulator, getVideo({ inferenceId: id }));
		expect(result.error).toBeUndefined();
		expect(videoGets()).toHaveLength(2);
		expectMp4((await outputBinary(result)).bytes);
	});

	it('validates the ID and URL before sending anything', async () => {
		const badId = await runAvatarTalk(emulator, getVideo({ inferenceId: 'abc/../../lightning' }));
		expect(badId.error?.error).toBeInstanceOf(NodeOperationError);
		expect(badId.error?.message).toMatch(/^Inference ID: "abc\/\.\.\/\.\.\/lightning" is not a valid ID/);
		const badUrl = await runAvatarTalk(emulator, getVideo({ source: 'url', videoUrl: 'ftp://example.com/x.mp4' }));
		expect(badUrl.error?.message).toMatch(/^Video URL: "ftp:\/\/example.com\/x.mp4" is not a valid URL/);
		// (an empty literal is caught by n8n itself; an expression that yields nothing by the node)
		const empty = await runAvatarTalk(emulator, getVideo({ inferenceId: '={{ $json.missing }}' }));
		expect(empty.error?.error).toBeInstanceOf(NodeOperationError);
		expect(empty.error?.message).toMatch(/^Inference ID: is required/);
		expect(emulator.requests()).toHaveLength(0);
	});
});

describe('validation and documented errors', () => {
	it('rejects bad input before any request, naming the field and the allowed values', async () => {
		// Values that arrive through expressions (n8n itself checks literal dropdown values).
		const cases: Array<[Record<string, unknown>, RegExp]> = [
			[{ text: '   ' }, /^Text: must not be empty/],
			[{ avatar: '={{ "black_man" }}' }, /^Avatar: "black_man" is not a valid value/],
			[{ emotion: '={{ "angry" }}' }, /^Emotion: "angry" is not a valid value/],
			[{ language: '={{ "xx" }}' }, /^Language: "xx" is not a valid value/],
			[{ binaryPropertyName: '={{ "" }}' }, /^Put Video in Field: is required/],
		];
		for (const [params, message] of cases) {
			const result = await runAvatarTalk(emulator, generate(params));
			expect(result.error?.error).toBeInstanceOf(NodeOperationError);
			expect(result.error?.message).toMatch(message);
		}
		const avatar = await runAvatarTalk(emulator, generate({ avatar: '={{ "black_man" }}' }));
		expect(avatar.error?.description).toContain('european_woman');
		expect(avatar.error?.description).toContain('arab_woman');
		expect(emulator.requests()).toHaveLength(0);
	});

	it('401 INVALID_API_KEY', async () => {
		const result = await runAvatarTalk(emulator, generate(), { apiKey: 'wrong-key' });
		expect(result.error?.error).toBeInstanceOf(NodeApiError);
		expect(result.error?.message).toBe('AvatarTalk: Invalid or missing API key [INVALID_API_KEY]');
		expect(result.error?.httpCode).toBe('401');
		expect(JSON.stringify(result.error?.stored)).not.toContain('wrong-key');
	});

	it('403 INSUFFICIENT_CREDITS on a key without video time', async () => {
		const result = await runAvatarTalk(emulator, generate(), { apiKey: AVATARTALK_NO_CREDITS_KEY });
		expect(result.error?.message).toBe('AvatarTalk: Insufficient video time to process request [INSUFFICIENT_CREDITS]');
		expect(result.error?.httpCode).toBe('403');
		expect(inferencePosts()).toHaveLength(1);
	});

	it('500 INFERENCE_FAILED is reported and the paid POST is not repeated', async () => {
		emulator.settings.avatarTalkFailInference = true;
		const result = await runAvatarTalk(emulator, generate());
		expect(result.error?.error).toBeInstanceOf(NodeApiError);
		expect(result.error?.message).toBe('AvatarTalk: Inference processing failed [INFERENCE_FAILED]');
		expect(result.error?.httpCode).toBe('500');
		expect(inferencePosts()).toHaveLength(1);
	});

	it('400 INVALID_PARAMETERS (the documented body) is reported with its code', async () => {
		emulator.addFault({
			service: 'avatarTalk',
			method: 'POST',
			path: '/inference',
			times: 1,
			fault: {
				kind: 'status',
				status: 400,
				body: { status: 'error', error_code: 'INVALID_PARAMETERS', message: 'Request parameters are invalid', details: { text: 'too long' } },
			},
		});
		const result = await runAvatarTalk(emulator, generate());
		expect(result.error?.message).toBe('AvatarTalk: Request parameters are invalid [INVALID_PARAMETERS]');
		expect(result.error?.httpCode).toBe('400');
	});

	it('a 429 with Retry-After is waited out and the POST sent again (nothing was started)', async () => {
		emulator.addFault({ service: 'avatarTalk', method: 'POST', path: '/inference', times: 1, fault: { kind: 'rateLimit', retryAfter: '1' } });
		const started = Date.now();
		const result = await runAvatarTalk(emulator, generate({ downloadVideo: false }));
		expect(result.error).toBeUndefined();
		expect(Date.now() - started).toBeGreaterThanOrEqual(950);
		expect(inferencePosts()).toHaveLength(2);
	});

	it('Continue On Fail: a bad item becomes an error item, the others still run', async () => {
		const result = await runAvatarTalk(emulator, generate({ text: '={{ $json.text }}', downloadVideo: false }), {
			items: [{ json: { text: 'first' } }, { json: { text: '' } }, { json: { text: 'third' } }],
			onError: 'continueRegularOutput',
		});
		expect(result.status).toBe('success');
		const out = result.items(NODE);
		expect(out).toHaveLength(3);
		expect(out[0].json.text).toBe('first');
		expect(out[1].json.error).toMatch(/^Text: must not be empty/);
		expect(out[1].pairedItem).toEqual({ item: 1 });
		expect(out[2].json.text).toBe('third');
		expect(inferencePosts()).toHaveLength(2);
	});
});

describe('emulator fidelity (direct requests)', () => {
	it('answers 400 INVALID_PARAMETERS with details for each invalid field', async () => {
		const response = await fetch(`${emulator.urls.avatarTalk}/inference`, {
			method: 'POST',
			headers: { authorization: `Bearer ${emulator.keys.avatarTalk}`, 'content-type': 'application/json' },
			body: JSON.stringify({ text: '', avatar: 'black_man', emotion: 'neutral', language: 'xx' }),
		});
		expect(response.status).toBe(400);
		const body = (await response.json()) as { error_code: string; details: Record<string, string> };
		expect(body.error_code).toBe('INVALID_PARAMETERS');
		expect(Object.keys(body.details).sort()).toEqual(['avatar', 'language', 'text']);
	});

	it('serves the documented streaming headers', async () => {
		const response = await fetch(`${emulator.urls.avatarTalk}/inference?stream=true`, {
			method: 'POST',
			headers: { authorization: `Bearer ${emulator.keys.avatarTalk}`, 'content-type': 'application/json' },
			body: JSON.stringify({ text: 'hi', avatar: 'arab_man', emotion: 'serious' }),
		});
		expect(response.headers.get('content-type')).toBe('video/mp4');
		expect(response.headers.get('transfer-encoding')).toBe('chunked');
		expect(response.headers.get('content-disposition')).toBe('attachment; filename="video.mp4"');
		expect(response.headers.get('cache-control')).toBe('no-cache');
		expectMp4(Buffer.from(await response.arrayBuffer()));
	});
});
