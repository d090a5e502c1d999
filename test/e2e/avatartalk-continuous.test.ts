/**
 * AvatarTalk Continuous Session, "Separate Texts", in real n8n (issue #12, defect 3): two input
 * items are two utterances, and the node may end the session only after both were spoken. The
 * emulator's /ws/continuous follows the document's message sequence literally (text_queued when
 * a text is queued, the speech later, ready_to_listen after each utterance), so a node that ends
 * after the acknowledgements cuts the second text off (dynamic_speech -> terminated).
 */
import type { IBinaryData } from 'n8n-workflow';

import { avatarTalkState } from '../emulator/providers/avatartalk';
import type { Emulator } from '../emulator/server';
import { expectFragmentedMp4 } from '../helpers/mp4';
import type { N8nHome, WorkflowFixture } from './n8nRunner';
import { executeWorkflow, readBinary } from './n8nRunner';
import { useN8nHome } from './n8nHome';

// The first run on a machine provisions n8n (~8 min, synchronously) inside beforeAll.
jest.setTimeout(20 * 60_000);

const TRIGGER = 'When clicking ‘Execute workflow’';
const TEXTS = ['Good morning, and welcome to the show.', 'Here is the weather for today: sunny and warm.'];

const workflow: WorkflowFixture = {
	id: 'e2eContSeparate1',
	name: 'E2E: Continuous Session, Separate Texts',
	nodes: [
		{ id: 'c1', name: TRIGGER, type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
		{
			id: 'c2',
			name: 'Texts',
			type: 'n8n-nodes-base.set',
			typeVersion: 3.4,
			position: [220, 0],
			parameters: {
				mode: 'manual',
				assignments: { assignments: [{ id: 'a1', name: 'texts', value: `={{ ${JSON.stringify(TEXTS)} }}`, type: 'array' }] },
				options: {},
			},
		},
		{
			id: 'c3',
			name: 'One Item per Text',
			type: 'n8n-nodes-base.splitOut',
			typeVersion: 1,
			position: [440, 0],
			parameters: { fieldToSplitOut: 'texts', include: 'noOtherFields', options: {} },
		},
		{
			id: 'c4',
			name: 'AvatarTalk',
			type: 'n8n-nodes-talking-avatars.avatarTalk',
			typeVersion: 1,
			position: [660, 0],
			parameters: {
				resource: 'stream',
				operation: 'continuousSession',
				inputMode: 'queue',
				text: '={{ $json.texts }}',
				avatar: 'mexican_woman',
				expression: 'neutral',
				language: 'en',
				binaryPropertyName: 'data',
				options: {},
			},
			credentials: { avatarTalkApi: { id: 'e2eAvatarTalk001', name: 'AvatarTalk account' } },
		},
	],
	connections: {
		[TRIGGER]: { main: [[{ node: 'Texts', type: 'main', index: 0 }]] },
		Texts: { main: [[{ node: 'One Item per Text', type: 'main', index: 0 }]] },
		'One Item per Text': { main: [[{ node: 'AvatarTalk', type: 'main', index: 0 }]] },
	},
};

let emulator: Emulator;
let home: N8nHome | undefined;

useN8nHome({
	// Short fragments, so each text is several fragments of speech and a cut would show.
	settings: { avatarTalkFragmentIntervalMs: 2, avatarTalkCharsPerFragment: 10 },
	onEmulator: (e) => (emulator = e),
	home: () => ({
		credentials: [
			{
				id: 'e2eAvatarTalk001',
				name: 'AvatarTalk account',
				type: 'avatarTalkApi',
				data: { apiKey: emulator.keys.avatarTalk, baseUrl: emulator.urls.avatarTalk },
			},
		],
		workflows: [workflow],
	}),
	onHome: (h) => (home = h),
});

it('Separate Texts with two items: both texts are spoken before the session ends, and the video holds both', async () => {
	const result = await executeWorkflow(home!, workflow.id);
	expect(result.error).toBeUndefined();
	expect(result.status).toBe('success');

	// The server's side: two text_input, two utterances spoken to the end, none cut off, and
	// session_end only after the second ready_to_listen.
	const [session] = avatarTalkState(emulator).continuousSessions;
	expect(session.received.filter((m) => m.type === 'text_input').map((m) => (m.data as { text: string }).text)).toEqual(TEXTS);
	expect(session.utterancesSpoken).toBe(2);
	expect(session.utterancesCut).toBe(0);
	expect(session.spokenCharacters).toBe(TEXTS.join('').length);
	expect(session.states.filter((state) => state === 'dynamic_speech')).toHaveLength(2);
	expect(session.states.slice(-2)).toEqual(['silence', 'terminated']);
	expect(session.received.at(-1)?.type).toBe('session_end');

	const [item] = result.items('AvatarTalk');
	expect(item.json).toMatchObject({ input_mode: 'queue', texts_sent: 2, utterances_spoken: 2 });
	expect(item.json.ready_to_listen).toHaveLength(2);
	expect(item.pairedItem).toEqual([{ item: 0 }, { item: 1 }]);

	// The video is everything the server streamed, both utterances included: each text is at
	// least ceil(length / 10) fragments of speech.
	const bytes = await readBinary(home!, item.binary?.data as IBinaryData);
	const info = expectFragmentedMp4(bytes);
	expect(info.fragments).toBe(session.fragmentsSent);
	const speechFragments = TEXTS.reduce((n, text) => n + Math.ceil(text.length / 10), 0);
	expect(info.fragments).toBeGreaterThan(speechFragments);
	expect(item.json.video_duration_seconds).toBeGreaterThan(0);
});
