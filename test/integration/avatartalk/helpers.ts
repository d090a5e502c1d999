/**
 * What the AvatarTalk integration tests share (video/ and lightning/ add their own emulator
 * settings and readers): the credentials, the one-node workflow and running it through the harness.
 */
import type { ICredentialDataDecryptedObject, INodeExecutionData, INodeParameters, NodeApiError } from 'n8n-workflow';

import type { RunOptions, RunResult, WorkflowJson } from '../../harness';
import { runWorkflow } from '../../harness';
import type { Emulator } from '../../emulator/server';
import { expectApiError } from '../../helpers/assertions';
import { onPublicServer, singleNodeWorkflow } from '../../helpers/workflows';

export { expectApiError, expectInputError } from '../../helpers/assertions';
export { TRIGGER } from '../../helpers/workflows';
export const NODE = 'AvatarTalk';

export interface CredentialChoice {
	apiKey?: string;
	liveKit?: false | { url?: string; apiKey?: string; apiSecret?: string };
}

/** The AvatarTalk credential (this key, or the emulator's), and LiveKit's unless `liveKit: false`. */
export function credentialsFor(emulator: Emulator, choice: CredentialChoice = {}) {
	const store: Record<string, ICredentialDataDecryptedObject> = {
		avatarTalkApi: { apiKey: choice.apiKey ?? emulator.keys.avatarTalk, baseUrl: emulator.urls.avatarTalk },
	};
	if (choice.liveKit !== false) {
		store.liveKitApi = {
			url: emulator.urls.liveKit,
			apiKey: emulator.keys.liveKitKey,
			apiSecret: emulator.keys.liveKitSecret,
			...(choice.liveKit ?? {}),
		};
	}
	return store;
}

/** Manual Trigger -> AvatarTalk with these parameters. */
export const avatarTalkWorkflow = (parameters: INodeParameters, extras: { onError?: 'continueRegularOutput' } = {}): WorkflowJson =>
	singleNodeWorkflow({ name: NODE, type: 'avatarTalk', credential: ['avatarTalkApi', 'cred-avatartalk', 'AvatarTalk account'] }, parameters, extras);

/** Runs one AvatarTalk node over `items` (one empty item by default). */
export async function runAvatarTalk(
	emulator: Emulator,
	parameters: INodeParameters,
	options: Partial<RunOptions> & { items?: INodeExecutionData[]; onError?: 'continueRegularOutput' } & CredentialChoice = {},
): Promise<RunResult> {
	const { items, onError, apiKey, liveKit, ...rest } = options;
	// pay-per-video reads no credential: the emulator is its Server URL
	return await runWorkflow(avatarTalkWorkflow(onPublicServer(parameters, emulator.urls.avatarTalk), { onError }), {
		credentials: credentialsFor(emulator, { apiKey, liveKit }),
		inputItems: items,
		...rest,
	});
}

/** The run failed with this NodeApiError message (or pattern) and the node output nothing. */
export function expectApiErrorWithoutOutput(result: RunResult, message: string | RegExp): NodeApiError {
	const error = expectApiError(result, undefined, message);
	expect(result.items(NODE)).toEqual([]);
	return error;
}
