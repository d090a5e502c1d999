import type { IDataObject, INodeExecutionData, INodeParameters, INodeType, IExecuteFunctions } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';

import type { WorkflowJson } from '../harness';

/** The Manual Trigger's default name, as in workflows n8n creates. */
export const TRIGGER = 'When clicking ‘Execute workflow’';

export interface SingleNode {
	/** The node's name in the workflow (what `result.items(name)` reads). */
	name: string;
	/** Node type without the package prefix, e.g. `avatarTalk`. */
	type: string;
	/** Credential type and the fixed id/name the examples use, e.g. `['avatarTalkApi', 'cred-avatartalk', 'AvatarTalk account']`. */
	credential: [type: string, id: string, name: string];
}

/** The AvatarTalk Lightning pay-per-video operations that send a request (Decode Invoice sends none). */
export const PUBLIC_LIGHTNING_OPERATIONS = ['generateVideo', 'getPayment', 'requestVideoFromAudio', 'requestVideoFromText', 'waitForPayment'];

/**
 * AvatarTalk's pay-per-video operations read no credential (it is not shown for them): their
 * server is Options > Server URL, https://api.avatartalk.ai when empty. Points them at `url` (the
 * emulator) unless the parameters name a server themselves; other parameters come back as they are.
 */
export function onPublicServer(parameters: INodeParameters, url: string): INodeParameters {
	if (parameters.resource !== 'lightning' || !PUBLIC_LIGHTNING_OPERATIONS.includes(String(parameters.operation))) return parameters;
	const options = (parameters.options ?? {}) as IDataObject;
	if (options.serverUrl !== undefined) return parameters;
	return { ...parameters, options: { ...options, serverUrl: url } };
}

/** Manual Trigger -> one node of this package with these parameters. */
export function singleNodeWorkflow(
	node: SingleNode,
	parameters: INodeParameters,
	extras: { onError?: 'continueRegularOutput'; typeVersion?: number } = {},
): WorkflowJson {
	const [credentialType, id, name] = node.credential;
	return {
		nodes: [
			{ id: 't', name: TRIGGER, type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 'n',
				name: node.name,
				type: `n8n-nodes-talking-avatars.${node.type}`,
				typeVersion: extras.typeVersion ?? 1,
				position: [220, 0],
				parameters,
				credentials: { [credentialType]: { id, name } },
				...(extras.onError ? { onError: extras.onError } : {}),
			},
		],
		connections: { [TRIGGER]: { main: [[{ node: node.name, type: NodeConnectionTypes.Main, index: 0 }]] } },
	};
}

/**
 * `n8n-nodes-base.readWriteFile` (operation write) for the in-process harness, which has no
 * core nodes: writes each item's binary under `dir`, as the example workflows do in real n8n.
 * It streams a stored binary to the file, as the real node does, so a video is never read whole.
 */
export function readWriteFileStandIn(dir: string): INodeType {
	return {
		description: {
			displayName: 'Read/Write Files from Disk (test stand-in)',
			name: 'readWriteFile',
			group: ['input'],
			version: [1, 1.1],
			description: 'Writes binary data to disk',
			defaults: { name: 'Read/Write Files from Disk' },
			inputs: [NodeConnectionTypes.Main],
			outputs: [NodeConnectionTypes.Main],
			usableAsTool: true,
			properties: [
				{ displayName: 'Operation', name: 'operation', type: 'options', options: [{ name: 'Write', value: 'write' }], default: 'write' },
				{ displayName: 'File Path and Name', name: 'fileName', type: 'string', default: '' },
				{ displayName: 'Input Binary Field', name: 'dataPropertyName', type: 'string', default: 'data' },
				{ displayName: 'Options', name: 'options', type: 'collection', default: {}, options: [] },
			],
		},
		async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
			const items = this.getInputData();
			const out: INodeExecutionData[] = [];
			for (let i = 0; i < items.length; i++) {
				const fileName = this.getNodeParameter('fileName', i) as string;
				const property = this.getNodeParameter('dataPropertyName', i) as string;
				const binary = this.helpers.assertBinaryData(i, property);
				const target = path.resolve(dir, fileName);
				mkdirSync(path.dirname(target), { recursive: true });
				if (binary.id) await pipeline(await this.helpers.getBinaryStream(binary.id), createWriteStream(target));
				else writeFileSync(target, await this.helpers.getBinaryDataBuffer(i, property));
				out.push({ json: { ...items[i].json, fileName }, binary: items[i].binary, pairedItem: { item: i } });
			}
			return [out];
		},
	};
}
