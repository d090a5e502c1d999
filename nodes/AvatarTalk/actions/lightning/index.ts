import type { ResourceEntry } from '../../../shared/describe';
import * as decodeInvoice from './decodeInvoice.operation';
import * as generateVideo from './generateVideo.operation';
import * as getPayment from './getPayment.operation';
import * as listPayments from './listPayments.operation';
import * as requestVideoFromAudio from './requestVideoFromAudio.operation';
import * as requestVideoFromText from './requestVideoFromText.operation';
import * as waitForPayment from './waitForPayment.operation';

/**
 * The Lightning operations that need no AvatarTalk account: the document requires no
 * authorization on request-video/*, generate-video and payment/{invoice}, and decoding is
 * offline. Only List Payments needs the API key.
 */
export const OPERATIONS_WITHOUT_CREDENTIAL = [
	'decodeInvoice',
	'generateVideo',
	'getPayment',
	'requestVideoFromAudio',
	'requestVideoFromText',
	'waitForPayment',
];

/**
 * The "Lightning" resource: pay-per-video with Bitcoin Lightning, no account credit needed.
 * Flow: Request Video (text or audio) -> pay the invoice with any wallet -> Wait for Payment ->
 * Generate Video.
 */
export const lightningResource: ResourceEntry = {
	name: 'Lightning',
	value: 'lightning',
	description: 'Pay for single videos with Bitcoin Lightning invoices',
	default: 'requestVideoFromText',
	operations: [
		{
			name: 'Decode Invoice',
			value: 'decodeInvoice',
			action: 'Decode a Lightning invoice',
			description: 'Read amount, expiry, payment hash and payee of a BOLT11 invoice, offline',
			module: decodeInvoice,
		},
		{
			name: 'Generate Video',
			value: 'generateVideo',
			action: 'Generate the video of a paid invoice',
			description: 'Turn a paid invoice into the MP4 video (binary data)',
			module: generateVideo,
		},
		{
			name: 'Get Payment',
			value: 'getPayment',
			action: 'Get the payment status of an invoice',
			description: 'Check whether an invoice is paid',
			module: getPayment,
		},
		{
			name: 'List Payments',
			value: 'listPayments',
			action: 'List Lightning payments',
			description: 'List the Lightning payments of your AvatarTalk account',
			module: listPayments,
		},
		{
			name: 'Request Video From Audio',
			value: 'requestVideoFromAudio',
			action: 'Request a video from audio and get an invoice',
			description: 'Upload a WAV (16 kHz mono 16-bit) and get a Lightning invoice for its video',
			module: requestVideoFromAudio,
		},
		{
			name: 'Request Video From Text',
			value: 'requestVideoFromText',
			action: 'Request a video from text and get an invoice',
			description: 'Get a Lightning invoice for a video of this text',
			module: requestVideoFromText,
		},
		{
			name: 'Wait for Payment',
			value: 'waitForPayment',
			action: 'Wait until an invoice is paid',
			description: 'Wait until the invoice is paid, or fail when it expires or the timeout passes',
			module: waitForPayment,
		},
	],
};
