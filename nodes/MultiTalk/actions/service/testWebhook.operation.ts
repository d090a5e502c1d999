import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../../shared/router';
import { mtRequest, prevalidated } from '../common';

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

/** POST /webhook-test: asks MultiTalk to send a test notification, to check that it gets through. */
export async function execute(this: IExecuteFunctions, op: OperationContext): Promise<OperationResult> {
	const webhookUrl = prevalidated(this, op, (itemIndex, v) => v.url('Webhook URL', this.getNodeParameter('webhookUrl', itemIndex, '')));
	// Not repeated on a network error: it would send the test notification twice.
	const response = await mtRequest<IDataObject>(this, op, {
		method: 'POST',
		url: '/webhook-test',
		body: { webhook_url: webhookUrl },
		idempotent: false,
	});
	return { json: response.body };
}
