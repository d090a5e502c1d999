import type { IDataObject } from 'n8n-workflow';

import type { InputValidator } from '../../shared/validation';

/** What the Submit Job fields hold for one item (as n8n hands them over). */
export interface SubmitParameters {
	prompt: unknown;
	imageS3Url: unknown;
	/** fixedCollection `{ urls: [{ url }] }`; each url may also be a list (an expression). */
	audio: unknown;
	webhookUrl: unknown;
	options: IDataObject;
}

export const RESOLUTIONS = ['480p', '720p'] as const;
export const AUDIO_TYPES = ['add', 'para'] as const;

/**
 * Every audio URL the user gave, in order: list entries, arrays from expressions, or several
 * `s3://` URLs in one entry separated by commas (a comma inside a key is kept).
 */
export function collectAudioUrls(audio: unknown): string[] {
	const entries = (audio as { urls?: Array<{ url?: unknown }> } | undefined)?.urls ?? [];
	const urls: string[] = [];
	const add = (value: unknown) => {
		if (Array.isArray(value)) value.forEach(add);
		else if (typeof value === 'string') {
			for (const part of value.split(/,\s*(?=s3:\/\/)/i)) if (part.trim() !== '') urls.push(part.trim());
		} else if (value !== undefined && value !== null && value !== '') urls.push(String(value));
	};
	for (const entry of Array.isArray(entries) ? entries : []) add(entry?.url);
	return urls;
}

/**
 * Builds the `POST /generate` body, checking every value against the documented ranges first.
 * One audio URL is sent as a string, several as an array (as the API documents both forms).
 * Options left out are not sent, so MultiTalk's own defaults apply.
 */
export function buildGenerateBody(p: SubmitParameters, v: InputValidator): IDataObject {
	const body: IDataObject = {
		prompt: v.text('Prompt', p.prompt, { max: 10_000 }).trim(),
		image_s3_url: v.s3Url('Reference Image S3 URL', p.imageS3Url),
	};
	const audio = collectAudioUrls(p.audio);
	if (audio.length === 0) v.fail('Audio S3 URLs', 'needs at least one audio file', 's3://bucket-name/path/to/audio.wav (add one entry per speaker)');
	const checked = audio.map((url, i) => v.s3Url(audio.length > 1 ? `Audio S3 URLs (entry ${i + 1})` : 'Audio S3 URLs', url));
	body.audio_s3_urls = checked.length === 1 ? checked[0] : checked;

	const o = p.options ?? {};
	if (o.outputS3Bucket !== undefined && String(o.outputS3Bucket).trim() !== '') {
		body.output_s3_bucket = v.s3Bucket('Output S3 Bucket', o.outputS3Bucket);
	}
	if (o.outputS3Prefix !== undefined && String(o.outputS3Prefix).trim() !== '') {
		const prefix = String(o.outputS3Prefix).trim().replace(/^\/+/, '');
		if (/[\s\\]/.test(prefix)) v.fail('Output S3 Prefix', `"${prefix}" contains spaces or backslashes`, 'a key prefix such as outputs/ or videos/2024/');
		body.output_s3_prefix = prefix;
	}
	const webhook = String(p.webhookUrl ?? '').trim();
	if (webhook !== '') body.webhook_url = v.url('Webhook URL', webhook);

	const options: IDataObject = {};
	if (o.resolution !== undefined) options.resolution = v.oneOf('Resolution', o.resolution, RESOLUTIONS);
	if (o.sampleSteps !== undefined) options.sample_steps = v.number('Sample Steps', o.sampleSteps, { min: 10, max: 50, integer: true });
	if (o.audioType !== undefined) options.audio_type = v.oneOf('Audio Type', o.audioType, AUDIO_TYPES);
	if (o.audioCfg !== undefined) options.audio_cfg = v.number('Audio CFG', o.audioCfg, { min: 3, max: 5 });
	if (o.colorCorrection !== undefined) options.color_correction = v.number('Color Correction', o.colorCorrection, { min: 0, max: 1 });
	if (Object.keys(options).length) body.options = options;
	return body;
}
