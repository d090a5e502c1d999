import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { apiRequest } from '../../../shared/http';
import type { OperationContext, OperationResult } from '../../../shared/router';
import { avatarTalk } from '../../transport';
import { invoiceField, paymentJson, paymentNotFoundHint, publicRequest, requireInvoice, serverUrlOptions } from './common';

export const description: INodeProperties[] = [invoiceField('The invoice whose payment status to look up'), serverUrlOptions];

/** GET /lightning/payment/{invoice}: status (pending or paid), amounts, dates. */
export async function execute(this: IExecuteFunctions, op: OperationContext): Promise<OperationResult> {
	const i = op.itemIndex;
	// Expired invoices may still have been paid in time: looking them up is allowed.
	const decoded = requireInvoice(this.getNode(), i, this.getNodeParameter('invoice', i), { rejectExpired: false });
	const response = await apiRequest<IDataObject>(this, avatarTalk, {
		method: 'GET',
		url: `/lightning/payment/${encodeURIComponent(decoded.paymentRequest)}`,
		// Documented without authorization: works with no credential, and sends none.
		...(await publicRequest(this, i)),
		itemIndex: i,
		limits: op.limits,
		signal: op.signal,
		hint: paymentNotFoundHint,
	});
	return { json: paymentJson(response.body) };
}
