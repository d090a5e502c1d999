import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../../shared/router';
import type { InputValidator } from '../../../shared/validation';
import { avaTar } from '../../transport';
import { readSessionId, sessionIdField, valueAtPath } from '../common';

export const description: INodeProperties[] = [
	sessionIdField,
	{
		displayName: 'SDP Offer Source',
		name: 'offerSource',
		type: 'options',
		options: [
			{
				name: 'Input Item Field',
				value: 'field',
				description: 'Read the offer from a field of the incoming item (e.g. what a webhook received from the browser)',
			},
			{ name: 'Enter Below', value: 'parameter', description: 'Paste or map the offer in the field below' },
		],
		default: 'field',
	},
	{
		displayName: 'Offer Field',
		name: 'offerField',
		type: 'string',
		default: 'sdp',
		placeholder: 'e.g. body.offer',
		description:
			'Name of the input field holding the offer: either an object like {"type": "offer", "sdp": "v=0..."} (what the browser\'s RTCPeerConnection.createOffer() gives) or the SDP text itself. Use dots for nested fields.',
		displayOptions: { show: { offerSource: ['field'] } },
	},
	{
		displayName: 'SDP Offer',
		name: 'offer',
		type: 'string',
		typeOptions: { rows: 6 },
		default: '',
		placeholder: 'v=0\no=- 4611731400430051336 2 IN IP4 127.0.0.1\n...',
		description: 'The WebRTC offer: the SDP text, or JSON like {"type": "offer", "sdp": "v=0..."}',
		displayOptions: { show: { offerSource: ['parameter'] } },
	},
];

/**
 * Turns what the user gave into `{type: 'offer', sdp}`, or fails naming the field. Accepts the
 * RTCSessionDescription object, its JSON text, or bare SDP text. Bare LF line ends (pasted or
 * typed text) become the CRLF that SDP requires.
 */
export function readOffer(v: InputValidator, field: string, value: unknown): { type: 'offer'; sdp: string } {
	let offer: unknown = value;
	if (typeof offer === 'string' && offer.trim().startsWith('{')) {
		try {
			offer = JSON.parse(offer);
		} catch {
			v.fail(field, 'looks like JSON but cannot be read', '{"type": "offer", "sdp": "v=0..."} or the SDP text');
		}
	}
	let sdp: unknown = offer;
	if (offer !== null && typeof offer === 'object' && !Array.isArray(offer)) {
		const o = offer as IDataObject;
		if (o.type !== undefined && o.type !== 'offer') {
			v.fail(field, `has type "${String(o.type)}", but an offer is needed`, 'an SDP offer (type "offer")');
		}
		sdp = o.sdp;
	}
	if (typeof sdp !== 'string' || sdp.trim() === '') {
		v.fail(field, sdp === undefined || sdp === '' ? 'is empty: no SDP offer found' : 'does not hold SDP text', '{"type": "offer", "sdp": "v=0..."} or the SDP text');
	}
	const text = sdp.trim().replace(/\r?\n/g, '\r\n') + '\r\n';
	if (!text.startsWith('v=0\r\n') || !/\r\no=[^\r\n]+\r\n/.test(text)) {
		v.fail(field, 'is not an SDP offer (it must start with a "v=0" line followed by an "o=" line)', 'an SDP offer as created by RTCPeerConnection.createOffer()');
	}
	return { type: 'offer', sdp: text };
}

interface Input {
	sessionId: string;
	offer: { type: 'offer'; sdp: string };
}

export function parse(this: IExecuteFunctions, itemIndex: number, v: InputValidator): Input {
	const sessionId = readSessionId(this, v, itemIndex);
	const source = v.oneOf('SDP Offer Source', this.getNodeParameter('offerSource', itemIndex, 'field'), ['field', 'parameter'] as const);
	let offer: { type: 'offer'; sdp: string };
	if (source === 'field') {
		const path = v.text('Offer Field', this.getNodeParameter('offerField', itemIndex, 'sdp')).trim();
		const json = this.getInputData()[itemIndex]?.json ?? {};
		const value = valueAtPath(json, path);
		if (value === undefined) {
			v.fail('Offer Field', `the input item has no field "${path}"`, `a field of the input item (it has: ${Object.keys(json).join(', ') || 'no fields'})`);
		}
		offer = readOffer(v, `Offer Field ("${path}")`, value);
	} else {
		offer = readOffer(v, 'SDP Offer', this.getNodeParameter('offer', itemIndex, ''));
	}
	return { sessionId, offer };
}

/** POST /v1/streaming.start: sends the WebRTC offer, returns the server's answer. */
export async function execute(this: IExecuteFunctions, op: OperationContext<Input>): Promise<OperationResult> {
	const { sessionId, offer } = op.input;
	const response = await op.request<IDataObject>(avaTar, {
		method: 'POST',
		url: '/v1/streaming.start',
		body: { session_id: sessionId, sdp: offer },
	});
	return { json: { session_id: sessionId, ...response.body } };
}
