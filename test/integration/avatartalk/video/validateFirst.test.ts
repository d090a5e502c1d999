/**
 * The operation contract's safety property, on the costliest case: AvatarTalk Generate
 * Inference runs items in parallel and every POST /inference is paid. An invalid later item
 * must fail the run before the first POST, with an error naming the field and what is allowed.
 */
import type { Emulator } from '../../../emulator/server';
import { expectInputError } from '../../../helpers/assertions';
import { NODE, items, runAvatarTalk, useAvatarTalkEmulator } from './helpers';

let emulator: Emulator;
useAvatarTalkEmulator((e) => (emulator = e));

// Items 0-4 are valid; item 5 names an avatar AvatarTalk does not have.
const avatars = ['japanese_woman', 'mexican_woman', 'japanese_woman', 'mexican_woman', 'japanese_woman', 'no_such_avatar'];
const parameters = {
	resource: 'video',
	operation: 'generateInference',
	text: '={{ "Line " + $json.n }}',
	avatar: '={{ $json.avatar }}',
	emotion: 'happy',
	language: 'en',
	downloadVideo: false,
	options: { concurrency: 4 },
};
const inputs = () => items(avatars.length, (n) => ({ n, avatar: avatars[n] }));
const inferencePosts = () => emulator.requests({ service: 'avatarTalk', method: 'POST', path: '/inference' });

describe('Generate Inference with Items in Parallel and an invalid later item', () => {
	it('sends no request at all and fails with an error naming the field and the allowed values', async () => {
		const result = await runAvatarTalk(emulator, parameters, { items: inputs() });
		const error = expectInputError(result, 'Avatar: "no_such_avatar" is not a valid value');
		expect(error.description).toMatch(/^Allowed: .*japanese_woman/);
		expect(error.context.itemIndex).toBe(5);
		expect(inferencePosts()).toHaveLength(0);
		expect(emulator.requests({ service: 'avatarTalk' })).toHaveLength(0);
	});

	it('under Continue On Fail runs the valid items and turns only the invalid one into an error item', async () => {
		const result = await runAvatarTalk(emulator, parameters, { items: inputs(), onError: 'continueRegularOutput' });
		expect(result.error).toBeUndefined();
		const out = result.items(NODE);
		expect(out.map((i) => i.pairedItem)).toEqual(avatars.map((_, item) => ({ item })));
		expect(out.slice(0, 5).map((i) => i.json.avatar)).toEqual(avatars.slice(0, 5));
		expect(out[5].json.error).toBe('Avatar: "no_such_avatar" is not a valid value');
		expect(inferencePosts()).toHaveLength(5);
	});
});
