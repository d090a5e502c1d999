import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { parseDetail } from '../../../shared/errors';
import type { OperationContext, OperationResult } from '../../../shared/router';
import type { InputValidator } from '../../../shared/validation';
import { avatarTalk } from '../../transport';
import { optionsCollection } from '../../../shared/fields';

export const description: INodeProperties[] = [
	{
		displayName: 'Task ID',
		name: 'taskId',
		type: 'string',
		default: '={{ $json.task_id }}',
		required: true,
		placeholder: '550e8400-e29b-41d4-a716-446655440000',
		description: 'The "task_id" returned by Create LiveKit Session',
	},
	optionsCollection([
			{
				displayName: 'Ignore Not Found',
				name: 'ignoreNotFound',
				type: 'boolean',
				default: false,
				description:
					'Whether a session that does not exist (already ended or deleted) counts as done instead of failing the item',
			},
		]),
];

/** DELETE /livekit/delete-session/{task_id}: the avatar leaves the room and the session ends. */
export function parse(this: IExecuteFunctions, i: number, v: InputValidator): { taskId: string; ignoreNotFound: boolean } {
	const options = this.getNodeParameter('options', i, {}) as { ignoreNotFound?: boolean };
	return { taskId: v.pathId('Task ID', this.getNodeParameter('taskId', i)), ignoreNotFound: options.ignoreNotFound === true };
}

export async function execute(this: IExecuteFunctions, op: OperationContext<{ taskId: string; ignoreNotFound: boolean }>): Promise<OperationResult> {
	const { taskId } = op.input;
	const response = await op.request<IDataObject>(avatarTalk, {
		method: 'DELETE',
		url: `/livekit/delete-session/${encodeURIComponent(taskId)}`,
		acceptStatuses: op.input.ignoreNotFound ? [404] : undefined,
		// A repeat of a DELETE whose first answer was lost finds the session gone: it was deleted.
		acceptStatusesOnRetry: [404],
		hint: (status) =>
			status === 404
				? 'The session does not exist: it already ended, was deleted, or the Task ID is wrong. Turn on "Ignore Not Found" to treat this as done.'
				: undefined,
	});
	if (response.statusCode === 404 && response.attempts > 1) {
		return { json: { task_id: taskId, deleted: true, status: `Task ${taskId} deleted (confirmed on a repeated request)` } };
	}
	if (response.statusCode === 404) {
		return {
			json: { task_id: taskId, deleted: false, notFound: true, detail: parseDetail(response.body.detail)?.message ?? 'Not found' },
		};
	}
	return { json: { task_id: taskId, deleted: true, ...response.body } };
}
