/**
 * What each example workflow must produce when test/e2e/examples.test.ts runs it in real n8n
 * against the emulator. Keyed by the file name in examples/ (without `.json`); every example
 * needs an entry (the suite fails for one without, and for an entry without its example).
 *
 * Checked for every example on top of these (see examples.test.ts): status `success`, every
 * node ran, every file a Write node wrote exists with the bytes of its binary and the MIME type
 * its extension calls for, keys sent only to their own service.
 */
import type { IDataObject } from 'n8n-workflow';

import { fixture } from '../emulator/media';
import { multiTalkState } from '../emulator/providers/multitalk';
import type { ServiceName } from '../emulator/types';
import { compareVersions } from '../matrix/matrix';
import { agentRun, expectToolSchemas } from './agentChecks';
import type { ExampleRun, ExampleSessionLike, MediaKind } from './exampleRunner';

export interface BinaryExpectation {
	mimeType: string;
	fileExtension: string;
	/** Exactly these bytes (the emulator serves fixtures), or at least this many. */
	sameAs?: 'sample.mp4' | 'sample.mp3';
	minBytes?: number;
	media: MediaKind;
}

export interface NodeExpectation {
	/** How many items the node output (output 0 of its last run). */
	items: number;
	/** Every item's JSON must match this (jest `toMatchObject`, asymmetric matchers allowed). */
	json?: IDataObject;
	/** Binary fields every item must carry. */
	binary?: Record<string, BinaryExpectation>;
}

export interface ExampleExpectation {
	nodes: Record<string, NodeExpectation>;
	/** Every file the run writes (path as the workflow names it) and what it must be. */
	files: Record<string, MediaKind>;
	/** Requests the emulator must have received, in this order (others may come between). */
	requests: Array<[ServiceName, string, RegExp]>;
	/** Anything else worth checking. */
	check?: (run: ExampleRun, session: ExampleSessionLike) => void | Promise<void>;
}

const MP4: BinaryExpectation = { mimeType: 'video/mp4', fileExtension: 'mp4', sameAs: 'sample.mp4', media: 'mp4' };
const MP3: BinaryExpectation = { mimeType: 'audio/mpeg', fileExtension: 'mp3', sameAs: 'sample.mp3', media: 'mp3' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ID = '[^/]+';

export const EXPECTATIONS: Record<string, ExampleExpectation> = {
	// ---- AI Agent examples: the emulator's scripted chat model calls the tools (see agentChecks.ts)
	'agent-avatar-speak': {
		nodes: { 'AI Agent': { items: 1, json: { output: expect.stringContaining('The avatar said it in session') } } },
		files: {},
		requests: [
			['openAi', 'POST', /^\/v1\/chat\/completions$/],
			['avaTar', 'POST', /^\/v1\/streaming\.new$/],
			['avaTar', 'POST', /^\/v1\/avatar\.speak$/],
			['avaTar', 'POST', /^\/v1\/streaming\.stop$/],
			['openAi', 'POST', /^\/v1\/chat\/completions$/],
		],
		check: (run, session) => {
			const agent = agentRun(run, session, 'avatar-speak');
			expectToolSchemas(agent, {
				Open_Avatar_Session: { description: 'Create a new avatar session in AvaTar', args: [] },
				Speak: { description: 'Make the avatar speak a text in AvaTar', args: ['session_id', 'text'] },
				Close_Avatar_Session: { description: 'Stop an avatar session in AvaTar', args: ['session_id'] },
			});
			expect(agent.calls.map((call) => call.name)).toEqual(['Open_Avatar_Session', 'Speak', 'Close_Avatar_Session']);
			// the arguments the model chose are what the services received
			const sessionId = agent.toolOutput('Open Avatar Session').session_id as string;
			const [speak] = session.emulator.requests({ service: 'avaTar', path: '/v1/avatar.speak' });
			expect(JSON.parse(speak.body)).toMatchObject({ session_id: sessionId, text: 'Hello and welcome! Ask me anything about our bikes.' });
			expect(agent.calls[1].args).toEqual({ session_id: sessionId, text: 'Hello and welcome! Ask me anything about our bikes.' });
			const [stop] = session.emulator.requests({ service: 'avaTar', path: '/v1/streaming.stop' });
			expect(JSON.parse(stop.body)).toMatchObject({ session_id: sessionId });
			const spoken = agent.toolOutput('Speak');
			expect(spoken).toMatchObject({ session_id: sessionId, task_id: expect.any(String), duration_estimate: expect.any(Number) });
			expect(agent.answer).toContain(`task ${String(spoken.task_id)}`);
		},
	},

	'agent-avatartalk-video-link': {
		nodes: { 'AI Agent': { items: 1, json: { output: expect.stringContaining('Your video is ready: http') } } },
		files: {},
		requests: [
			['openAi', 'POST', /^\/v1\/chat\/completions$/],
			['avatarTalk', 'POST', /^\/inference$/],
			['openAi', 'POST', /^\/v1\/chat\/completions$/],
		],
		check: (run, session) => {
			const agent = agentRun(run, session, 'avatartalk-video-link');
			expectToolSchemas(agent, {
				Make_a_Talking_Video: { description: 'Generate a talking avatar video from text in AvatarTalk', args: ['text'] },
			});
			const text = 'Welcome to Sunny Bikes! Our spring service week starts Monday.';
			expect(agent.calls).toEqual([expect.objectContaining({ name: 'Make_a_Talking_Video', args: { text } })]);
			const [inference] = session.emulator.requests({ service: 'avatarTalk', method: 'POST', path: '/inference' });
			expect(JSON.parse(inference.body)).toMatchObject({ text, avatar: 'mexican_woman', emotion: 'happy', language: 'en' });
			// the tool answered with links and details, not the MP4 (Download Video is off)
			const video = agent.toolOutput('Make a Talking Video');
			expect(video).toMatchObject({ id: expect.stringMatching(UUID), status: expect.any(String), mp4_url: expect.stringMatching(/^http:\/\/.+\.mp4$/) });
			expect(agent.answer).toContain(video.mp4_url as string);
			expect(session.emulator.requests({ service: 'avatarTalk', method: 'GET' })).toHaveLength(0);
		},
	},

	'agent-multitalk-submit-and-check': {
		nodes: { 'AI Agent': { items: 1, json: { output: expect.stringContaining('Download the video here: http') } } },
		files: {},
		requests: [
			['openAi', 'POST', /^\/v1\/chat\/completions$/],
			['multiTalk', 'POST', /^\/api\/v1\/generate$/],
			['openAi', 'POST', /^\/v1\/chat\/completions$/],
			['multiTalk', 'GET', new RegExp(`^/api/v1/jobs/${ID}$`)],
			['openAi', 'POST', /^\/v1\/chat\/completions$/],
			['multiTalk', 'GET', new RegExp(`^/api/v1/jobs/${ID}/download$`)],
			['openAi', 'POST', /^\/v1\/chat\/completions$/],
		],
		check: (run, session) => {
			const agent = agentRun(run, session, 'multitalk-submit-and-check');
			const jobArg = ['job_id'];
			expectToolSchemas(agent, {
				Submit_Video_Job: { description: 'Submit a job in MultiTalk', args: ['prompt', 'image_s3_url', 'audio_s3_url'] },
				Check_Job: { description: 'Get a job in MultiTalk', args: jobArg },
				Wait_for_Job: { description: 'Wait for a job to finish in MultiTalk', args: jobArg },
				Get_Video_Link: { description: 'Get the download URL of a video in MultiTalk', args: jobArg },
			});
			const jobId = agent.toolOutput('Submit Video Job').job_id as string;
			expect(jobId).toMatch(UUID);
			expect(agent.calls.map((call) => [call.name, call.args])).toEqual([
				[
					'Submit_Video_Job',
					{
						prompt: 'A presenter in a bright studio welcomes new customers',
						image_s3_url: 's3://my-bucket/images/presenter.png',
						audio_s3_url: 's3://my-bucket/audio/welcome.wav',
					},
				],
				['Check_Job', { job_id: jobId }],
				['Wait_for_Job', { job_id: jobId }],
				['Get_Video_Link', { job_id: jobId }],
			]);
			const [submit] = session.emulator.requests({ service: 'multiTalk', method: 'POST', path: '/api/v1/generate' });
			expect(JSON.parse(submit.body)).toMatchObject({
				prompt: 'A presenter in a bright studio welcomes new customers',
				image_s3_url: 's3://my-bucket/images/presenter.png',
			});
			expect(JSON.stringify(JSON.parse(submit.body).audio_s3_urls)).toContain('s3://my-bucket/audio/welcome.wav');
			expect(agent.toolOutput('Check Job')).toMatchObject({ job_id: jobId, status: expect.stringMatching(/^(pending|processing)$/) });
			expect(agent.toolOutput('Wait for Job')).toMatchObject({ job_id: jobId, status: 'completed' });
			const link = agent.toolOutput('Get Video Link');
			expect(link).toMatchObject({ download_url: expect.stringMatching(/^http:\/\/.+X-Amz-Signature=/) });
			expect(agent.answer).toContain(link.download_url as string);
			// links, not bytes: nothing was downloaded from the object store
			expect(session.emulator.requests({ service: 's3' })).toHaveLength(0);
		},
	},

	'avatar-session-chat-speak': {
		nodes: {
			'New Session': { items: 1, json: { session_id: expect.stringMatching(UUID), access_token: expect.any(String) } },
			'Chat with the Avatar': {
				items: 1,
				json: { reply: expect.stringContaining('Hello, how are you today?'), done: true, finish_reason: 'stop' },
			},
			Speak: { items: 1, json: { task_id: expect.any(String), status: 'processing', duration_estimate: expect.any(Number) } },
			'Stop Session': { items: 1, json: { status: 'stopped' } },
		},
		files: {},
		requests: [
			['avaTar', 'POST', /^\/v1\/streaming\.new$/],
			['avaTar', 'POST', /^\/v1\/chat\.completions$/],
			['avaTar', 'POST', /^\/v1\/avatar\.speak$/],
			['avaTar', 'POST', /^\/v1\/streaming\.stop$/],
		],
		check: (run) => {
			// every step works on the session the first one opened
			const id = run.json('New Session')[0].session_id;
			for (const node of ['Chat with the Avatar', 'Speak', 'Stop Session']) expect(run.json(node)[0].session_id).toBe(id);
		},
	},

	'avatartalk-continuous-session': {
		nodes: {
			'One Item per Chunk': { items: 4 },
			// one session for all four chunks: one output item
			'Continuous Session': {
				items: 1,
				json: {
					avatar: 'mexican_woman',
					input_mode: 'append',
					texts_sent: 4,
					ready_to_listen: expect.arrayContaining([expect.objectContaining({ at_ms: expect.any(Number) })]),
				},
				binary: { data: { mimeType: 'video/mp4', fileExtension: 'mp4', minBytes: 10_000, media: 'fmp4' } },
			},
		},
		files: { 'demo-output/avatartalk-continuous-session.mp4': 'fmp4' },
		requests: [['avatarTalk', 'GET', /^\/ws\/continuous$/]],
		check: (run) => {
			const [item] = run.items('Continuous Session');
			expect(item.pairedItem).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }, { item: 3 }]);
		},
	},

	'avatartalk-delayed-get-video': {
		nodes: {
			'Create Delayed Video': { items: 1, json: { id: expect.stringMatching(UUID), status: 'delayed', mp4_url: expect.any(String) } },
			'Get Video': { items: 1, json: { file_size_bytes: fixture('sample.mp4').length }, binary: { data: MP4 } },
		},
		files: { 'demo-output/avatartalk-delayed-get-video.mp4': 'mp4' },
		requests: [
			['avatarTalk', 'POST', /^\/inference$/],
			['avatarTalk', 'GET', new RegExp(`^/inference/${ID}/video\\.mp4$`)],
		],
		check: (run) => expect(run.json('Get Video')[0].id).toBe(run.json('Create Delayed Video')[0].id),
	},

	'avatartalk-lightning-pay-per-video': {
		nodes: {
			'Request Video': { items: 1, json: { bolt11_invoice: expect.stringMatching(/^lnbc/), amount: expect.any(Number) } },
			'Pay invoice (emulator only)': { items: 1, json: { status: 'paid' } },
			'Wait for Payment': { items: 1, json: { status: 'paid' } },
			'Generate Video': { items: 1, binary: { data: MP4 } },
		},
		files: { 'demo-output/avatartalk-lightning-pay-per-video.mp4': 'mp4' },
		requests: [
			['avatarTalk', 'POST', /^\/lightning\/request-video\/text$/],
			['avatarTalk', 'GET', /^\/lightning\/payment\/lnbc/],
			['avatarTalk', 'POST', /^\/lightning\/generate-video$/],
		],
		check: (run) => {
			const invoice = run.json('Request Video')[0].bolt11_invoice;
			expect(run.json('Wait for Payment')[0].invoice).toBe(invoice);
			expect(run.json('Generate Video')[0].bolt11_invoice).toBe(invoice);
		},
	},

	'avatartalk-livekit-session': {
		nodes: {
			'Create LiveKit Session': {
				items: 1,
				json: { task_id: expect.stringMatching(UUID), room_name: 'n8n-demo-room', tokenSource: 'credential' },
			},
			'Delete LiveKit Session': { items: 1, json: { deleted: true } },
		},
		files: {},
		requests: [
			['avatarTalk', 'POST', /^\/livekit\/create-session$/],
			['avatarTalk', 'DELETE', new RegExp(`^/livekit/delete-session/${ID}$`)],
		],
		check: (run, session) => {
			const created = run.json('Create LiveKit Session')[0];
			// the LiveKit URL comes from the LiveKit credential (the emulator's LiveKit)
			expect(created.livekit_url).toBe(session.emulator.urls.liveKit);
			expect(run.json('Delete LiveKit Session')[0].task_id).toBe(created.task_id);
			// the LiveKit secret signs tokens inside n8n and is never output
			expect(JSON.stringify(run.runData)).not.toContain(session.emulator.keys.liveKitSecret);
		},
	},

	'avatartalk-streamed-to-disk': {
		nodes: {
			'Stream Video': { items: 1, json: { stream: true, file_size_bytes: fixture('sample.mp4').length }, binary: { data: MP4 } },
		},
		files: { 'demo-output/avatartalk-streamed-to-disk.mp4': 'mp4' },
		requests: [['avatarTalk', 'POST', /^\/inference$/]],
		check: (_run, session) => {
			const [request] = session.emulator.requests({ service: 'avatarTalk', path: '/inference' });
			expect(request.query).toMatchObject({ stream: 'true' });
		},
	},

	'livetalking-record-and-download': {
		nodes: {
			'Start Recording': { items: 1, json: { action: 'start', success: true } },
			'Send Text': { items: 1, json: { success: true } },
			'Stop Recording': { items: 1, json: { action: 'stop', success: true } },
			'Download Recording': { items: 1, json: { success: true, recording_id: expect.any(String) }, binary: { data: MP4 } },
		},
		files: { 'demo-output/livetalking-record-and-download.mp4': 'mp4' },
		requests: [
			['liveTalking', 'POST', /^\/api\/v1\/avatar\/recording$/],
			['liveTalking', 'POST', /^\/api\/v1\/avatar\/send-text$/],
			['liveTalking', 'POST', /^\/api\/v1\/avatar\/recording$/],
			['liveTalking', 'POST', /^\/api\/v1\/avatar\/recording\/download$/],
			['s3', 'GET', /^\/avatar-recordings\/.+\.mp4$/],
		],
	},

	'multitalk-batch-submit-and-wait': {
		nodes: {
			'One Item per Video': { items: 3 },
			'Generate the Videos': { items: 3, json: { job_id: expect.stringMatching(UUID), status: 'completed' }, binary: { data: MP4 } },
		},
		files: {
			'demo-output/multitalk-batch-submit-and-wait-1.mp4': 'mp4',
			'demo-output/multitalk-batch-submit-and-wait-2.mp4': 'mp4',
			'demo-output/multitalk-batch-submit-and-wait-3.mp4': 'mp4',
		},
		requests: [
			['multiTalk', 'POST', /^\/api\/v1\/generate$/],
			['multiTalk', 'POST', /^\/api\/v1\/generate$/],
			['multiTalk', 'POST', /^\/api\/v1\/generate$/],
			['s3', 'GET', /^\/multitalk-outputs\/.+\.mp4$/],
		],
		check: (run, session) => {
			// all three submitted before waiting on any; three different jobs, in item order
			const log = session.emulator.requests({ service: 'multiTalk' }).map((r) => `${r.method} ${r.path}`);
			expect(log.slice(0, 3)).toEqual(Array(3).fill('POST /api/v1/generate'));
			const ids = run.json('Generate the Videos').map((item) => item.job_id);
			expect(new Set(ids).size).toBe(3);
			expect(run.items('Generate the Videos').map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		},
	},

	'multitalk-resume-url-wait': {
		nodes: {
			'Submit Job': { items: 1, json: { job_id: expect.stringMatching(UUID) } },
			'Sleep Until MultiTalk Calls Back': { items: 1, json: { body: { status: 'completed' } } },
			'Get the Video': { items: 1, json: { status: 'completed' }, binary: { data: MP4 } },
		},
		files: { 'demo-output/multitalk-resume-url-wait.mp4': 'mp4' },
		requests: [
			['multiTalk', 'POST', /^\/api\/v1\/generate$/],
			['multiTalk', 'GET', new RegExp(`^/api/v1/jobs/${ID}/download$`)],
			['s3', 'GET', /^\/multitalk-outputs\/.+\.mp4$/],
		],
		check: (run, session) => {
			const jobId = run.json('Submit Job')[0].job_id as string;
			expect(run.json('Sleep Until MultiTalk Calls Back')[0]).toMatchObject({ body: { job_id: jobId } });
			// the job was submitted with this execution's resume URL, which n8n answered
			const [submit] = session.emulator.requests({ service: 'multiTalk', method: 'POST', path: '/api/v1/generate' });
			const webhookUrl = (JSON.parse(submit.body) as { webhook_url: string }).webhook_url;
			// n8n 2.41.1 signs resume URLs; 1.x and 2.0.0 do not (compatibility matrix, test/matrix)
			const signed = compareVersions(session.home.install.n8nVersion, '2.0.0') > 0;
			expect(webhookUrl).toMatch(signed ? /^http:\/\/127\.0\.0\.1:\d+\/webhook-waiting\/\d+\?signature=/ : /^http:\/\/127\.0\.0\.1:\d+\/webhook-waiting\/\d+$/);
			const attempts = multiTalkState(session.emulator).webhookAttempts.filter((a) => a.jobId === jobId);
			expect(attempts.some((a) => a.ok && a.url === webhookUrl)).toBe(true);
		},
	},

	'multitalk-trigger-download': {
		nodes: {
			'MultiTalk Trigger': {
				items: 1,
				json: { job_id: expect.stringMatching(UUID), status: 'completed', download_url: expect.any(String) },
				binary: { data: MP4 },
			},
		},
		files: { 'demo-output/multitalk-trigger-download.mp4': 'mp4' },
		requests: [
			['multiTalk', 'POST', /^\/api\/v1\/generate$/],
			['multiTalk', 'GET', new RegExp(`^/api/v1/jobs/${ID}/download$`)],
			['s3', 'GET', /^\/multitalk-outputs\/.+\.mp4$/],
		],
		check: (run, session) => {
			const jobId = run.json('MultiTalk Trigger')[0].job_id as string;
			const attempts = multiTalkState(session.emulator).webhookAttempts.filter((a) => a.jobId === jobId);
			expect(attempts[0]).toMatchObject({ ok: true, httpStatus: 200, status: 'completed' });
		},
	},

	'musetalk-session-generate': {
		nodes: {
			'Create Session': { items: 1, json: { session_id: expect.stringMatching(UUID), status: 'ready' } },
			'Generate Video': { items: 1, json: { video_file: expect.stringMatching(/\.mp4$/), audio_file: expect.stringMatching(/\.mp3$/) }, binary: { data: MP4, audio: MP3 } },
		},
		files: { 'demo-output/musetalk-session-generate.mp4': 'mp4', 'demo-output/musetalk-session-generate.mp3': 'mp3' },
		requests: [
			['museTalk', 'POST', /^\/api\/v1\/session\/create$/],
			['museTalk', 'GET', new RegExp(`^/api/v1/session/${ID}/status$`)],
			['museTalk', 'POST', /^\/api\/v1\/generate\/text-to-video$/],
			['museTalk', 'GET', /^\/api\/v1\/generate\/video\/.+\.mp4$/],
			['museTalk', 'GET', /^\/api\/v1\/generate\/audio\/.+\.mp3$/],
		],
	},
};
