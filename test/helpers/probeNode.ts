import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import type { ApiRequest } from '../../nodes/shared/http';
import { parseMultiTalkError } from '../../nodes/MultiTalk/transport';
import type { Provider } from '../../nodes/shared/provider';
import { normaliseBaseUrl } from '../../nodes/shared/provider';
import type { OperationContext } from '../../nodes/shared/router';
import { route } from '../../nodes/shared/router';

/** A provider on the MultiTalk credential (Bearer key + base URL) for transport tests. */
export const probeProvider: Provider = {
	name: 'Probe',
	credentialType: 'multiTalkApi',
	baseUrl: (credentials) => normaliseBaseUrl(credentials.baseUrl),
	parseError: parseMultiTalkError,
};

export interface ProbeSpec extends Omit<ApiRequest, 'itemIndex' | 'signal'> {
	download?: { fileName: string; mimeType: string };
}

/**
 * A test-only node that sends whatever request its `spec` parameter describes through the
 * shared transport, inside the real engine, so tests exercise exactly what operations use.
 */
export class ProbeNode implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Transport Probe',
		name: 'probe',
		group: ['transform'],
		version: 1,
		description: 'Sends one request through nodes/shared/http.ts (tests only)',
		defaults: { name: 'Probe' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		credentials: [{ name: 'multiTalkApi', required: true }],
		properties: [
			{ displayName: 'Resource', name: 'resource', type: 'options', options: [{ name: 'Probe', value: 'probe' }], default: 'probe' },
			{ displayName: 'Operation', name: 'operation', type: 'options', options: [{ name: 'Send', value: 'send' }], default: 'send' },
			{ displayName: 'Spec', name: 'spec', type: 'json', default: '{}' },
			{ displayName: 'Concurrency', name: 'concurrency', type: 'number', default: 1 },
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await route.call(this, {
			probe: {
				send: {
					description: [],
					concurrency(this: IExecuteFunctions) {
						return this.getNodeParameter('concurrency', 0) as number;
					},
					parse(this: IExecuteFunctions, itemIndex: number) {
						const raw = this.getNodeParameter('spec', itemIndex) as string | IDataObject;
						return (typeof raw === 'string' ? JSON.parse(raw) : raw) as ProbeSpec;
					},
					async execute(this: IExecuteFunctions, op: OperationContext<ProbeSpec>) {
						const spec = op.input;
						if (spec.download) {
							const { binary, bytes } = await op.download(probeProvider, spec, spec.download);
							return { json: { bytes: bytes ?? null }, binary: { data: binary } };
						}
						const response = await op.request<IDataObject>(probeProvider, spec);
						return { json: { statusCode: response.statusCode, body: response.body } };
					},
				},
			},
		});
	}
}

export const PROBE_TYPE = 'test.probe';

/** A one-node workflow (plus trigger) running the probe with the given spec. */
export function probeWorkflow(spec: ProbeSpec, options: { concurrency?: number; continueOnFail?: boolean } = {}) {
	return {
		nodes: [
			{ id: 't', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0] as [number, number], parameters: {} },
			{
				id: 'p',
				name: 'Probe',
				type: PROBE_TYPE,
				typeVersion: 1,
				position: [200, 0] as [number, number],
				parameters: { spec: JSON.stringify(spec), concurrency: options.concurrency ?? 1, resource: 'probe', operation: 'send' },
				...(options.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
			},
		],
		connections: { Start: { main: [[{ node: 'Probe', type: NodeConnectionTypes.Main, index: 0 }]] } },
	};
}
