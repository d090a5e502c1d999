import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { textField } from '../../../shared/fields';

import type { OperationContext, OperationResult } from '../../../shared/router';
import type { InputValidator } from '../../../shared/validation';
import { liveTalking } from '../../transport';
import { MAX_TEXT_LENGTH, readSessionId, readText, sessionIdField } from '../common';

export const description: INodeProperties[] = [
	sessionIdField,
	textField({ placeholder: 'e.g. Hello, welcome to our platform!', description: `What the avatar says, 1 to ${MAX_TEXT_LENGTH} characters` }),
	{
		displayName: 'Interrupt',
		name: 'interrupt',
		type: 'boolean',
		default: true,
		description: 'Whether to cut off what the avatar is saying now; otherwise this text is spoken after it',
	},
];

interface Input {
	sessionId: number;
	text: string;
	interrupt: boolean;
}

export function parse(this: IExecuteFunctions, itemIndex: number, v: InputValidator): Input {
	const sessionId = readSessionId.call(this, itemIndex, v);
	const text = readText(v, 'Text', this.getNodeParameter('text', itemIndex), { max: MAX_TEXT_LENGTH, required: true });
	const interrupt = this.getNodeParameter('interrupt', itemIndex, true) as boolean;
	return { sessionId, text, interrupt };
}

/** POST /api/v1/avatar/send-text: the avatar speaks the text in the live session. */
export async function execute(this: IExecuteFunctions, op: OperationContext<Input>): Promise<OperationResult> {
	const { sessionId, text, interrupt } = op.input;
	// Speaking twice is visible to the viewer: not repeated unless the backend refused it.
	const response = await op.request<IDataObject>(liveTalking, {
		method: 'POST',
		url: '/send-text',
		body: { session_id: sessionId, text, interrupt },
		idempotent: false,
	});
	return { json: { session_id: sessionId, ...response.body } };
}
