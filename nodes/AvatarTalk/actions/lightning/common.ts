import type { IDataObject, IExecuteFunctions, INode, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { DecodedInvoice } from '../../bolt11';
import { Bolt11Error, decodeBolt11, invoiceExpiresAt, invoiceSummary } from '../../bolt11';
import { avatarTalkPublicBaseUrl } from '../../transport';
import { optionsCollection } from '../../../shared/fields';

/** The Invoice field of the operations that take one: by default the previous step's invoice. */
export function invoiceField(description: string): INodeProperties {
	return {
		displayName: 'Invoice',
		name: 'invoice',
		type: 'string',
		default: '={{ $json.bolt11_invoice ?? $json.invoice }}',
		required: true,
		placeholder: 'lnbc450n1p3...',
		description,
		hint: 'The BOLT11 invoice (starts with "lnbc") from Request Video from Text or Request Video from Audio',
	};
}

/**
 * "Server URL" in the Options of the pay-per-video operations, which AvatarTalk serves without
 * an account: they need no credential, and only a test server needs this.
 */
export const serverUrlOption: INodeProperties = {
	displayName: 'Server URL',
	name: 'serverUrl',
	type: 'string',
	default: '',
	placeholder: 'https://api.avatartalk.ai',
	description:
		'Where to send this request. Empty: https://api.avatartalk.ai. Pay-per-video needs no credential: none is read and no API key is sent.',
};

/** The Options collection of a pay-per-video operation that has no other options. */
export const serverUrlOptions: INodeProperties = optionsCollection([serverUrlOption]);

/** The request settings every pay-per-video call shares: the public server, no credential. */
export function publicRequest(ctx: IExecuteFunctions, itemIndex: number): { publicBaseUrl: string } {
	const options = ctx.getNodeParameter('options', itemIndex, {}) as { serverUrl?: unknown };
	return { publicBaseUrl: avatarTalkPublicBaseUrl(options.serverUrl) };
}

function formatDate(epochSeconds: number): string {
	return new Date(epochSeconds * 1000).toISOString();
}

/**
 * Decodes the Invoice field before anything is sent. Malformed invoices always fail; expired
 * ones fail when `rejectExpired` (an invoice past its expiry can no longer be paid).
 */
export function requireInvoice(
	node: INode,
	itemIndex: number,
	value: unknown,
	{ rejectExpired, field = 'Invoice' }: { rejectExpired: boolean; field?: string },
): DecodedInvoice {
	const text = typeof value === 'string' ? value.trim() : '';
	if (text === '') {
		throw new NodeOperationError(node, `${field}: is required`, {
			itemIndex,
			description: 'Allowed: a BOLT11 Lightning invoice such as lnbc450n1p3...',
		});
	}
	let decoded: DecodedInvoice;
	try {
		decoded = decodeBolt11(text);
	} catch (error) {
		if (!(error instanceof Bolt11Error)) throw new NodeOperationError(node, error as Error, { itemIndex });
		const shown = text.length > 24 ? `${text.slice(0, 20)}...` : text;
		throw new NodeOperationError(node, `${field}: "${shown}" is not a valid BOLT11 Lightning invoice`, {
			itemIndex,
			description: `${error.message}. Allowed: a BOLT11 invoice as AvatarTalk returns it (bolt11_invoice), starting with lnbc.`,
		});
	}
	const expiresAt = invoiceExpiresAt(decoded);
	if (rejectExpired && Date.now() >= expiresAt * 1000) {
		throw new NodeOperationError(node, `${field}: the invoice expired at ${formatDate(expiresAt)} and can no longer be paid`, {
			itemIndex,
			description: `It was created at ${formatDate(decoded.timestamp)} and was valid for ${decoded.expiry} s. Request the video again to get a new invoice; use Get Payment to look up an old one.`,
		});
	}
	return decoded;
}

/**
 * The decoded fields every invoice in this node's output gets: amounts, creation, expiry,
 * payment hash, description, network. `statedSats` is the amount the API put next to the
 * invoice; when it disagrees with the invoice, the invoice wins (it is what a wallet pays) and
 * a note says so.
 */
export function decodedInvoiceJson(invoice: string, statedSats?: unknown): IDataObject {
	let decoded: DecodedInvoice;
	try {
		decoded = decodeBolt11(invoice);
	} catch (error) {
		return { decodedInvoice: null, invoiceDecodeError: (error as Error).message };
	}
	const summary = invoiceSummary(decoded) as IDataObject;
	const out: IDataObject = { decodedInvoice: summary };
	if (typeof statedSats === 'number' && summary.amountSat !== null && statedSats !== summary.amountSat) {
		out.amountNote = `The response states ${statedSats} sats but the invoice asks for ${String(summary.amountSat)} sats; a wallet pays the invoice amount.`;
	}
	return out;
}

/** A payment record from the API, with its invoice decoded. */
export function paymentJson(payment: IDataObject): IDataObject {
	const invoice = typeof payment.invoice === 'string' ? payment.invoice : undefined;
	return invoice ? { ...payment, ...decodedInvoiceJson(invoice, payment.amount_sat) } : payment;
}

export const paymentNotFoundHint = (status: number): string | undefined =>
	status === 404
		? 'AvatarTalk does not know this invoice: it was not issued by this server (check the credential\'s Base URL) or it is mistyped.'
		: undefined;
