/**
 * AvatarTalk's two credentials, as n8n's editor and engine see them. The editor (n8n 2.41.1,
 * useNodeHelpers' credential issues) takes every credential of the node type whose
 * `displayOptions` match the node's parameters (n8n-workflow's NodeHelpers.displayParameter),
 * shows a selector for it, preselects one for it, and marks "Credentials for AvatarTalk are not
 * set" when it is `required` and empty; the engine (n8n-core's getCredentials) hands a node only a
 * credential whose `displayOptions` match. Checked here with those same n8n-workflow functions on
 * the node's description, for every resource and operation:
 * - AvatarTalk API: shown and required everywhere except Lightning pay-per-video;
 * - LiveKit API: shown and required only for Create LiveKit Session with tokens from it.
 * With the first release's declaration (both optional, both always shown) a new node showed the
 * LiveKit credential on every operation and nothing was required: these tests fail on it.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

import type { INode, INodeCredentialDescription, INodeParameters, INodeTypeDescription } from 'n8n-workflow';
import { NodeHelpers } from 'n8n-workflow';

import { AvatarTalk } from '../../../nodes/AvatarTalk/AvatarTalk.node';
import { OPERATIONS_WITHOUT_CREDENTIAL } from '../../../nodes/AvatarTalk/actions/lightning';

const description: INodeTypeDescription = new AvatarTalk().description;
const TYPE = 'n8n-nodes-talking-avatars.avatarTalk';

/** A node as the editor holds it: the given parameters, the rest at their defaults. */
function nodeWith(parameters: INodeParameters, credentials: INode['credentials'] = undefined): INode {
	const bare: INode = { id: 'x', name: 'AvatarTalk', type: TYPE, typeVersion: 1, position: [0, 0], parameters };
	const filled = NodeHelpers.getNodeParameters(description.properties, parameters, true, false, bare, description) ?? {};
	return { ...bare, parameters: filled, ...(credentials ? { credentials } : {}) };
}

const shown = (node: INode): INodeCredentialDescription[] =>
	(description.credentials ?? []).filter((c) => NodeHelpers.displayParameter(node.parameters, c, node, description));

/** The credential issues n8n's editor marks (its useNodeHelpers logic, for unset credentials). */
const unsetIssues = (node: INode): string[] => shown(node).filter((c) => c.required === true && !node.credentials?.[c.name]).map((c) => c.name);

const operations = (() => {
	const resource = description.properties.find((p) => p.name === 'resource')!;
	return (resource.options as Array<{ value: string }>).flatMap(({ value }) => {
		const operation = description.properties.find(
			(p) => p.name === 'operation' && (p.displayOptions?.show?.resource as string[] | undefined)?.includes(value),
		)!;
		return (operation.options as Array<{ value: string }>).map((o) => [value, o.value] as [string, string]);
	});
})();

const PAY_PER_VIDEO = ['decodeInvoice', 'generateVideo', 'getPayment', 'requestVideoFromAudio', 'requestVideoFromText', 'waitForPayment'];

describe('AvatarTalk credentials in the editor', () => {
	it('walks all 13 operations of the four resources', () => {
		expect(operations).toHaveLength(13);
		expect(new Set(operations.map(([r]) => r))).toEqual(new Set(['video', 'stream', 'liveKit', 'lightning']));
	});

	it.each(operations)('%s / %s: the credentials shown, and the ones the editor asks for', (resource, operation) => {
		const node = nodeWith({ resource, operation });
		const payPerVideo = resource === 'lightning' && PAY_PER_VIDEO.includes(operation);
		const liveKit = resource === 'liveKit' && operation === 'createSession';
		const expected = [...(payPerVideo ? [] : ['avatarTalkApi']), ...(liveKit ? ['liveKitApi'] : [])];
		expect(shown(node).map((c) => c.name)).toEqual(expected);
		// every credential shown is required: the editor marks it while it is empty
		expect(unsetIssues(node)).toEqual(expected);
		expect(unsetIssues(nodeWith({ resource, operation }, Object.fromEntries(expected.map((name) => [name, { id: '1', name }]))))).toEqual([]);
	});

	it('a node just added (Video > Generate Inference) shows only the AvatarTalk credential, and asks for it', () => {
		const added = nodeWith({});
		expect(added.parameters).toMatchObject({ resource: 'video', operation: 'generateInference' });
		expect(shown(added).map((c) => c.name)).toEqual(['avatarTalkApi']);
		expect(unsetIssues(added)).toEqual(['avatarTalkApi']);
	});

	it('Create LiveKit Session with "Enter Tokens" needs no LiveKit credential', () => {
		const manual = nodeWith({ resource: 'liveKit', operation: 'createSession', tokenSource: 'manual' });
		expect(shown(manual).map((c) => c.name)).toEqual(['avatarTalkApi']);
		// a workflow saved with defaults left out (as n8n saves them) gets the LiveKit credential
		const saved = nodeWith({ resource: 'liveKit' });
		expect(saved.parameters).toMatchObject({ operation: 'createSession', tokenSource: 'credential' });
		expect(shown(saved).map((c) => c.name)).toEqual(['avatarTalkApi', 'liveKitApi']);
	});

	it('an operation from an expression: the editor cannot tell, so it asks for the AvatarTalk credential (the node checks at run time)', () => {
		const node = nodeWith({ resource: 'lightning', operation: '={{ $json.operation }}' });
		expect(shown(node).map((c) => c.name)).toEqual(['avatarTalkApi']);
	});

	it('the pay-per-video operation values belong to Lightning only (the AvatarTalk credential is hidden by operation value)', () => {
		expect([...OPERATIONS_WITHOUT_CREDENTIAL].sort()).toEqual(PAY_PER_VIDEO);
		for (const value of PAY_PER_VIDEO) expect(operations.filter(([, op]) => op === value)).toEqual([['lightning', value]]);
	});
});

describe('example workflows carry exactly the credentials their AvatarTalk nodes show', () => {
	const examples = resolve(__dirname, '..', '..', '..', 'examples');
	const nodes = readdirSync(examples)
		.filter((f) => f.endsWith('.json'))
		.flatMap((file) => (JSON.parse(readFileSync(join(examples, file), 'utf8')) as { nodes: INode[] }).nodes.map((n) => [file, n] as [string, INode]))
		.filter(([, n]) => n.type === TYPE);

	it('has AvatarTalk nodes to check', () => expect(nodes.length).toBeGreaterThanOrEqual(5));

	it.each(nodes.map(([file, n]) => [`${file} · ${n.name}`, n] as [string, INode]))('%s', (_label, saved) => {
		const node = nodeWith(saved.parameters, saved.credentials);
		expect(Object.keys(saved.credentials ?? {}).sort()).toEqual(shown(node).map((c) => c.name).sort());
		expect(unsetIssues(node)).toEqual([]);
	});
});
