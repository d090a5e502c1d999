import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../../shared/router';
import type { InputValidator } from '../../../shared/validation';
import { multiTalk } from '../../transport';

export const description: INodeProperties[] = [
	{
		displayName: 'Webhook URL',
		name: 'webhookUrl',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'https://your-n8n.example.com/webhook/…',
		description: 'The URL MultiTalk should send a test notification to, e.g. a MultiTalk Trigger’s Production URL',
	},
];

export function parse(this: IExecuteFunctions, itemIndex: number, v: InputValidator): string {
	return v.url('Webhook URL', this.getNodeParameter('webhookUrl', itemIndex, ''));
}

/** POST /webhook-test: asks MultiTalk to send a test notification, to check that it gets through. */
export async function execute(this: IExecuteFunctions, op: OperationContext<string>): Promise<OperationResult> {
	// Not repeated on a network error: it would send the test notification twice.
	const response = await op.request<IDataObject>(multiTalk, {
		method: 'POST',
		url: '/webhook-test',
		body: { webhook_url: op.input },
		idempotent: false,
	});
	return { json: response.body };
}
