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
import { NodeConnectionTypes } from 'n8n-workflow';

import type { WorkflowJson } from '../../harness';
export { expectApiError, expectInputError } from '../../helpers/assertions';

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
