/**
 * Helpers for the AvatarTalk Lightning / LiveKit integration tests: the emulator with fast
 * settings, one-node workflows run through the harness, credentials, error assertions, and
 * stand-ins for the two core nodes the examples use (HTTP Request, Read/Write Files).
 */

import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeType } from 'n8n-workflow';
import { NodeApiError, NodeConnectionTypes } from 'n8n-workflow';

import type { Emulator } from '../../../emulator/server';
import { startEmulator } from '../../../emulator/server';
import type { LoggedRequest } from '../../../emulator/types';

export type { CredentialChoice } from '../helpers';
export { NODE, TRIGGER, avatarTalkWorkflow, credentialsFor, expectApiError, expectInputError, runAvatarTalk } from '../helpers';

export async function startLightningEmulator(settings: Record<string, unknown> = {}): Promise<Emulator> {
	return await startEmulator({ settings: { lightningPaymentGraceMs: 50, lightningChunkDelayMs: 0, ...settings } });
}

export function calls(emulator: Emulator, method?: string, pathMatch?: string | RegExp): LoggedRequest[] {
	return emulator.requests({ service: 'avatarTalk', method, path: pathMatch });
}

export function bodyOf(entry: { body: string }): Record<string, unknown> {
	return JSON.parse(entry.body) as Record<string, unknown>;
}



/** An input item carrying a file as inline binary data. */
export function binaryItem(data: Buffer, fileName: string, mimeType = 'audio/wav', property = 'data'): INodeExecutionData {
	return {
		json: { fileName },
		binary: { [property]: { data: data.toString('base64'), mimeType, fileName, fileSize: String(data.length) } },
	};
}

/** `n8n-nodes-base.httpRequest` for the harness: the JSON-body POST the examples use. */
export const httpRequestStandIn: INodeType = {
	description: {
		displayName: 'HTTP Request (test stand-in)',
		name: 'httpRequest',
		group: ['output'],
		version: [4, 4.1, 4.2],
		description: 'Sends a JSON request',
		defaults: { name: 'HTTP Request' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		properties: [
			{ displayName: 'Method', name: 'method', type: 'options', options: [{ name: 'POST', value: 'POST' }], default: 'POST' },
			{ displayName: 'URL', name: 'url', type: 'string', default: '' },
			{ displayName: 'Send Body', name: 'sendBody', type: 'boolean', default: false },
			{ displayName: 'Body Content Type', name: 'contentType', type: 'options', options: [{ name: 'JSON', value: 'json' }], default: 'json' },
			{ displayName: 'Specify Body', name: 'specifyBody', type: 'options', options: [{ name: 'Using JSON', value: 'json' }], default: 'json' },
			{ displayName: 'JSON', name: 'jsonBody', type: 'string', default: '' },
			{ displayName: 'Options', name: 'options', type: 'collection', default: {}, options: [] },
		],
	},
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const out: INodeExecutionData[] = [];
		const items = this.getInputData();
		for (let i = 0; i < items.length; i++) {
			const url = this.getNodeParameter('url', i) as string;
			const body = this.getNodeParameter('jsonBody', i, '') as string;
			const response = await fetch(url, {
				method: this.getNodeParameter('method', i) as string,
				headers: { 'content-type': 'application/json' },
				body: typeof body === 'string' ? body : JSON.stringify(body),
			});
			const json = (await response.json()) as IDataObject;
			if (!response.ok) throw new NodeApiError(this.getNode(), json as never, { httpCode: String(response.status) });
			out.push({ json, pairedItem: { item: i } });
		}
		return [out];
	},
};

export { readWriteFileStandIn } from '../../../helpers/workflows';
