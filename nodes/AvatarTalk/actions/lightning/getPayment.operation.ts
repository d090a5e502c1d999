import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { DecodedInvoice } from '../../bolt11';
import type { OperationContext, OperationResult } from '../../../shared/router';
import { avatarTalk } from '../../transport';
import { invoiceField, paymentJson, paymentNotFoundHint, publicRequest, requireInvoice, serverUrlOptions } from './common';

export const description: INodeProperties[] = [invoiceField('The invoice whose payment status to look up'), serverUrlOptions];

/** GET /lightning/payment/{invoice}: status (pending or paid), amounts, dates. */
export async function parse(this: IExecuteFunctions, i: number): Promise<{ decoded: DecodedInvoice; publicBaseUrl: string }> {
	// Expired invoices may still have been paid in time: looking them up is allowed.
	const decoded = requireInvoice(this.getNode(), i, this.getNodeParameter('invoice', i), { rejectExpired: false });
	return { decoded, ...publicRequest(this, i) };
}

export async function execute(
	this: IExecuteFunctions,
	op: OperationContext<{ decoded: DecodedInvoice; publicBaseUrl: string }>,
): Promise<OperationResult> {
	const { decoded, publicBaseUrl } = op.input;
	const response = await op.request<IDataObject>(avatarTalk, {
		method: 'GET',
		url: `/lightning/payment/${encodeURIComponent(decoded.paymentRequest)}`,
		// Documented without authorization: works with no credential, and sends none.
		publicBaseUrl,
		hint: paymentNotFoundHint,
	});
	return { json: paymentJson(response.body) };
}
