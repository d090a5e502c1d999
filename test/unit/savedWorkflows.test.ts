import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

import type { INode, INodeParameters, INodeType } from 'n8n-workflow';
import { NodeHelpers } from 'n8n-workflow';

/**
 * n8n loads a saved workflow by parameter NAME: opening it runs the node's parameters through
 * NodeHelpers.getNodeParameters with the node type of the saved typeVersion, which drops every
 * parameter the description no longer has (or no longer shows). So renaming or hiding a field
 * silently resets users' settings. This checks, with n8n's own function, that every parameter
 * of every example workflow and of a workflow saved with the names of the first release
 * (before the field conventions) comes back with its saved value.
 */
const root = resolve(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { n8n: { nodes: string[] } };
const PREFIX = 'n8n-nodes-talking-avatars.';

const nodeTypes = new Map<string, INodeType>();
for (const distPath of pkg.n8n.nodes) {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const mod = require(join(root, distPath.replace(/^dist\//, '').replace(/\.js$/, '.ts'))) as Record<string, new () => INodeType>;
	const type = new (Object.values(mod)[0])();
	nodeTypes.set(PREFIX + type.description.name, type);
}

/** What n8n keeps of a saved node when it loads the workflow. */
function loaded(node: Pick<INode, 'type' | 'typeVersion' | 'parameters'>): INodeParameters {
	const type = nodeTypes.get(node.type)!;
	return NodeHelpers.getNodeParameters(type.description.properties, node.parameters, true, false, node, type.description) ?? {};
}

const node = (type: string, typeVersion: number, parameters: INodeParameters) => ({ type: PREFIX + type, typeVersion, parameters });

/** Parameters as the first release saved them (the names the conventions had to keep). */
const SAVED_BEFORE_CONVENTIONS: Array<[string, ReturnType<typeof node>]> = [
	['MuseTalk Generate: video and audio fields, downloads', node('museTalk', 1, { resource: 'video', operation: 'generate', sessionId: 's', text: 'Hi', downloadVideo: true, videoBinaryProperty: 'clip', downloadAudio: true, audioBinaryProperty: 'speech' })],
	['MuseTalk Generate Streaming Video: output field', node('museTalk', 1, { resource: 'video', operation: 'generateStream', sessionId: 's', text: 'Hi', binaryPropertyName: 'stream' })],
	['MuseTalk Download File: output field', node('museTalk', 1, { resource: 'video', operation: 'downloadFile', fileType: 'audio', fileName: 'a.mp3', binaryPropertyName: 'file' })],
	['MuseTalk Create: wait timeout and interval', node('museTalk', 1, { resource: 'session', operation: 'create', waitUntilReady: true, waitTimeoutSeconds: 120, pollIntervalSeconds: 5 })],
	['LiveTalking Download: downloadFile toggle and field', node('liveTalking', 1, { resource: 'recording', operation: 'download', sessionId: '7', downloadFile: true, binaryPropertyName: 'recording' })],
	['AvatarTalk Stream over WebSocket: input and output fields', node('avatarTalk', 1, { resource: 'stream', operation: 'streamInference', inputType: 'audio', inputBinaryPropertyName: 'voice', outputType: 'file', binaryPropertyName: 'clip' })],
	['AvatarTalk Generate Inference: download, field, Items in Parallel', node('avatarTalk', 1, { resource: 'video', operation: 'generateInference', text: 'Hi', mode: 'wait', downloadVideo: true, binaryPropertyName: 'clip', options: { concurrency: 4 } })],
	['AvatarTalk Wait for Payment: timeout and interval', node('avatarTalk', 1, { resource: 'lightning', operation: 'waitForPayment', invoice: 'lnbc1', timeoutSeconds: 90, pollIntervalSeconds: 2 })],
	['AvatarTalk Request Video From Audio: input field', node('avatarTalk', 1, { resource: 'lightning', operation: 'requestVideoFromAudio', binaryPropertyName: 'speech' })],
	['AvaTar Send Audio: input field and audio output option', node('avaTar', 1, { resource: 'realtime', operation: 'sendAudio', sessionId: 's', binaryProperty: 'voice', options: { audioProperty: 'reply' } })],
	['MultiTalk v1 Submit and Wait: maxConcurrentJobs and wait fields', node('multiTalk', 1, { resource: 'job', operation: 'submitAndWait', prompt: 'p', imageS3Url: 's3://b/i.png', maxConcurrentJobs: 3, timeoutMinutes: 30, pollIntervalSeconds: 5, downloadVideo: true, binaryPropertyName: 'clip', options: { resolution: '720p' } })],
	['MultiTalk v1 Wait for Job: maxConcurrentJobs', node('multiTalk', 1, { resource: 'job', operation: 'waitForJob', maxConcurrentJobs: 7, timeoutMinutes: 5 })],
	['MultiTalk v1 Submit: maxConcurrentJobs', node('multiTalk', 1, { resource: 'job', operation: 'submit', prompt: 'p', imageS3Url: 's3://b/i.png', maxConcurrentJobs: 2 })],
	['MultiTalk v1 Get Download URL: download and field', node('multiTalk', 1, { resource: 'job', operation: 'getDownloadUrl', downloadVideo: true, binaryPropertyName: 'clip' })],
	['MultiTalk v2 Submit and Wait: Options > Items in Parallel', node('multiTalk', 2, { resource: 'job', operation: 'submitAndWait', prompt: 'p', imageS3Url: 's3://b/i.png', options: { concurrency: 6, resolution: '720p' } })],
];

describe('a workflow saved before the field conventions loads with every setting it saved', () => {
	it.each(SAVED_BEFORE_CONVENTIONS)('%s', (_name, saved) => {
		expect(loaded(saved)).toMatchObject(saved.parameters);
	});

	it('would notice a dropped parameter (MultiTalk v2 does not show the v1 field)', () => {
		const v1Only = node('multiTalk', 2, { resource: 'job', operation: 'submit', prompt: 'p', imageS3Url: 's3://b/i.png', maxConcurrentJobs: 2 });
		expect(loaded(v1Only)).not.toHaveProperty('maxConcurrentJobs');
	});
});

describe('every example workflow loads with every parameter it saved', () => {
	const dir = join(root, 'examples');
	const examples = readdirSync(dir).filter((f) => f.endsWith('.json'));

	it('has examples', () => expect(examples.length).toBeGreaterThanOrEqual(10));

	const cases = examples.flatMap((file) => {
		const workflow = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: INode[] };
		return workflow.nodes.filter((n) => n.type.startsWith(PREFIX)).map((n) => [`${file}: ${n.name}`, n] as const);
	});

	it.each(cases)('%s', (_name, saved) => {
		// An AI Agent tool (`<node>Tool`) is the node plus the fields n8n's tool conversion adds.
		const parameters = { ...saved.parameters };
		if (saved.type.endsWith('Tool')) for (const added of ['descriptionType', 'toolDescription']) delete parameters[added];
		const asNode = { ...saved, type: saved.type.replace(/Tool$/, ''), parameters };
		expect(nodeTypes.has(asNode.type)).toBe(true);
		expect(loaded(asNode)).toMatchObject(asNode.parameters);
	});
});
