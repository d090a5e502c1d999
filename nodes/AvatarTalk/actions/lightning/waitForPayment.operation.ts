import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { invoiceExpiresAt } from '../../bolt11';
import { formatDuration } from '../../../shared/polling';
import type { OperationContext, OperationResult } from '../../../shared/router';
import type { InputValidator } from '../../../shared/validation';
import { avatarTalk } from '../../transport';
import { POLL_INTERVAL_LABEL, pollIntervalField, waitTimeoutField, waitTimeoutLabel } from '../../../shared/fields';
import { invoiceField, paymentJson, paymentNotFoundHint, publicRequest, requireInvoice, serverUrlOptions } from './common';

export const description: INodeProperties[] = [
	invoiceField('The invoice to wait for. Pay it with any Lightning wallet while this step waits.'),
	waitTimeoutField({
		name: 'timeoutSeconds',
		default: 600,
		what: 'the payment',
		after: 'The wait also ends, with an error, when the invoice itself expires (its expiry is read from the invoice), whichever comes first',
	}),
	pollIntervalField({ default: 3, what: 'the payment status', after: 'the pause then grows slowly up to 30 seconds' }),
	serverUrlOptions,
];

/** Statuses after which waiting is pointless (not documented, but a wallet-side reality). */
const FAILED = new Set(['expired', 'failed', 'cancelled', 'canceled']);

/**
 * Polls GET /lightning/payment/{invoice} until it says `paid`. Ends with an error when the
 * invoice's own expiry (decoded from it) passes or the timeout is reached, whichever is first,
 * and at once when the execution is cancelled.
 */
export async function parse(this: IExecuteFunctions, i: number, v: InputValidator) {
	const decoded = requireInvoice(this.getNode(), i, this.getNodeParameter('invoice', i), { rejectExpired: true });
	const timeoutMs = v.number(waitTimeoutLabel(), this.getNodeParameter('timeoutSeconds', i), { min: 1 }) * 1000;
	const intervalMs = Math.max(100, v.number(POLL_INTERVAL_LABEL, this.getNodeParameter('pollIntervalSeconds', i), { min: 0.1 }) * 1000);
	// Documented without authorization: works with no credential, and sends none.
	return { decoded, timeoutMs, intervalMs, server: publicRequest(this, i) };
}

export async function execute(
	this: IExecuteFunctions,
	op: OperationContext<Awaited<ReturnType<typeof parse>>>,
): Promise<OperationResult> {
	const i = op.itemIndex;
	const node = this.getNode();
	const { decoded, timeoutMs, intervalMs, server } = op.input;
	const started = Date.now();
	const expiresAtMs = invoiceExpiresAt(decoded) * 1000;
	const expiryFirst = expiresAtMs <= started + timeoutMs;
	const deadline = Math.min(started + timeoutMs, expiresAtMs);
	let checks = 0;

	const last = await op.poll<IDataObject>({
		check: async () => {
			checks++;
			const response = await op.request<IDataObject>(avatarTalk, {
				method: 'GET',
				url: `/lightning/payment/${encodeURIComponent(decoded.paymentRequest)}`,
				...server,
				// One slow answer must not carry the wait past its deadline.
				limits: { timeoutMs: Math.max(1000, Math.min(op.limits.timeoutMs, deadline - Date.now())) },
				deadline,
				hint: paymentNotFoundHint,
			});
			return response.body;
		},
		// Past the deadline (the invoice's expiry or the timeout) stop, and say which below.
		isDone: (p) => p.status === 'paid' || FAILED.has(String(p.status)) || Date.now() >= deadline,
		describe: (p) => `the invoice is still ${String(p?.status ?? 'unpaid')} (${checks} checks)`,
		timeoutMs: Math.max(0, deadline - started),
		intervalMs,
		backoffFactor: 1.3,
		maxIntervalMs: Math.max(intervalMs, 30_000),
	});

	if (last.status !== 'paid') {
		const expired = Date.now() >= expiresAtMs || FAILED.has(String(last.status));
		throw new NodeOperationError(
			node,
			expired
				? `Invoice: the invoice expired at ${new Date(expiresAtMs).toISOString()} without being paid`
				: `${waitTimeoutLabel()}: the invoice was not paid within ${formatDuration(timeoutMs)}`,
			{
				itemIndex: i,
				description: expired
					? `Payment status: ${String(last.status ?? 'unknown')}. Request the video again for a new invoice.`
					: `Payment status: ${String(last.status ?? 'unknown')}. ${expiryFirst ? '' : `The invoice stays payable until ${new Date(expiresAtMs).toISOString()}; raise "${waitTimeoutLabel()}" to wait longer.`}`.trim(),
			},
		);
	}
	return {
		json: {
			...paymentJson(last),
			waitedSeconds: Math.round((Date.now() - started) / 100) / 10,
			checks,
		},
	};
}
