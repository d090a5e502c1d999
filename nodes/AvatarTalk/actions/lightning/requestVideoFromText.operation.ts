import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { textField } from '../../../shared/fields';

import type { OperationContext, OperationResult } from '../../../shared/router';
import type { InputValidator } from '../../../shared/validation';
import { avatarTalk } from '../../transport';
import { decodedInvoiceJson, publicRequest, serverUrlOptions } from './common';

export const description: INodeProperties[] = [
	textField({ placeholder: 'Hello! This is the text that will be spoken by the avatar.', description: 'What the avatar will say. The price depends on the estimated length of the video.' }),
	{
		displayName:
			'Returns a Lightning invoice to pay with any wallet. Then use Wait for Payment and Generate Video; avatar, emotion and language are chosen in Generate Video.',
		name: 'lightningFlowNotice',
		type: 'notice',
		default: '',
	},
	serverUrlOptions,
];

/**
 * POST /lightning/request-video/text: the price of a video of this text, as a BOLT11 invoice.
 * Nothing is generated and nothing is charged until the invoice is paid.
 */
export async function parse(this: IExecuteFunctions, i: number, v: InputValidator): Promise<{ text: string; publicBaseUrl: string }> {
	return { text: v.text('Text', this.getNodeParameter('text', i)), ...publicRequest(this, i) };
}

export async function execute(this: IExecuteFunctions, op: OperationContext<{ text: string; publicBaseUrl: string }>): Promise<OperationResult> {
	const response = await op.request<IDataObject>(avatarTalk, {
		method: 'POST',
		url: '/lightning/request-video/text',
		// Documented without authorization: works with no credential, and sends none.
		publicBaseUrl: op.input.publicBaseUrl,
		body: { text: op.input.text },
		// Each call issues a new invoice: never repeated after a failure the server may have acted on.
		idempotent: false,
	});
	const body = response.body;
	const invoice = typeof body.bolt11_invoice === 'string' ? body.bolt11_invoice : '';
	return { json: { ...body, ...(invoice ? decodedInvoiceJson(invoice, body.amount) : {}) } };
}
