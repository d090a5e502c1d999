/**
 * Small helpers for the MuseTalk and LiveTalking integration tests: one-node workflows, stand-ins
 * for the core nodes the example workflows use, and error assertions.
 */

import type {
	IExecuteFunctions,
	INodeCredentials,
	INodeExecutionData,
	INodeParameters,
	INodeType,
} from 'n8n-workflow';
import { NodeApiError, NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import type { RunResult, WorkflowJson } from '../../harness';

export const TRIGGER = 'When clicking ‘Execute workflow’';

/** Manual Trigger -> one node of this package. */
export function singleNode(
	type: 'museTalk' | 'liveTalking',
	parameters: INodeParameters,
	extras: { name?: string; onError?: 'continueRegularOutput' } = {},
): WorkflowJson {
	const name = extras.name ?? (type === 'museTalk' ? 'MuseTalk' : 'LiveTalking');
	const credentials: INodeCredentials =
		type === 'museTalk'
			? { museTalkApi: { id: 'cred-musetalk', name: 'MuseTalk account' } }
			: { liveTalkingApi: { id: 'cred-livetalking', name: 'LiveTalking account' } };
	return {
		nodes: [
			{ id: 't', name: TRIGGER, type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 'n',
				name,
				type: `n8n-nodes-talking-avatars.${type}`,
				typeVersion: 1,
				position: [220, 0],
				parameters,
				credentials,
				...(extras.onError ? { onError: extras.onError } : {}),
			},
		],
		connections: { [TRIGGER]: { main: [[{ node: name, type: NodeConnectionTypes.Main, index: 0 }]] } },
	};
}

/** The run failed with a NodeApiError (HTTP status `httpCode`, none for undefined); returns it. */
export function expectApiError(result: RunResult, httpCode: string | undefined): NodeApiError {
	expect(result.status).toBe('error');
	expect(result.error?.error).toBeInstanceOf(NodeApiError);
	if (httpCode === undefined) expect(result.error?.httpCode ?? undefined).toBeUndefined();
	else expect(result.error?.httpCode).toBe(httpCode);
	return result.error?.error as NodeApiError;
}

/** The run failed with a NodeOperationError (bad input); returns it. */
export function expectInputError(result: RunResult, message: string | RegExp): NodeOperationError {
	expect(result.status).toBe('error');
	expect(result.error?.error).toBeInstanceOf(NodeOperationError);
	expect(result.error?.error).not.toBeInstanceOf(NodeApiError);
	if (typeof message === 'string') expect(result.error?.message).toBe(message);
	else expect(result.error?.message).toMatch(message);
	return result.error?.error as NodeOperationError;
}

export { readWriteFileStandIn } from '../../helpers/workflows';

/** `n8n-nodes-base.wait` (time interval) for the harness: passes items on after a short pause. */
export const waitStandIn: INodeType = {
	description: {
		displayName: 'Wait (test stand-in)',
		name: 'wait',
		group: ['organization'],
		version: [1, 1.1],
		description: 'Waits, then continues',
		defaults: { name: 'Wait' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		properties: [
			{ displayName: 'Resume', name: 'resume', type: 'options', options: [{ name: 'After Time Interval', value: 'timeInterval' }], default: 'timeInterval' },
			{ displayName: 'Amount', name: 'amount', type: 'number', default: 1 },
			{ displayName: 'Unit', name: 'unit', type: 'options', options: [{ name: 'Seconds', value: 'seconds' }], default: 'seconds' },
		],
	},
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		await new Promise((resolve) => setTimeout(resolve, 10));
		return [this.getInputData()];
	},
};
