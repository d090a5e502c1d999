/**
 * A small stand-in for n8n's production webhook path (packages/cli/src/webhooks/live-webhooks.ts
 * and webhook-helpers.ts), enough to run the MultiTalk Trigger's real `webhook()` in process
 * through n8n-core's real WebhookContext:
 * - every request loads the workflow and its static data afresh from the "database" (a JSON
 *   copy), as live webhooks do, and saves the static data back when the node changed it;
 * - the request body is left unread for the node when its `options.binaryData` is set (n8n's
 *   rule for version-1 webhook nodes), otherwise parsed as n8n's body parser does (422 on bad JSON);
 * - `workflowData` starts an execution: the workflow runs through the harness (trigger items
 *   passed on to the next nodes), and the caller gets n8n's `{"message":"Workflow was started"}`
 *   unless the node answered itself (`noWebhookResponse`);
 * - `restart()` forgets everything held in memory, as a new n8n process would.
 * The real n8n is exercised by test/e2e/multitalk-trigger.test.ts.
 */
import { once } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { HookContext, WebhookContext } from 'n8n-core';
import type {
	IDataObject,
	INode,
	INodeExecutionData,
	IWebhookData,
	IWebhookResponseData,
	IWorkflowExecuteAdditionalData,
	WorkflowActivateMode,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { NodeConnectionTypes, Workflow } from 'n8n-workflow';

import type { RunResult, WorkflowJson } from '../../harness';
import { getRuntime, runWorkflow } from '../../harness';
import { HarnessCredentialsHelper } from '../../harness/credentials';
import { HarnessCredentialTypes, HarnessNodeTypes, STAND_INS, loadPackageTypes } from '../../harness/types';
import { forgetProcessState } from '../../../nodes/MultiTalk/trigger/delivery';

export interface HostCall {
	status: number;
	body: string;
	/** ms from the request's start to the answer's end. */
	answeredAfterMs: number;
}

export interface HostExecution {
	items: INodeExecutionData[];
	run: RunResult;
}

interface HostOptions {
	workflow: WorkflowJson;
	triggerName: string;
	credentials: Record<string, IDataObject>;
	mode?: WorkflowExecuteMode;
}

export class WebhookHost {
	readonly calls: HostCall[] = [];
	readonly executions: HostExecution[] = [];
	/** The static data as stored in the "database" (JSON). */
	storedStaticData = '{}';
	private server!: Server;
	url = '';
	private readonly pending = new Set<Promise<unknown>>();

	constructor(private readonly options: HostOptions) {}

	async start(): Promise<this> {
		await getRuntime();
		this.server = createServer((req, res) => {
			const done = this.handle(req, res).catch((error: Error) => {
				if (!res.headersSent) {
					res.writeHead(500, { 'content-type': 'application/json' });
					res.end(JSON.stringify({ message: 'Error in workflow', detail: error.message }));
				}
			});
			this.pending.add(done);
			void done.finally(() => this.pending.delete(done));
		});
		this.server.listen(0, '127.0.0.1');
		await once(this.server, 'listening');
		this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
		return this;
	}

	/** The trigger's production URL (what a user pastes into Submit's Webhook URL). */
	get webhookUrl(): string {
		return `${this.url}/webhook/${this.trigger.webhookId ?? 'hook-id'}/webhook`;
	}

	get staticData(): IDataObject {
		return JSON.parse(this.storedStaticData) as IDataObject;
	}

	/** Waits until every request handled so far (and the executions it started) is finished. */
	async idle(): Promise<void> {
		while (this.pending.size) await Promise.allSettled([...this.pending]);
	}

	/** A new n8n process: nothing in memory survives, the database does. */
	restart(): void {
		forgetProcessState();
	}

	async close(): Promise<void> {
		await this.idle();
		this.server.closeAllConnections();
		await new Promise((resolve) => this.server.close(resolve));
	}

	private get trigger(): INode {
		const node = this.options.workflow.nodes.find((n) => n.name === this.options.triggerName);
		if (!node) throw new Error(`No node ${this.options.triggerName}`);
		return node;
	}

	private additionalData(): IWorkflowExecuteAdditionalData {
		const types = loadPackageTypes();
		const credentialsHelper = new HarnessCredentialsHelper(new HarnessCredentialTypes(types.credentials), structuredClone(this.options.credentials) as never);
		return {
			credentialsHelper,
			webhookBaseUrl: `${this.url}/webhook`,
			webhookTestBaseUrl: `${this.url}/webhook-test`,
			webhookWaitingBaseUrl: `${this.url}/webhook-waiting`,
			instanceBaseUrl: `${this.url}/`,
			restApiUrl: `${this.url}/rest`,
			formWaitingBaseUrl: `${this.url}/form-waiting`,
			variables: {},
			currentNodeExecutionIndex: 0,
		} as unknown as IWorkflowExecuteAdditionalData;
	}

	/** Loads the workflow as a webhook request does: nodes and the stored static data. */
	private loadWorkflow(): Workflow {
		const types = loadPackageTypes();
		return new Workflow({
			id: this.options.workflow.id ?? 'wf-multitalk-trigger',
			name: this.options.workflow.name ?? 'MultiTalk trigger test',
			nodes: structuredClone(this.options.workflow.nodes),
			connections: structuredClone(this.options.workflow.connections),
			active: true,
			nodeTypes: new HarnessNodeTypes({ ...STAND_INS, ...types.nodes }),
			staticData: JSON.parse(this.storedStaticData) as IDataObject,
		});
	}

	private saveStaticData(workflow: Workflow): void {
		if ((workflow.staticData as IDataObject).__dataChanged === true) {
			this.storedStaticData = JSON.stringify(workflow.staticData);
			(workflow.staticData as IDataObject).__dataChanged = false;
		}
	}

	private webhookData(workflow: Workflow, additionalData: IWorkflowExecuteAdditionalData): IWebhookData {
		const node = workflow.getNode(this.options.triggerName) as INode;
		const type = loadPackageTypes().nodes[node.type] as { description: { webhooks: IWebhookData['webhookDescription'][] } };
		return {
			httpMethod: 'POST',
			node: node.name,
			path: `${node.webhookId}/webhook`,
			webhookDescription: type.description.webhooks[0],
			workflowId: String(workflow.id),
			workflowExecuteAdditionalData: additionalData,
			webhookId: node.webhookId,
		};
	}

	/** Runs one webhookMethods lifecycle method (activation), saving static data like n8n. */
	async lifecycle(method: 'checkExists' | 'create' | 'delete', activation: WorkflowActivateMode = 'activate'): Promise<boolean> {
		const workflow = this.loadWorkflow();
		const additionalData = this.additionalData();
		const node = workflow.getNode(this.options.triggerName) as INode;
		const ctx = new HookContext(workflow, node, additionalData, 'trigger', activation, this.webhookData(workflow, additionalData));
		const type = loadPackageTypes().nodes[node.type] as unknown as {
			webhookMethods: { default: Record<string, (this: HookContext) => Promise<boolean>> };
		};
		const result = await type.webhookMethods.default[method].call(ctx);
		this.saveStaticData(workflow);
		return result;
	}

	private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const started = Date.now();
		const url = new URL(req.url ?? '/', this.url);
		const finish = (status: number, body: unknown) => {
			const text = typeof body === 'string' ? body : JSON.stringify(body);
			if (!res.headersSent) {
				(res as { sentBody?: string }).sentBody = text;
				res.writeHead(status, { 'content-type': 'application/json' });
				res.end(text);
			}
		};
		res.on('finish', () => this.calls.push({ status: res.statusCode, body: (res as { sentBody?: string }).sentBody ?? '', answeredAfterMs: Date.now() - started }));
		if (req.method !== 'POST' || url.pathname !== new URL(this.webhookUrl).pathname) return finish(404, { message: 'webhook not registered' });

		const workflow = this.loadWorkflow();
		const node = workflow.getNode(this.options.triggerName) as INode;
		const expressReq = req as IncomingMessage & {
			query: Record<string, string>;
			params: Record<string, string>;
			body?: unknown;
			rawBody?: Buffer;
			readRawBody: () => Promise<void>;
			contentType?: string;
		};
		expressReq.query = Object.fromEntries(url.searchParams);
		expressReq.params = {};
		expressReq.readRawBody = async () => {
			if (expressReq.rawBody) return;
			const chunks: Buffer[] = [];
			for await (const chunk of req) chunks.push(chunk as Buffer);
			expressReq.rawBody = Buffer.concat(chunks);
		};
		// n8n's rule: version-1 webhook nodes with options.binaryData get the body unread
		const binaryData = (node.parameters.options as IDataObject | undefined)?.binaryData === true;
		if (!binaryData) {
			await expressReq.readRawBody();
			const contentType = String(req.headers['content-type'] ?? '').split(';')[0];
			if (contentType === 'application/json' && expressReq.rawBody?.length) {
				try {
					expressReq.body = JSON.parse(expressReq.rawBody.toString('utf8'));
				} catch {
					return finish(422, { message: 'Failed to parse request body' });
				}
			} else expressReq.body = expressReq.rawBody?.toString('utf8');
		}
		const expressRes = res as ServerResponse & { status(code: number): unknown; json(body: unknown): unknown; sentBody?: string };
		expressRes.status = (code: number) => {
			res.statusCode = code;
			return expressRes;
		};
		expressRes.json = (body: unknown) => {
			const text = JSON.stringify(body);
			expressRes.sentBody = text;
			res.setHeader('content-type', 'application/json');
			res.end(text);
			return expressRes;
		};

		const additionalData = this.additionalData();
		(additionalData as { httpRequest?: unknown }).httpRequest = expressReq;
		(additionalData as { httpResponse?: unknown }).httpResponse = expressRes;
		const mode = this.options.mode ?? 'webhook';
		const ctx = new WebhookContext(workflow, node, additionalData, mode, this.webhookData(workflow, additionalData), [], null);
		const type = loadPackageTypes().nodes[node.type] as unknown as { webhook: (this: WebhookContext) => Promise<IWebhookResponseData> };

		let result: IWebhookResponseData;
		try {
			result = await type.webhook.call(ctx);
		} catch (error) {
			return finish(500, { message: 'Error in workflow', detail: (error as Error).message });
		}
		// n8n answers a node that took over the response right away, and saves static data then
		if (result.noWebhookResponse) this.saveStaticData(workflow);
		if (result.workflowData === undefined) {
			this.saveStaticData(workflow);
			return finish(200, result.webhookResponse ?? { message: 'Webhook call received' });
		}
		const items = result.workflowData[0] ?? [];
		const run = runWorkflow(this.options.workflow, {
			credentials: this.options.credentials as never,
			startNode: this.options.triggerName,
			inputItems: items,
		});
		if (!result.noWebhookResponse) {
			this.saveStaticData(workflow);
			finish(200, { message: 'Workflow was started' });
		}
		this.executions.push({ items, run: await run });
	}
}

/** MultiTalk Trigger -> No Operation, with a fixed webhook id. */
export function triggerWorkflow(parameters: IDataObject): WorkflowJson {
	return {
		id: 'wf-trigger',
		name: 'MultiTalk trigger test',
		nodes: [
			{
				id: 'trigger-node',
				name: 'MultiTalk Trigger',
				type: 'n8n-nodes-talking-avatars.multiTalkTrigger',
				typeVersion: 1,
				position: [0, 0],
				webhookId: 'b7d3c0de-0000-4000-8000-000000000001',
				parameters: parameters as INode['parameters'],
				credentials: { multiTalkApi: { id: 'cred-multitalk', name: 'MultiTalk account' } },
			},
			{ id: 'noop', name: 'Next', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [220, 0], parameters: {} },
		],
		connections: { 'MultiTalk Trigger': { main: [[{ node: 'Next', type: NodeConnectionTypes.Main, index: 0 }]] } },
	};
}
