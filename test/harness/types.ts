/**
 * Node and credential types for the in-process harness: this package's own nodes and
 * credentials loaded from source (through ts-jest), under the names a user's install gives them
 * (`n8n-nodes-talking-avatars.<name>`), plus three tiny stand-ins for core nodes that example
 * workflows contain.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';

import type {
	ICredentialType,
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	INodeTypes,
	ITriggerFunctions,
	ITriggerResponse,
	IVersionedNodeType,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeHelpers } from 'n8n-workflow';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const PACKAGE_NAME = (require(path.join(REPO_ROOT, 'package.json')) as { name: string }).name;

/**
 * The description of a node type that only tests use (a transform with one main input and one
 * main output, no properties); `extra` adds to it or changes it.
 */
export function testNodeDescription(displayName: string, name: string, extra: Partial<INodeTypeDescription> = {}): INodeTypeDescription {
	return {
		displayName,
		name,
		group: ['transform'],
		version: 1,
		description: '',
		defaults: {},
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
		...extra,
	};
}

/** `n8n-nodes-base.manualTrigger`: emits one empty item in manual mode; otherwise passes its input on. */
class ManualTriggerStandIn implements INodeType {
	description: INodeType['description'] = {
		displayName: 'Manual Trigger (harness stand-in)',
		name: 'manualTrigger',
		group: ['trigger'],
		version: 1,
		description: 'Runs the flow on clicking a button in n8n',
		defaults: { name: 'When clicking ‘Execute workflow’' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	};

	async trigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
		const manualTriggerFunction = async () => {
			this.emit([this.helpers.returnJsonArray([{}])]);
		};
		return { manualTriggerFunction };
	}
}

/** `n8n-nodes-base.noOp`: returns its input unchanged. */
// eslint-disable-next-line @n8n/community-nodes/node-usable-as-tool -- a test stand-in, never a tool
class NoOpStandIn implements INodeType {
	description: INodeType['description'] = {
		displayName: 'No Operation (harness stand-in)',
		name: 'noOp',
		group: ['organization'],
		version: 1,
		description: 'No Operation',
		defaults: { name: 'No Operation, do nothing' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [this.getInputData()];
	}
}

/** `n8n-nodes-base.stickyNote`: never runs; only so that workflows with notes load. */
// eslint-disable-next-line @n8n/community-nodes/node-usable-as-tool -- a test stand-in, never a tool
class StickyNoteStandIn implements INodeType {
	description: INodeType['description'] = {
		displayName: 'Sticky Note (harness stand-in)',
		name: 'stickyNote',
		group: ['input'],
		version: [1, 2],
		description: 'Make your workflow easier to understand',
		defaults: { name: 'Sticky Note' },
		inputs: [],
		outputs: [],
		properties: [
			{ displayName: 'Content', name: 'content', type: 'string', default: '' },
			{ displayName: 'Height', name: 'height', type: 'number', default: 160 },
			{ displayName: 'Width', name: 'width', type: 'number', default: 240 },
			{ displayName: 'Color', name: 'color', type: 'number', default: 1 },
		],
	};
}

export const STAND_INS: Record<string, INodeType> = {
	'n8n-nodes-base.manualTrigger': new ManualTriggerStandIn(),
	'n8n-nodes-base.noOp': new NoOpStandIn(),
	'n8n-nodes-base.stickyNote': new StickyNoteStandIn(),
};

function filesUnder(dir: string, suffix: string): string[] {
	const found: string[] = [];
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) found.push(...filesUnder(full, suffix));
		else if (entry.name.endsWith(suffix)) found.push(full);
	}
	return found.sort();
}

/** Instances of every exported class in a module (node and credential files export one). */
function instancesOf(file: string): unknown[] {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const moduleExports = require(file) as Record<string, unknown>;
	return Object.values(moduleExports)
		.filter((value): value is new () => unknown => typeof value === 'function' && /^class\s/.test(String(value)))
		.map((Class) => new Class());
}

export interface PackageTypes {
	/** Full type name (`n8n-nodes-talking-avatars.multiTalk`) -> node type. */
	nodes: Record<string, INodeType | IVersionedNodeType>;
	/** Credential type name (`multiTalkApi`) -> credential type. */
	credentials: Record<string, ICredentialType>;
}

let loaded: PackageTypes | undefined;

/** Loads `nodes/**\/*.node.ts` and `credentials/*.credentials.ts` from source, once. */
export function loadPackageTypes(): PackageTypes {
	if (loaded) return loaded;
	const nodes: PackageTypes['nodes'] = {};
	for (const file of filesUnder(path.join(REPO_ROOT, 'nodes'), '.node.ts')) {
		for (const instance of instancesOf(file)) {
			const node = instance as INodeType | IVersionedNodeType;
			if (!node.description?.name) continue;
			nodes[`${PACKAGE_NAME}.${node.description.name}`] = node;
		}
	}
	const credentials: PackageTypes['credentials'] = {};
	for (const file of filesUnder(path.join(REPO_ROOT, 'credentials'), '.credentials.ts')) {
		for (const instance of instancesOf(file)) {
			const credential = instance as ICredentialType;
			if (credential.name && Array.isArray(credential.properties)) credentials[credential.name] = credential;
		}
	}
	loaded = { nodes, credentials };
	return loaded;
}

/** The `INodeTypes` n8n's engine asks for node types by name and version. */
export class HarnessNodeTypes implements INodeTypes {
	private readonly observed = new Map<INodeType, INodeType>();

	/**
	 * @param onNodeError sees the error object a node's `execute` throws. n8n 2.41 stores only a
	 * plain-object copy of it in the run data; this keeps the instance (for `instanceof`) without
	 * changing what the engine does.
	 */
	constructor(
		private readonly types: Record<string, INodeType | IVersionedNodeType>,
		private readonly onNodeError?: (nodeName: string, error: unknown) => void,
	) {}

	getByName(nodeType: string): INodeType | IVersionedNodeType {
		const type = this.types[nodeType];
		if (!type) {
			throw new Error(
				`Unknown node type "${nodeType}" (the harness knows: ${Object.keys(this.types).join(', ')})`,
			);
		}
		return type;
	}

	getByNameAndVersion(nodeType: string, version?: number): INodeType {
		const type = NodeHelpers.getVersionedNodeType(this.getByName(nodeType), version);
		const { onNodeError } = this;
		if (!onNodeError || typeof type.execute !== 'function') return type;
		let wrapped = this.observed.get(type);
		if (!wrapped) {
			const execute = type.execute;
			wrapped = Object.create(type, {
				execute: {
					value: async function (this: IExecuteFunctions) {
						try {
							return await execute.call(this);
						} catch (error) {
							onNodeError(this.getNode().name, error);
							// eslint-disable-next-line @n8n/community-nodes/require-node-api-error -- observe only: the engine must get the node's own error
							throw error;
						}
					},
				},
			}) as INodeType;
			this.observed.set(type, wrapped);
		}
		return wrapped;
	}

	getKnownTypes(): IDataObject {
		return {};
	}
}

/** Credential types by name, with n8n's `extends` chain. */
export class HarnessCredentialTypes {
	constructor(private readonly types: Record<string, ICredentialType>) {}

	recognizes(name: string): boolean {
		return name in this.types;
	}

	getByName(name: string): ICredentialType {
		const type = this.types[name];
		if (!type) throw new Error(`Unknown credential type "${name}"`);
		return type;
	}

	getParentTypes(name: string): string[] {
		const parents = this.types[name]?.extends ?? [];
		return parents.flatMap((parent) => [parent, ...this.getParentTypes(parent)]);
	}

	/** Own properties after the parents' (the child's win), as n8n merges them. */
	getProperties(name: string): ICredentialType['properties'] {
		const type = this.getByName(name);
		const merged: ICredentialType['properties'] = [];
		for (const parent of type.extends ?? []) NodeHelpers.mergeNodeProperties(merged, this.getProperties(parent));
		NodeHelpers.mergeNodeProperties(merged, type.properties);
		return merged;
	}
}
