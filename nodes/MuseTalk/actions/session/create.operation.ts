import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { asNodeError, providerApiError } from '../../../shared/errors';
import { formatDuration } from '../../../shared/polling';
import type { OperationContext, OperationResult } from '../../../shared/router';
import type { InputValidator } from '../../../shared/validation';
import { API, museTalk } from '../../transport';
import { sessionHint } from '../common';
import { POLL_INTERVAL_LABEL, pollIntervalField, waitTimeoutField, waitTimeoutLabel } from '../../../shared/fields';

export const description: INodeProperties[] = [
	{
		displayName: 'Avatar Video Path',
		name: 'avatarVideoPath',
		type: 'string',
		default: '',
		placeholder: 'e.g. /workspace/avatars/presenter.mp4',
		description:
			'Path of the avatar video on the MuseTalk server (a short clip of one face). Leave empty to use the server’s default avatar.',
	},
	{
		displayName: 'Wait Until Ready',
		name: 'waitUntilReady',
		type: 'boolean',
		default: true,
		description:
			'Whether to wait until the avatar is prepared before passing the session on. Videos can only be generated once the session is ready.',
	},
	waitTimeoutField({
		name: 'waitTimeoutSeconds',
		default: 300,
		what: 'the session to become ready',
		displayOptions: { show: { waitUntilReady: [true] } },
	}),
	pollIntervalField({
		default: 2,
		what: 'the session status',
		after: 'the pause then grows gradually up to 15 seconds',
		displayOptions: { show: { waitUntilReady: [true] } },
	}),
];

interface StatusBody extends IDataObject {
	session_id?: string;
	status?: string;
	message?: string;
	avatar_prepared?: boolean;
}

const MAX_INTERVAL_MS = 15_000;
const MAX_PATH_LENGTH = 4096;

interface Input {
	avatarVideoPath: string;
	wait: boolean;
	timeoutMs: number;
	intervalMs: number;
}

export function parse(this: IExecuteFunctions, itemIndex: number, v: InputValidator): Input {
	const avatarVideoPath = String(this.getNodeParameter('avatarVideoPath', itemIndex, '') ?? '').trim();
	if (avatarVideoPath.length > MAX_PATH_LENGTH || /[\r\n\0]/.test(avatarVideoPath)) {
		v.fail('Avatar Video Path', 'is not a valid file path', `a path on the MuseTalk server of up to ${MAX_PATH_LENGTH} characters, on one line`);
	}
	const wait = this.getNodeParameter('waitUntilReady', itemIndex, true) as boolean;
	let timeoutMs = 0;
	let intervalMs = 0;
	if (wait) {
		timeoutMs = v.number(waitTimeoutLabel(), this.getNodeParameter('waitTimeoutSeconds', itemIndex, 300), { min: 1, max: 86_400 }) * 1000;
		intervalMs = v.number(POLL_INTERVAL_LABEL, this.getNodeParameter('pollIntervalSeconds', itemIndex, 2), { min: 0.1, max: 3600 }) * 1000;
	}
	return { avatarVideoPath, wait, timeoutMs, intervalMs };
}

/**
 * POST /api/v1/session/create, then (optionally) GET .../status until the session leaves
 * "preparing". "error" fails the item with the server's own message.
 */
export async function execute(this: IExecuteFunctions, op: OperationContext<Input>): Promise<OperationResult> {
	const { itemIndex } = op;
	const { avatarVideoPath, wait, timeoutMs, intervalMs } = op.input;

	// Starts GPU work (avatar preparation): never sent twice unless the server refused it.
	const created = await op.request<StatusBody>(museTalk, {
		method: 'POST',
		url: `${API}/session/create`,
		// As documented: null asks for the server's default avatar.
		body: { avatar_video_path: avatarVideoPath || null },
		idempotent: false,
		hint: (status) =>
			status === 400
				? 'The Avatar Video Path was refused: it must point to an existing video file on the MuseTalk server (not on the n8n machine). Leave it empty for the default avatar.'
				: undefined,
	});
	const sessionId = created.body.session_id;
	if (!wait) return { json: created.body };
	if (typeof sessionId !== 'string' || sessionId === '') {
		throw providerApiError(this.getNode(), {
			provider: museTalk.name,
			fallback: 'The server created a session but returned no session_id',
			itemIndex,
		});
	}

	const deadline = Date.now() + timeoutMs;
	let final: StatusBody;
	try {
		final = await op.poll<StatusBody>({
			check: async () =>
				(
					await op.request<StatusBody>(museTalk, {
						method: 'GET',
						url: `${API}/session/${encodeURIComponent(sessionId)}/status`,
						deadline,
						hint: sessionHint,
					})
				).body,
			isDone: (state) => state.status !== 'preparing',
			describe: (state) => `session ${sessionId} is still ${state?.status ?? 'preparing'}${state?.message ? ` ("${state.message}")` : ''}`,
			timeoutMs,
			intervalMs,
			backoffFactor: 1.5,
			maxIntervalMs: Math.max(intervalMs, MAX_INTERVAL_MS),
		});
	} catch (error) {
		if (error instanceof NodeOperationError && error.message.startsWith('Timed out')) {
			error.description = `The avatar was not ready within ${formatDuration(timeoutMs)}. Raise "Timeout (Seconds)", or check later with Session → Get Status (session ID ${sessionId}).`;
		}
		throw asNodeError(this.getNode(), error, itemIndex);
	}

	if (final.status === 'error') {
		throw providerApiError(this.getNode(), {
			provider: museTalk.name,
			failure: { message: final.message || 'Avatar preparation failed' },
			hint: `Session ${sessionId} could not prepare its avatar. Check that the Avatar Video Path points to a clip with one clearly visible face, then delete this session and create a new one.`,
			itemIndex,
		});
	}
	if (final.status !== 'ready') {
		throw providerApiError(this.getNode(), {
			provider: museTalk.name,
			fallback: `The session reported the unknown status "${String(final.status)}"`,
			itemIndex,
		});
	}
	return { json: { ...final, session_id: final.session_id ?? sessionId } };
}
