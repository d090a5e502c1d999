/** Workflow-building blocks the benchmarks share (node JSON as n8n 2.41 exports it). */
import type { INode, IConnections } from 'n8n-workflow';

import type { WorkflowFixture } from '../e2e/n8nRunner';

export const START = 'Start';

export const manualTrigger: INode = {
	id: 'w0',
	name: START,
	type: 'n8n-nodes-base.manualTrigger',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

/**
 * "Make N items": a Set node with `index = [0..N-1]`, then Split Out, so the workflow needs
 * neither a Code node (task runners are off in the benchmark) nor pinned data.
 */
export function itemNodes(count: number): { nodes: INode[]; first: string; last: string } {
	return {
		first: 'Make List',
		last: 'One Item Each',
		nodes: [
			{
				id: 'w1',
				name: 'Make List',
				type: 'n8n-nodes-base.set',
				typeVersion: 3.4,
				position: [200, 0],
				parameters: {
					mode: 'manual',
					assignments: {
						assignments: [{ id: 'a1', name: 'index', value: `={{ [...Array(${count}).keys()] }}`, type: 'array' }],
					},
					options: {},
				},
			},
			{
				id: 'w2',
				name: 'One Item Each',
				type: 'n8n-nodes-base.splitOut',
				typeVersion: 1,
				position: [400, 0],
				parameters: { fieldToSplitOut: 'index', options: {} },
			},
		],
	};
}

/** Connects `from` output `output` to `to`. */
export function connect(connections: IConnections, from: string, to: string, output = 0): void {
	const outputs = (connections[from] ??= { main: [] }).main;
	while (outputs.length <= output) outputs.push([]);
	(outputs[output] ??= []).push({ node: to, type: 'main', index: 0 });
}

/** Start -> Make List -> One Item Each -> the given chain (first node gets the items). */
export function batchWorkflow(id: string, name: string, count: number, chain: INode[]): WorkflowFixture {
	const items = itemNodes(count);
	const connections: IConnections = {};
	connect(connections, START, items.first);
	connect(connections, items.first, items.last);
	if (chain.length) connect(connections, items.last, chain[0].name);
	for (let i = 1; i < chain.length; i++) connect(connections, chain[i - 1].name, chain[i].name);
	return { id, name, nodes: [manualTrigger, ...items.nodes, ...chain], connections };
}
