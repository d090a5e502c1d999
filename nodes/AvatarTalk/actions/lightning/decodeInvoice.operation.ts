import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { invoiceSummary } from '../../bolt11';
import type { DecodedInvoice } from '../../bolt11';
import type { OperationContext, OperationResult } from '../../../shared/router';
import { invoiceField, requireInvoice } from './common';

export const description: INodeProperties[] = [
	invoiceField('The BOLT11 invoice to decode. Nothing is sent anywhere: the invoice is read and its signature checked inside n8n.'),
];

/**
 * Offline: amount, dates, expiry, payment hash, description, network, payee node key (recovered
 * from the signature and checked), plus routing hints, fallback addresses and features.
 */
export function parse(this: IExecuteFunctions, i: number): DecodedInvoice {
	return requireInvoice(this.getNode(), i, this.getNodeParameter('invoice', i), { rejectExpired: false });
}

export async function execute(this: IExecuteFunctions, op: OperationContext<DecodedInvoice>): Promise<OperationResult> {
	const decoded = op.input;
	const json: IDataObject = {
		invoice: decoded.paymentRequest,
		...(invoiceSummary(decoded) as IDataObject),
		prefix: decoded.prefix,
		payeeNodeKeySource: decoded.payeeNodeKeySource,
		signatureValid: true,
	};
	return { json };
}
