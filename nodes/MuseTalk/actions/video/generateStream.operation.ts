import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../../../shared/router';
import type { InputValidator } from '../../../shared/validation';
import { API, museTalk } from '../../transport';
import { outputBinaryField, outputBinaryLabel } from '../../../shared/fields';
import { generationFields, generationHint, readGenerationBody } from '../common';

export const description: INodeProperties[] = [
	...generationFields,
	outputBinaryField({ content: 'video', what: 'the streamed MP4 video' }),
];

export function parse(this: IExecuteFunctions, itemIndex: number, v: InputValidator): { body: IDataObject; field: string } {
	const body = readGenerationBody(this, itemIndex, v);
	const field = v.binaryField(outputBinaryLabel('video'), this.getNodeParameter('binaryPropertyName', itemIndex, 'data'));
	return { body, field };
}

/**
 * POST /api/v1/generate/text-to-video-stream: the server streams the MP4 while it renders; the
 * body goes straight into n8n's binary data, never whole in memory. (The document calls the
 * endpoint "WebSocket-based" but specifies a POST whose response is "Streaming video/mp4": the
 * WebSocket is the server's own link to its renderer; clients read an HTTP body.) "Timeout" under Request
 * Settings is the longest pause allowed between two pieces of the stream.
 */
export async function execute(this: IExecuteFunctions, op: OperationContext<{ body: IDataObject; field: string }>): Promise<OperationResult> {
	const { body, field } = op.input;
	const sessionId = String(body.session_id);
	const fileName = `musetalk-${sessionId.replace(/[^A-Za-z0-9_-]/g, '_')}.mp4`;

	// Paid GPU work: not idempotent, so a broken stream is reported, never re-requested.
	const { binary, bytes } = await op.download(
		museTalk,
		{ method: 'POST', url: `${API}/generate/text-to-video-stream`, body, idempotent: false, hint: generationHint },
		{ fileName, mimeType: 'video/mp4' },
	);
	return {
		json: { session_id: sessionId, file_name: fileName, mime_type: 'video/mp4', ...(bytes !== undefined ? { bytes } : {}) },
		binary: { [field]: binary },
	};
}
