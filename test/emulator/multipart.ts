import type { MultipartPart } from './types';

/** A small multipart/form-data parser: enough for the uploads the documents describe. */
export function parseMultipart(body: Buffer, contentType: string | undefined): MultipartPart[] {
	const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
	if (!match) return [];
	const boundary = Buffer.from(`--${match[1] ?? match[2]}`);
	const parts: MultipartPart[] = [];
	let start = body.indexOf(boundary);
	while (start !== -1) {
		const next = body.indexOf(boundary, start + boundary.length);
		if (next === -1) break;
		const chunk = body.subarray(start + boundary.length + 2, next - 2); // skip CRLF after boundary, before next
		const headerEnd = chunk.indexOf('\r\n\r\n');
		if (headerEnd !== -1) {
			const head = chunk.subarray(0, headerEnd).toString('utf8');
			const data = chunk.subarray(headerEnd + 4);
			const disposition = /content-disposition:[^\r\n]*/i.exec(head)?.[0] ?? '';
			const name = /name="([^"]*)"/i.exec(disposition)?.[1];
			const fileName = /filename="([^"]*)"/i.exec(disposition)?.[1];
			const type = /content-type:\s*([^\r\n]+)/i.exec(head)?.[1]?.trim();
			if (name !== undefined) parts.push({ name, fileName, contentType: type, data: Buffer.from(data) });
		}
		start = next;
	}
	return parts;
}
