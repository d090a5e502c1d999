import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { withBinary } from '../../../shared/binary';
import type { OperationContext, OperationResult } from '../../../shared/router';
import type { InputValidator } from '../../../shared/validation';
import { AVATARS, EMOTIONS_WITH_EXPRESSIVE, LANGUAGES } from '../../constants';
import { avatarTalk } from '../../transport';
import { decodedInvoiceJson, invoiceField, paymentNotFoundHint, publicRequest, requireInvoice, serverUrlOption } from './common';
import { optionsCollection } from '../../../shared/fields';
import { avatarField, emotionField, languageField, outputBinaryField, readVideoField } from '../fields';

export const description: INodeProperties[] = [
	invoiceField('The paid invoice. Its video is generated and streamed into binary data.'),
	avatarField(),
	emotionField(true, {
		description: 'The facial expression of the avatar. "Expressive" is sent as is; AvatarTalk renders it as neutral for this endpoint.',
	}),
	languageField({ description: 'The language of the speech (for text requests: the language the text is written in)' }),
	outputBinaryField(),
	optionsCollection([
			{
				displayName: 'Allow Expired Invoice',
				name: 'allowExpired',
				type: 'boolean',
				default: false,
				description:
					'Whether to send an invoice whose expiry has passed (one that was paid in time, generated later). Off: an expired invoice fails here, before anything is sent.',
			},
			{
				displayName: 'File Name',
				name: 'fileName',
				type: 'string',
				default: '',
				placeholder: 'welcome-video.mp4',
				description: 'File name of the MP4 in the binary data. Leave empty for "avatartalk-lightning-&lt;payment hash&gt;.mp4".',
			},
			serverUrlOption,
		]),
];

/**
 * POST /lightning/generate-video with a paid invoice: the MP4 comes back as a stream and goes
 * straight into n8n's binary data (never held in memory). Not idempotent: a request the server
 * may have started is never sent twice.
 */
export async function parse(this: IExecuteFunctions, i: number, v: InputValidator) {
	const options = this.getNodeParameter('options', i, {}) as { allowExpired?: boolean; fileName?: string };
	const decoded = requireInvoice(this.getNode(), i, this.getNodeParameter('invoice', i), {
		rejectExpired: options.allowExpired !== true,
	});
	const avatar = v.oneOf('Avatar', this.getNodeParameter('avatar', i), AVATARS);
	const emotion = v.oneOf('Emotion', this.getNodeParameter('emotion', i), EMOTIONS_WITH_EXPRESSIVE);
	const language = v.oneOf('Language', this.getNodeParameter('language', i), LANGUAGES);
	const property = readVideoField(v, this.getNodeParameter('binaryPropertyName', i));
	const custom = (options.fileName ?? '').trim();
	const fileName = custom
		? custom.toLowerCase().endsWith('.mp4')
			? custom
			: `${custom}.mp4`
		: `avatartalk-lightning-${decoded.paymentHash.slice(0, 16)}.mp4`;
	return { decoded, avatar, emotion, language, property, fileName, ...publicRequest(this, i) };
}

export async function execute(
	this: IExecuteFunctions,
	op: OperationContext<Awaited<ReturnType<typeof parse>>>,
): Promise<OperationResult> {
	const { decoded, avatar, emotion, language, property, fileName, publicBaseUrl } = op.input;
	const { binary, bytes } = await op.download(
		avatarTalk,
		{
			method: 'POST',
			url: '/lightning/generate-video',
			// Documented without authorization: works with no credential, and sends none.
			publicBaseUrl,
			body: { bolt11_invoice: decoded.paymentRequest, avatar, emotion, language },
			idempotent: false,
			hint: (status) =>
				status === 400
					? 'The invoice has not been paid (or not in time). Pay it with a Lightning wallet and put Wait for Payment before this step.'
					: paymentNotFoundHint(status),
		},
		{ fileName, mimeType: 'video/mp4' },
		1,
	);
	return withBinary(
		{
			json: {
				bolt11_invoice: decoded.paymentRequest,
				avatar,
				emotion,
				language,
				fileName,
				mimeType: 'video/mp4',
				fileSize: bytes ?? null,
				...decodedInvoiceJson(decoded.paymentRequest),
			},
		},
		{ [property]: binary },
	);
}
