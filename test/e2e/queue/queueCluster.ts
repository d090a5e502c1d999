/**
 * n8n in queue mode for tests and benchmarks: one main (`n8n start`, production webhooks off),
 * two webhook processes (`n8n webhook`, each on its own port) behind a test-side round-robin
 * proxy (what users put a load balancer for), and two workers (`n8n worker`), sharing Redis (the
 * job queue) and Postgres (workflows, executions, static data, binary data).
 *
 * Every cluster gets its own Postgres database and its own Bull key prefix in Redis, so runs
 * never see each other's data; stop() stops every process and drops the database.
 *
 * Addresses (defaults are the development and CI machines'):
 *   TA_POSTGRES_HOST (127.0.0.1)  TA_POSTGRES_PORT (5432)  TA_POSTGRES_USER (postgres)
 *   TA_POSTGRES_PASSWORD ('')     TA_REDIS_HOST (127.0.0.1)  TA_REDIS_PORT (6379)
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest } from 'node:http';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import path from 'node:path';

import type { CredentialFixture, N8nHome, WorkflowFixture } from '../n8nRunner';
import { createN8nHome, ensureBuilt, freePort, provisionN8n, runN8nCli, spawnN8n } from '../n8nRunner';
import { waitForPostWebhook } from '../../reliability-helpers/realN8n';

export interface QueueAddresses {
	postgres: { host: string; port: number; user: string; password: string };
	redis: { host: string; port: number };
}

export function queueAddresses(env: NodeJS.ProcessEnv = process.env): QueueAddresses {
	return {
		postgres: {
			host: env.TA_POSTGRES_HOST ?? '127.0.0.1',
			port: Number(env.TA_POSTGRES_PORT ?? 5432),
			user: env.TA_POSTGRES_USER ?? 'postgres',
			password: env.TA_POSTGRES_PASSWORD ?? '',
		},
		redis: { host: env.TA_REDIS_HOST ?? '127.0.0.1', port: Number(env.TA_REDIS_PORT ?? 6379) },
	};
}

/** Sends one command to Redis (RESP) and returns the first reply line. */
async function redisCommand(host: string, port: number, args: string[], timeoutMs = 3000): Promise<string> {
	return await new Promise((resolve, reject) => {
		const socket = connect({ host, port });
		let reply = '';
		const timer = setTimeout(() => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
		socket.once('error', (error) => {
			clearTimeout(timer);
			reject(error);
		});
		socket.on('data', (chunk) => {
			reply += chunk.toString('utf8');
			if (reply.includes('\r\n')) {
				clearTimeout(timer);
				socket.end();
				resolve(reply.split('\r\n')[0]);
			}
		});
		socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
	});
}

interface PgClient {
	connect(): Promise<void>;
	query(sql: string, params?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
	end(): Promise<void>;
}

/** The `pg` driver n8n itself ships (no dependency of this package). */
function pgClient(addresses: QueueAddresses, database: string): PgClient {
	const root = path.resolve(path.dirname(provisionN8n().n8nBin), '..', '..');
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { Client } = require(path.join(root, 'pg')) as { Client: new (config: object) => PgClient };
	const { host, port, user, password } = addresses.postgres;
	return new Client({ host, port, user, password, database, connectionTimeoutMillis: 3000 });
}

/**
 * Throws a message naming what is missing, and how to start it, when Postgres or Redis cannot be
 * reached.
 */
export async function checkQueueServices(addresses = queueAddresses()): Promise<void> {
	const problems: string[] = [];
	const { postgres, redis } = addresses;
	const client = pgClient(addresses, 'postgres');
	try {
		await client.connect();
		await client.query('SELECT 1');
	} catch (error) {
		problems.push(
			`PostgreSQL is not reachable at ${postgres.host}:${postgres.port} as user "${postgres.user}" (${(error as Error).message}).\n` +
				'  Start it (Debian): sudo apt-get install postgresql && sudo service postgresql start\n' +
				'  The suite needs a user that may create databases (local trust auth, or TA_POSTGRES_PASSWORD).\n' +
				'  Elsewhere: set TA_POSTGRES_HOST / TA_POSTGRES_PORT / TA_POSTGRES_USER / TA_POSTGRES_PASSWORD.',
		);
	} finally {
		await client.end().catch(() => undefined);
	}
	try {
		const pong = await redisCommand(redis.host, redis.port, ['PING']);
		if (!pong.includes('PONG')) throw new Error(`answered ${pong}`);
	} catch (error) {
		problems.push(
			`Redis is not reachable at ${redis.host}:${redis.port} (${(error as Error).message}).\n` +
				'  Start it (Debian): sudo apt-get install redis-server && sudo service redis-server start\n' +
				'  Elsewhere: set TA_REDIS_HOST / TA_REDIS_PORT.',
		);
	}
	if (problems.length) throw new Error(`The queue-mode suite cannot run:\n${problems.join('\n')}`);
}

export interface QueueProcess {
	role: 'main' | 'webhook' | 'worker';
	port?: number;
	child: ChildProcess;
	output(): string;
}

export interface QueueCluster {
	home: N8nHome;
	database: string;
	main: QueueProcess;
	webhooks: QueueProcess[];
	workers: QueueProcess[];
	/** The round-robin proxy in front of the webhook processes. */
	proxyUrl: string;
	/** Production URL of a webhook path through the proxy, or straight at webhook process `index`. */
	webhookUrl(webhookPath: string, index?: number): string;
	/** Main's base URL (editor, REST; its production webhooks are off). */
	mainUrl: string;
	/** Stops every n8n process (the database stays). */
	stopProcesses(): Promise<void>;
	/** Starts every process again on the same database and Redis prefix. */
	startProcesses(): Promise<void>;
	/** Runs SQL on the cluster's database. */
	sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
	/** Stops everything and drops the database. */
	stop(): Promise<void>;
}

const READY = {
	main: 'Editor is now accessible via',
	webhook: 'Webhook listener waiting for requests.',
	worker: 'n8n worker is now ready',
} as const;

async function stopChild(child: ChildProcess): Promise<void> {
	if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	const signal = (sig: NodeJS.Signals) => {
		try {
			process.kill(-(child.pid as number), sig);
		} catch {
			// already gone
		}
	};
	signal('SIGTERM');
	const timer = setTimeout(() => signal('SIGKILL'), 15_000);
	await exited;
	clearTimeout(timer);
	signal('SIGKILL'); // anything left in its group
}

function startProcess(home: N8nHome, role: QueueProcess['role'], env: NodeJS.ProcessEnv): QueueProcess {
	const args = role === 'main' ? ['start'] : role === 'webhook' ? ['webhook'] : ['worker', '--concurrency=10'];
	const child = spawnN8n(home, args, env);
	let output = '';
	child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
	child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
	return { role, port: env.N8N_PORT ? Number(env.N8N_PORT) : undefined, child, output: () => output };
}

async function waitReady(proc: QueueProcess, timeoutMs = 180_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!proc.output().includes(READY[proc.role])) {
		if (proc.child.exitCode !== null || proc.child.signalCode !== null || Date.now() > deadline) {
			throw new Error(
				`n8n ${proc.role} ${proc.child.exitCode !== null ? `exited (${proc.child.exitCode})` : 'did not get ready'}:\n` +
					proc.output().split('\n').slice(-40).join('\n'),
			);
		}
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

/** Round robin over `targets`, as a load balancer in front of the webhook processes would. */
async function startProxy(targets: () => number[]): Promise<{ server: Server; url: string }> {
	let next = 0;
	const server = createServer((req, res) => {
		const ports = targets();
		const port = ports[next++ % ports.length];
		const upstream = httpRequest(
			{ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers },
			(answer) => {
				res.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(res);
			},
		);
		upstream.once('error', (error) => {
			if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
			res.end(`proxy: ${error.message}`);
		});
		req.pipe(upstream);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as { port: number };
	return { server, url: `http://127.0.0.1:${port}` };
}

/**
 * A queue-mode n8n with this package installed, `credentials` and `workflows` imported and
 * `publish` published, every process ready (and the published webhooks live on both webhook
 * processes when `waitForWebhook` names a POST path).
 */
export async function startQueueCluster(
	options: {
		credentials?: CredentialFixture[];
		workflows?: WorkflowFixture[];
		publish?: string[];
		waitForWebhook?: string;
		env?: NodeJS.ProcessEnv;
		webhookProcesses?: number;
		workers?: number;
		/** Working directory of every n8n process (where relative Read/Write Files paths land). */
		cwd?: string;
	} = {},
): Promise<QueueCluster> {
	const addresses = queueAddresses();
	await checkQueueServices(addresses);
	provisionN8n();
	ensureBuilt();

	const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
	const database = `ta_queue_${runId}`;
	const admin = pgClient(addresses, 'postgres');
	await admin.connect();
	await admin.query(`CREATE DATABASE ${database}`);
	await admin.end();

	const { postgres, redis } = addresses;
	const sharedEnv: NodeJS.ProcessEnv = {
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: postgres.host,
		DB_POSTGRESDB_PORT: String(postgres.port),
		DB_POSTGRESDB_USER: postgres.user,
		DB_POSTGRESDB_PASSWORD: postgres.password,
		DB_POSTGRESDB_DATABASE: database,
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: redis.host,
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		QUEUE_BULL_PREFIX: `ta-${runId}`,
		N8N_ENCRYPTION_KEY: `ta-queue-${runId}`,
		OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
		...options.env,
	};
	let home: N8nHome | undefined;
	let prepared = false;
	try {
		// (createN8nHome removes its folder itself when an import fails)
		home = await createN8nHome({ credentials: options.credentials, workflows: options.workflows, env: sharedEnv, cwd: options.cwd });
		for (const id of options.publish ?? []) {
			const result = await runN8nCli(home, ['publish:workflow', `--id=${id}`]);
			if (result.code !== 0) throw new Error(`n8n publish:workflow --id=${id} failed:\n${result.stdout}${result.stderr}`);
		}
		prepared = true;
	} finally {
		if (!prepared) {
			await dropDatabase(addresses, database);
			await home?.cleanup();
		}
	}

	const mainPort = await freePort();
	const mainUrl = `http://127.0.0.1:${mainPort}`;
	const webhookPorts: number[] = [];
	for (let i = 0; i < (options.webhookProcesses ?? 2); i++) webhookPorts.push(await freePort());
	const proxy = await startProxy(() => webhookPorts);

	let main!: QueueProcess;
	let webhooks: QueueProcess[] = [];
	let workers: QueueProcess[] = [];

	const startProcesses = async () => {
		// webhook and resume URLs point at the proxy, as they would at the load balancer
		const urls = { WEBHOOK_URL: `${proxy.url}/`, N8N_EDITOR_BASE_URL: `${mainUrl}/` };
		main = startProcess(home, 'main', {
			...urls,
			N8N_PORT: String(mainPort),
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_DISABLE_PRODUCTION_MAIN_PROCESS: 'true',
			N8N_RUNNERS_BROKER_PORT: String(await freePort()),
		});
		await waitReady(main);
		webhooks = [];
		for (const port of webhookPorts) {
			webhooks.push(
				startProcess(home, 'webhook', {
					...urls,
					N8N_PORT: String(port),
					N8N_LISTEN_ADDRESS: '127.0.0.1',
					N8N_RUNNERS_BROKER_PORT: String(await freePort()),
				}),
			);
		}
		workers = [];
		for (let i = 0; i < (options.workers ?? 2); i++) {
			workers.push(startProcess(home, 'worker', { ...urls, N8N_RUNNERS_BROKER_PORT: String(await freePort()) }));
		}
		await Promise.all([...webhooks, ...workers].map((proc) => waitReady(proc)));
		if (options.waitForWebhook) {
			for (const port of webhookPorts) await waitForPostWebhook(`http://127.0.0.1:${port}/webhook/${options.waitForWebhook}`);
		}
	};
	const stopProcesses = async () => {
		await Promise.all([...webhooks, ...workers].map((proc) => stopChild(proc.child)));
		await stopChild(main.child);
	};

	let started = false;
	try {
		await startProcesses();
		started = true;
	} finally {
		if (!started) {
			await stopProcesses().catch(() => undefined);
			proxy.server.close();
			await dropDatabase(addresses, database);
			await home.cleanup();
		}
	}

	const sql = async <T>(text: string, params: unknown[] = []): Promise<T[]> => {
		const client = pgClient(addresses, database);
		await client.connect();
		try {
			return (await client.query(text, params)).rows as T[];
		} finally {
			await client.end();
		}
	};

	return {
		home,
		database,
		get main() {
			return main;
		},
		get webhooks() {
			return webhooks;
		},
		get workers() {
			return workers;
		},
		proxyUrl: proxy.url,
		mainUrl,
		webhookUrl: (webhookPath, index) =>
			index === undefined ? `${proxy.url}/webhook/${webhookPath}` : `http://127.0.0.1:${webhookPorts[index]}/webhook/${webhookPath}`,
		stopProcesses,
		startProcesses,
		sql,
		stop: async () => {
			await stopProcesses();
			await new Promise((resolve) => proxy.server.close(resolve));
			await dropDatabase(addresses, database);
			await redisCommand(redis.host, redis.port, ['EVAL', "for _,k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end return 0", '0', `ta-${runId}*`]).catch(
				() => undefined,
			);
			await home.cleanup();
		},
	};
}

async function dropDatabase(addresses: QueueAddresses, database: string): Promise<void> {
	const admin = pgClient(addresses, 'postgres');
	try {
		await admin.connect();
		await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
	} finally {
		await admin.end().catch(() => undefined);
	}
}

export interface QueueExecutionRow {
	id: number;
	status: string;
	mode: string;
	finished: boolean;
}

/** Executions of a workflow, oldest first. */
export async function queueExecutions(cluster: QueueCluster, workflowId: string): Promise<QueueExecutionRow[]> {
	return await cluster.sql<QueueExecutionRow>(
		'SELECT id::int AS id, status, mode, finished FROM execution_entity WHERE "workflowId" = $1 ORDER BY id',
		[workflowId],
	);
}
