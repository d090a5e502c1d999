/**
 * BENCHMARK BASELINE MODEL - test-only, never shipped, not vendor code.
 *
 * Models how the vendor's own AvatarTalk node (not on npm) receives a video: the whole MP4 is
 * read into memory (`encoding: 'arraybuffer'`) and only then handed to `prepareBinaryData`.
 * test/bench/binary.ts installs it into the benchmark's n8n home beside this package, to
 * measure that approach against streaming. It reuses this package's `avatarTalkApi`
 * credential (credential types are global in n8n) so every contender sends the same request.
 */
import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

export class BufferingDownload implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Bench Baseline: Buffering AvatarTalk Download',
		name: 'bufferingDownload',
		icon: { light: 'file:baseline.svg', dark: 'file:baseline.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: 'whole body in memory (baseline model)',
		description: 'Benchmark baseline model: downloads the AvatarTalk MP4 into memory, then stores it',
		defaults: { name: 'Buffering Download (baseline)' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		// Test-only model, never published: it borrows this package's credential on purpose so
		// that every contender of the benchmark sends the very same authorised request.
		// eslint-disable-next-line @n8n/community-nodes/no-credential-reuse
		credentials: [{ name: 'avatarTalkApi', required: true }],
		properties: [
			{ displayName: 'Text', name: 'text', type: 'string', default: 'Hello' },
			{ displayName: 'Avatar', name: 'avatar', type: 'string', default: 'european_woman' },
			{ displayName: 'Emotion', name: 'emotion', type: 'string', default: 'neutral' },
			{ displayName: 'Language', name: 'language', type: 'string', default: 'en' },
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const credentials = await this.getCredentials<{ baseUrl: string }>('avatarTalkApi');
		const out: INodeExecutionData[] = [];
		const items = this.getInputData();
		for (let i = 0; i < items.length; i++) {
			const body: IDataObject = {
				text: this.getNodeParameter('text', i) as string,
				avatar: this.getNodeParameter('avatar', i) as string,
				emotion: this.getNodeParameter('emotion', i) as string,
				language: this.getNodeParameter('language', i) as string,
			};
			// The whole response body in one Buffer: this is the behaviour being measured.
			const whole = (await this.helpers.httpRequestWithAuthentication.call(this, 'avatarTalkApi', {
				method: 'POST',
				url: `${credentials.baseUrl.replace(/\/+$/, '')}/inference`,
				qs: { stream: 'true' },
				body,
				json: true,
				encoding: 'arraybuffer',
			})) as Buffer | ArrayBuffer;
			// a view, not a copy, when n8n hands back an ArrayBuffer
			const buffer = Buffer.isBuffer(whole) ? whole : Buffer.from(whole);
			const binary = await this.helpers.prepareBinaryData(buffer, 'video.mp4', 'video/mp4');
			out.push({ json: { bytes: buffer.length }, binary: { data: binary }, pairedItem: { item: i } });
		}
		return [out];
	}
}
