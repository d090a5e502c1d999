/**
 * Runs whole workflow JSON through n8n-core's real engine (`WorkflowExecute`), in process,
 * the way n8n's own node-test-harness does, but with real credentials handling, a real
 * filesystem binary store and n8n's cancellation path. Also tests credentials the way
 * n8n's CredentialsTester does (a temporary declarative node run by `RoutingNode`).
 */
import { setTimeout as delay } from 'node:timers/promises';

import { ExecuteContext, ExecutionLifecycleHooks, LoadOptionsContext, RoutingNode, WorkflowExecute } from 'n8n-core';
import type {
	ExecutionStatus,
	IBinaryData,
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	IConnections,
	IDataObject,
	INode,
	INodeListSearchResult,
	INodeParameters,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IPinData,
	IRun,
	IRunData,
	IVersionedNodeType,
	IWorkflowBase,
	IWorkflowExecuteAdditionalData,
	IWorkflowSettings,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { NodeConnectionTypes, Workflow, createRunExecutionData } from 'n8n-workflow';

import type { CredentialStore } from './credentials';
import { HarnessCredentialsHelper } from './credentials';
import { getRuntime } from './runtime';
import { HarnessCredentialTypes, HarnessNodeTypes, STAND_INS, loadPackageTypes, testNodeDescription } from './types';

export interface WorkflowJson {
	id?: string;
	name?: string;
	nodes: INode[];
	connections: IConnections;
	settings?: IWorkflowSettings;
	pinData?: IPinData;
}

export interface RunOptions {
	/** Credential data by credential type name, e.g. `{ multiTalkApi: { apiKey, baseUrl } }`. */
	credentials?: CredentialStore;
	/**
	 * A credential store the run reads and writes in place (instead of a copy of `credentials`):
	 * what a credential saves during a run (a renewed token) is there for the next run, as in n8n's database.
	 */
	credentialStore?: CredentialStore;
	/**
	 * Items the start node receives, so a trigger start node emits them (as when a webhook or
	 * trigger fires). Default: one empty item, like `n8n execute`.
	 */
	inputItems?: INodeExecutionData[];
	/** Name of the node to start from. Default: n8n's own choice (`workflow.getStartNode()`). */
	startNode?: string;
	/**
	 * Execution mode. Default `cli`, what `n8n execute` uses (trigger start nodes pass their input
	 * on). With `manual` a trigger start node runs its own `trigger()` and ignores `inputItems`.
	 */
	mode?: WorkflowExecuteMode;
	/** Aborting it stops the execution the way the Stop button does. */
	signal?: AbortSignal;
	/** After a cancel, how long to wait for the running node to give up (default 5000 ms). */
	cancelGraceMs?: number;
	/** Extra node types for this run (test-only nodes), by full type name. */
	nodeTypes?: Record<string, INodeType | IVersionedNodeType>;
	/** Pin data, as in the workflow JSON's `pinData`. */
	pinData?: IPinData;
}

export interface RunError {
	name: string;
	message: string;
	description?: string | null;
	httpCode?: string | null;
	itemIndex?: number;
	/** Node the error came from, when a node failed. */
	nodeName?: string;
	/** What the node threw (a NodeApiError / NodeOperationError instance), else what n8n stored. */
	error: unknown;
	/** The plain-object copy n8n keeps in the run data (what the UI and `n8n execute` show). */
	stored: unknown;
}

export interface RunResult {
	/** As n8n reports it; `canceled` whenever the run was stopped through the signal. */
	status: ExecutionStatus;
	/** What the engine itself finished with (after a cancel it may say `error`). */
	engineStatus: ExecutionStatus;
	/** False only when a cancelled run did not finish within `cancelGraceMs`. */
	settled: boolean;
	cancelled: boolean;
	run: IRun;
	/** Per-node task data (`run.data.resultData.runData`). */
	runData: IRunData;
	/** Node names in the order they finished. */
	executedNodes: string[];
	/** First main output of each node's last run. */
	outputs: Record<string, INodeExecutionData[]>;
	/** Items of one node output (default: output 0 of the last run). */
	items(nodeName: string, options?: { output?: number; runIndex?: number }): INodeExecutionData[];
	/** `json` of those items. */
	json(nodeName: string, options?: { output?: number; runIndex?: number }): IDataObject[];
	error?: RunError;
	/** The bytes of a binary property from the output (filesystem-stored or inline). */
	readBinary(binary: IBinaryData): Promise<Buffer>;
}

let executionCounter = 0;

function baseAdditionalData(
	credentialsHelper: HarnessCredentialsHelper,
	extra: Partial<IWorkflowExecuteAdditionalData>,
): IWorkflowExecuteAdditionalData {
	const base = 'http://127.0.0.1:5678';
	const unsupported = (what: string) => async () => {
		throw new Error(`${what} is not supported by the in-process harness`);
	};
	return {
		credentialsHelper,
		executeWorkflow: unsupported('Executing sub-workflows'),
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		startRunnerTask: unsupported('The Code node task runner'),
		currentNodeExecutionIndex: 0,
		restApiUrl: `${base}/rest`,
		instanceBaseUrl: `${base}/`,
		formBaseUrl: `${base}/form`,
		formWaitingBaseUrl: `${base}/form-waiting`,
		formTestBaseUrl: `${base}/form-test`,
		webhookBaseUrl: `${base}/webhook`,
		webhookWaitingBaseUrl: `${base}/webhook-waiting`,
		webhookTestBaseUrl: `${base}/webhook-test`,
		mcpBaseUrl: `${base}/mcp`,
		mcpTestBaseUrl: `${base}/mcp-test`,
		variables: {},
		logAiEvent: () => undefined,
		userId: 'harness-user',
		...extra,
	} as IWorkflowExecuteAdditionalData;
}

function describeError(stored: unknown, nodeName?: string, thrown?: unknown): RunError {
	const error = thrown ?? stored;
	const e = (error ?? {}) as {
		name?: string;
		message?: string;
		description?: string | null;
		httpCode?: string | null;
		context?: { itemIndex?: number };
		node?: { name?: string };
	};
	return {
		name: e.name ?? 'Error',
		message: e.message ?? String(error),
		description: e.description,
		httpCode: e.httpCode,
		itemIndex: e.context?.itemIndex,
		nodeName: nodeName ?? e.node?.name,
		error,
		stored,
	};
}

function findRunError(run: IRun, thrown: Map<string, unknown>): RunError | undefined {
	const { runData, error, lastNodeExecuted } = run.data.resultData;
	const nodeNames = [lastNodeExecuted, ...Object.keys(runData)].filter((n): n is string => !!n);
	for (const name of nodeNames) {
		const taskError = runData[name]?.at(-1)?.error;
		if (taskError && (error || run.status !== 'success')) return describeError(taskError, name, thrown.get(name));
	}
	return error ? describeError(error) : undefined;
}

/** Adds `{ id, name }` credential references a node type needs when the workflow JSON has none. */
function attachCredentials(nodes: INode[], nodeTypes: HarnessNodeTypes, store: CredentialStore): void {
	for (const node of nodes) {
		let description: INodeTypeDescription;
		try {
			description = nodeTypes.getByNameAndVersion(node.type, node.typeVersion).description;
		} catch {
			continue;
		}
		for (const { name } of description.credentials ?? []) {
			if (!store[name] || node.credentials?.[name]) continue;
			node.credentials = { ...node.credentials, [name]: { id: `harness-${name}`, name } };
		}
	}
}

function buildResult(
	run: IRun,
	cancelled: boolean,
	settled: boolean,
	executedNodes: string[],
	readBinary: RunResult['readBinary'],
	thrown: Map<string, unknown> = new Map(),
): RunResult {
	const runData = run.data.resultData.runData;
	const items: RunResult['items'] = (nodeName, options = {}) => {
		const tasks = runData[nodeName];
		if (!tasks?.length) return [];
		const task = tasks[options.runIndex ?? tasks.length - 1];
		return task?.data?.[NodeConnectionTypes.Main]?.[options.output ?? 0] ?? [];
	};
	const outputs: Record<string, INodeExecutionData[]> = {};
	for (const name of Object.keys(runData)) outputs[name] = items(name);
	return {
		status: cancelled ? 'canceled' : run.status,
		engineStatus: run.status,
		settled,
		cancelled,
		run,
		runData,
		executedNodes,
		outputs,
		items,
		json: (nodeName, options) => items(nodeName, options).map((item) => item.json),
		error: findRunError(run, thrown),
		readBinary,
	};
}

/** Runs a workflow (nodes + connections JSON) through n8n-core's WorkflowExecute. */
export async function runWorkflow(workflowJson: WorkflowJson, options: RunOptions = {}): Promise<RunResult> {
	const { binaryDataService } = await getRuntime();
	const packageTypes = loadPackageTypes();
	const thrown = new Map<string, unknown>();
	const nodeTypes = new HarnessNodeTypes({ ...STAND_INS, ...packageTypes.nodes, ...options.nodeTypes }, (name, error) =>
		thrown.set(name, error),
	);
	const store: CredentialStore = options.credentialStore ?? structuredClone(options.credentials ?? {});
	const credentialsHelper = new HarnessCredentialsHelper(new HarnessCredentialTypes(packageTypes.credentials), store);
	const readBinary = async (binary: IBinaryData) => await binaryDataService.getAsBuffer(binary);

	const mode = options.mode ?? 'cli';
	const executionId = String(++executionCounter);
	const workflowId = workflowJson.id ?? 'harness-workflow';
	const nodes = structuredClone(workflowJson.nodes);
	attachCredentials(nodes, nodeTypes, store);
	const workflow = new Workflow({
		id: workflowId,
		name: workflowJson.name ?? 'Harness workflow',
		nodes,
		connections: structuredClone(workflowJson.connections),
		active: false,
		nodeTypes,
		settings: workflowJson.settings ?? {},
		pinData: options.pinData ?? workflowJson.pinData,
	});

	const workflowData = {
		id: workflowId,
		name: workflow.name,
		active: false,
		nodes,
		connections: workflowJson.connections,
		settings: workflowJson.settings,
		createdAt: new Date(),
		updatedAt: new Date(),
	} as IWorkflowBase;
	const hooks = new ExecutionLifecycleHooks(mode, executionId, workflowData);
	const executedNodes: string[] = [];
	hooks.addHandler('nodeExecuteAfter', (nodeName) => {
		executedNodes.push(nodeName);
	});
	let runReportedByHook: IRun | undefined;
	hooks.addHandler('workflowExecuteAfter', (fullRunData) => {
		runReportedByHook ??= fullRunData;
	});

	const additionalData = baseAdditionalData(credentialsHelper, {
		hooks,
		executionId,
		workflowId,
		rootExecutionMode: mode,
	});

	const startNode = options.startNode ? workflow.getNode(options.startNode) : workflow.getStartNode();
	if (!startNode) throw new Error(`No start node found${options.startNode ? ` named "${options.startNode}"` : ''}`);
	const runExecutionData = createRunExecutionData({
		executionData: {
			nodeExecutionStack: [
				{ node: startNode, data: { main: [options.inputItems ?? [{ json: {} }]] }, source: null },
			],
		},
		resultData: { pinData: options.pinData ?? workflowJson.pinData },
	});

	const workflowExecute = new WorkflowExecute(additionalData, mode, runExecutionData);
	const startedAt = new Date();
	let execution: ReturnType<WorkflowExecute['processRunExecutionData']>;
	try {
		execution = workflowExecute.processRunExecutionData(workflow);
	} catch (error) {
		// Workflow issues (unknown parameters, missing credentials) fail before anything runs.
		const run: IRun = {
			data: createRunExecutionData({ resultData: { error: error as never, runData: {} } }),
			mode,
			startedAt,
			stoppedAt: new Date(),
			storedAt: 'db',
			status: 'error',
		};
		const result = buildResult(run, false, true, executedNodes, readBinary);
		result.error = describeError(error);
		return result;
	}

	// Like n8n's Stop button: cancel the PCancelable, which aborts the signal every node sees
	// as getExecutionCancelSignal(); then give the running node a grace period to give up.
	let cancelled = false;
	let graceOver!: () => void;
	const graceExpired = new Promise<undefined>((resolve) => {
		graceOver = () => resolve(undefined);
	});
	const onAbort = () => {
		if (cancelled) return;
		cancelled = true;
		execution.cancel();
		void delay(options.cancelGraceMs ?? 5000, undefined, { ref: false }).then(graceOver);
	};
	if (options.signal?.aborted) onAbort();
	else options.signal?.addEventListener('abort', onAbort, { once: true });

	try {
		const finished = await Promise.race([execution.then((run) => run), graceExpired]);
		const run = finished ?? runReportedByHook;
		if (!run) throw new Error('The execution neither finished nor reported a result');
		return buildResult(run, cancelled, finished !== undefined, executedNodes, readBinary, thrown);
	} finally {
		options.signal?.removeEventListener('abort', onAbort);
	}
}

export interface CredentialTestResult {
	status: 'OK' | 'Error';
	message: string;
}

/**
 * Tests credential data the way n8n's "Test" button does for credentials with `test.request`:
 * a temporary declarative node whose request is the credential's test request, run by
 * n8n-core's RoutingNode (expressions in baseURL/url/qs resolved against `$credentials`,
 * `authenticate` applied, sent through n8n's HTTP client); any non-2xx answer fails.
 */
export async function testCredential(
	credentialTypeName: string,
	data: ICredentialDataDecryptedObject,
): Promise<CredentialTestResult> {
	await getRuntime();
	const packageTypes = loadPackageTypes();
	const credentialTypes = new HarnessCredentialTypes(packageTypes.credentials);
	const credentialType = credentialTypes.getByName(credentialTypeName);
	const testRequest: ICredentialTestRequest | undefined = credentialType.test;
	if (!testRequest) return { status: 'Error', message: 'No testing function found for this credential.' };

	const store: CredentialStore = { [credentialTypeName]: { ...data } };
	const credentialsHelper = new HarnessCredentialsHelper(credentialTypes, store);
	const credentialsDecrypted = {
		id: 'harness-credential',
		name: credentialTypeName,
		type: credentialTypeName,
		data: credentialsHelper.withDefaults(credentialTypeName, data),
	};

	const tempType: INodeType = {
		description: testNodeDescription('Credential test', 'harness.credentialTest', {
			credentials: [{ name: credentialTypeName, required: true }],
			properties: [
				{ displayName: 'Temp', name: 'temp', type: 'string', routing: { request: testRequest.request }, default: '' },
			],
		}),
	};
	const node: INode = {
		id: 'temp',
		name: 'Temp-Node',
		type: tempType.description.name,
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
		credentials: { [credentialTypeName]: { id: credentialsDecrypted.id, name: credentialsDecrypted.name } },
	};
	const workflow = new Workflow({
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes: new HarnessNodeTypes({ [tempType.description.name]: tempType }),
	});
	const additionalData = baseAdditionalData(credentialsHelper, {});
	const context = new ExecuteContext(
		workflow,
		node,
		additionalData,
		'internal',
		createRunExecutionData({ resultData: { runData: {} } }),
		0,
		[],
		{ main: [[{ json: {} }]] },
		{ node, data: {}, source: null },
		[],
	);

	let response: INodeExecutionData[][] | null | undefined;
	try {
		response = await new RoutingNode(context, tempType, credentialsDecrypted).runNode();
	} catch (caught) {
		const error = caught as {
			message?: string;
			httpCode?: string | null;
			cause?: { code?: string; response?: { status?: number; statusText?: string } };
		};
		const statusCode = error.cause?.response?.status ?? (error.httpCode ? Number(error.httpCode) : undefined);
		if (statusCode !== undefined && !Number.isNaN(statusCode)) {
			for (const rule of testRequest.rules ?? []) {
				if (rule.type === 'responseCode' && rule.properties.value === statusCode) {
					return { status: 'Error', message: rule.properties.message };
				}
			}
			if (statusCode < 200 || statusCode > 299) {
				return {
					status: 'Error',
					message: error.cause?.response?.statusText || `Received HTTP status code: ${statusCode}`,
				};
			}
		} else if (error.cause?.code) {
			return { status: 'Error', message: error.cause.code };
		}
		return { status: 'Error', message: String(error.message ?? caught) };
	}

	for (const rule of testRequest.rules ?? []) {
		if (rule.type !== 'responseSuccessBody') continue;
		const body = response?.[0]?.[0]?.json ?? {};
		const value = rule.properties.key.split('.').reduce<unknown>((obj, key) => (obj as IDataObject)?.[key], body);
		if (value === rule.properties.value) return { status: 'Error', message: rule.properties.message };
	}
	return { status: 'OK', message: 'Connection successful!' };
}

/**
 * Calls a node's `methods.listSearch[method]` the way the editor's resource-locator picker does:
 * n8n-core's LoadOptionsContext on a one-node workflow holding `parameters`, with the given
 * credential data.
 */
export async function listSearch(
	nodeTypeName: string,
	method: string,
	options: { credentials: CredentialStore; parameters?: INodeParameters; filter?: string; paginationToken?: string },
): Promise<INodeListSearchResult> {
	await getRuntime();
	const packageTypes = loadPackageTypes();
	const nodeTypes = new HarnessNodeTypes({ ...packageTypes.nodes });
	const nodeType = nodeTypes.getByNameAndVersion(nodeTypeName);
	const search = nodeType.methods?.listSearch?.[method];
	if (!search) throw new Error(`${nodeTypeName} has no listSearch method "${method}"`);
	const store: CredentialStore = structuredClone(options.credentials);
	const credentialsHelper = new HarnessCredentialsHelper(new HarnessCredentialTypes(packageTypes.credentials), store);
	const node: INode = {
		id: 'picker',
		name: 'Picker',
		type: nodeTypeName,
		typeVersion: 1,
		position: [0, 0],
		parameters: options.parameters ?? {},
		credentials: Object.fromEntries(Object.keys(store).map((name) => [name, { id: `harness-${name}`, name }])),
	};
	const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes });
	const context = new LoadOptionsContext(workflow, node, baseAdditionalData(credentialsHelper, {}), 'parameters');
	return await search.call(context, options.filter, options.paginationToken);
}
