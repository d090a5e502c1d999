/**
 * Helpers for the AvaTar integration tests: one-node workflows through the harness against the
 * emulator, error assertions, and a test-only node that loads a fixture into n8n's binary store.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeParameters, INodeType } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { fixture } from '../../emulator/media';
import type { AvaTarState } from '../../emulator/providers/avatar';
import type { Emulator } from '../../emulator/server';
import { runWorkflow } from '../../harness';
import type { RunResult, WorkflowJson } from '../../harness';
export { expectApiError, expectInputError } from '../../helpers/assertions';

export const TRIGGER = 'When clicking ‘Execute workflow’';
export const NODE = 'AvaTar';
export const LOADER = 'Load Fixture';
export const SDP_OFFER =
	'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n' +
	'm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=recvonly\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=recvonly\r\n';

type FixtureName = Parameters<typeof fixture>[0];

/**
 * Test-only node: puts a fixture into n8n's binary data store (filesystem mode) with
 * prepareBinaryData, as Read File would, so the node reads it back as a stream.
 */
export const loadFixtureNode: INodeType = {
	description: {
		displayName: 'Load Fixture (test)',
		name: 'loadFixture',
		group: ['input'],
		version: 1,
		description: 'Loads a test fixture as binary',
		defaults: { name: LOADER },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		properties: [
			{ displayName: 'Fixture', name: 'fixture', type: 'string', default: 'speech-16k-mono.wav' },
			{ displayName: 'MIME Type', name: 'mimeType', type: 'string', default: 'audio/wav' },
			{ displayName: 'Property', name: 'property', type: 'string', default: 'data' },
		],
	},
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const out: INodeExecutionData[] = [];
		for (let i = 0; i < items.length; i++) {
			const name = this.getNodeParameter('fixture', i) as FixtureName;
			const mimeType = this.getNodeParameter('mimeType', i) as string;
			const property = this.getNodeParameter('property', i) as string;
			const binary = await this.helpers.prepareBinaryData(fixture(name), name, mimeType);
			out.push({ json: items[i].json, binary: { [property]: binary }, pairedItem: { item: i } });
		}
		return [out];
	},
};

/** Manual Trigger -> (Load Fixture ->) AvaTar. */
export function workflow(parameters: INodeParameters, extras: { loader?: IDataObject; onError?: 'continueRegularOutput' } = {}): WorkflowJson {
	const nodes: WorkflowJson['nodes'] = [
		{ id: 't', name: TRIGGER, type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
		{
			id: 'n',
			name: NODE,
			type: 'n8n-nodes-talking-avatars.avaTar',
			typeVersion: 1,
			position: [440, 0],
			parameters,
			credentials: { avaTarApi: { id: 'cred-avatar', name: 'AvaTar account' } },
			...(extras.onError ? { onError: extras.onError } : {}),
		},
	];
	const connections: WorkflowJson['connections'] = {};
	if (extras.loader) {
		nodes.push({ id: 'l', name: LOADER, type: 'test.loadFixture', typeVersion: 1, position: [220, 0], parameters: extras.loader as INodeParameters });
		connections[TRIGGER] = { main: [[{ node: LOADER, type: NodeConnectionTypes.Main, index: 0 }]] };
		connections[LOADER] = { main: [[{ node: NODE, type: NodeConnectionTypes.Main, index: 0 }]] };
	} else {
		connections[TRIGGER] = { main: [[{ node: NODE, type: NodeConnectionTypes.Main, index: 0 }]] };
	}
	return { nodes, connections };
}

export interface RunAvaTar {
	apiKey?: string;
	baseUrl?: string;
	wsUrl?: string;
	items?: INodeExecutionData[];
	loader?: IDataObject;
	onError?: 'continueRegularOutput';
	signal?: AbortSignal;
}

/** Runs one AvaTar node (one attempt per request unless the test says otherwise). */
export async function runAvaTar(emulator: Emulator, parameters: INodeParameters, options: RunAvaTar = {}): Promise<RunResult> {
	return await runWorkflow(workflow({ requestSettings: { maxAttempts: 1 }, ...parameters }, { loader: options.loader, onError: options.onError }), {
		credentials: {
			avaTarApi: {
				baseUrl: options.baseUrl ?? emulator.urls.avaTar,
				wsUrl: options.wsUrl ?? emulator.urls.avaTarWs,
				apiKey: options.apiKey ?? '',
			},
		},
		inputItems: options.items,
		nodeTypes: { 'test.loadFixture': loadFixtureNode },
		signal: options.signal,
	});
}

/** A new session created through the node; returns its id. */
export async function newSession(emulator: Emulator, apiKey?: string): Promise<string> {
	const result = await runAvaTar(emulator, { resource: 'session', operation: 'create' }, { apiKey });
	expect(result.error).toBeUndefined();
	return result.json(NODE)[0].session_id as string;
}



/** An inline binary item (as a webhook or Code node would give it). */
export function binaryItem(name: FixtureName, mimeType: string, property = 'data'): INodeExecutionData {
	return { json: {}, binary: { [property]: { data: fixture(name).toString('base64'), mimeType, fileName: name } } };
}

/** Fresh emulator state for each test: no faults, no key, default knobs, roomy rate limits. */
export function resetAvaTar(emulator: Emulator, state: AvaTarState): void {
	emulator.clearLog();
	emulator.clearFaults();
	for (const key of Object.keys(emulator.settings)) delete emulator.settings[key];
	// The documented limits (10 sessions a minute...) would trip over a test file's own setup;
	// tests of the 429 path set their own.
	emulator.settings.avaTarRateLimits = { sessionCreation: 1000, speak: 1000, chat: 1000 };
	delete (emulator.keys as { avaTar?: string }).avaTar;
	state.wsLog.length = 0;
	state.committedAudio.length = 0;
	state.rate.clear();
	state.sessions.clear();
}
