import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { STATUS_CODES, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';

import { parseMultipart } from './multipart';
import { PROVIDERS } from './providers';
import type {
	EmulatorKeys,
	EmulatorOptions,
	EmuRequest,
	EmuResponse,
	FaultKind,
	FaultRule,
	Handler,
	LoggedRequest,
	ServiceName,
	WsConnection,
	WsHandler,
} from './types';
import { SERVICE_NAMES, STORAGE_PREFIX } from './types';

export const DEFAULT_KEYS: EmulatorKeys = {
	avatarTalk: 'emulator-avatartalk-key',
	multiTalk: 'emulator-multitalk-key',
	liveTalking: 'emulator-firebase-token',
	liveKitKey: 'emulator-livekit-key',
	openAi: 'emulator-openai-key',
	// Not a real secret: the emulator's fixed LiveKit signing key, printed by `npm run emulator`.
	liveKitSecret: ['emulator', 'livekit', 'signing', 'key', '0123456789abcdef'].join('-'),
};

const MAX_LOGGED_BODY = 64 * 1024;

interface Route {
	method: string;
	pattern: RegExp;
	keys: string[];
	handler: Handler;
}
interface WsRoute {
	pattern: RegExp;
	keys: string[];
	handler: WsHandler;
}

/** '/api/v1/jobs/:id' -> RegExp with named segments. */
function compile(path: string | RegExp): { pattern: RegExp; keys: string[] } {
	if (path instanceof RegExp) return { pattern: path, keys: [] };
	const keys: string[] = [];
	const source = path
		.split('/')
		.map((segment) => {
			if (segment.startsWith(':')) {
				keys.push(segment.slice(1));
				return '([^/]+)';
			}
			return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
		})
		.join('/');
	return { pattern: new RegExp(`^${source}$`), keys };
}

/** One stand-in service on its own port. Provider modules add routes to it. */
export class ServiceApp {
	readonly routes: Route[] = [];
	readonly wsRoutes: WsRoute[] = [];
	baseUrl = '';
	/** Control routes under /__emulator/<provider path> (not logged, never faulted). */
	readonly controls: Route[] = [];

	constructor(
		readonly name: ServiceName,
		readonly emulator: Emulator,
	) {}

	route(method: string, path: string | RegExp, handler: Handler): void {
		this.routes.push({ method: method.toUpperCase(), ...compile(path), handler });
	}

	ws(path: string | RegExp, handler: WsHandler): void {
		this.wsRoutes.push({ ...compile(path), handler });
	}

	control(method: string, path: string, handler: Handler): void {
		this.controls.push({ method: method.toUpperCase(), ...compile(`/__emulator${path}`), handler });
	}

	get wsUrl(): string {
		return this.baseUrl.replace(/^http/, 'ws');
	}
}

/** The fixed (fake) access key id every emulator presigned link is "signed" with. */
const PRESIGN_ACCESS_KEY_ID = 'AKIAEMULATOR00000000';

/**
 * In-memory object store behind presigned links. By default it lives on its own origin (the
 * `s3` service), as the documents' example links do (`https://bucket.s3.amazonaws.com/...`).
 * With `emulator.settings.storageOnApiOrigin` set (true), a provider's links point at the
 * provider's own origin under /storage/..., as when a deployment serves S3-compatible storage
 * behind its own host or reverse proxy. Either way the storage behaves like S3: a link carries
 * SigV4 query authentication, and a request that also carries an Authorization header is
 * refused (400 InvalidArgument, see providers/s3.ts).
 */
export class ObjectStore {
	private readonly objects = new Map<string, { data: Buffer; contentType: string }>();
	private readonly tokens = new Map<string, { key: string; expiresAt: number }>();

	constructor(private readonly emulator: () => Emulator) {}

	put(key: string, data: Buffer, contentType = 'video/mp4'): void {
		this.objects.set(key, { data, contentType });
	}

	get(key: string) {
		return this.objects.get(key);
	}

	/**
	 * A presigned URL for `key`: `http://127.0.0.1:<s3 port>/<bucket>/<key>?X-Amz-...`, or, when
	 * the provider handing it out (`via`) is set to serve storage on its own origin,
	 * `<that origin>/storage/<bucket>/<key>?X-Amz-...`.
	 */
	presign(key: string, expiresInSeconds = 3600, via?: ServiceName): string {
		const token = randomBytes(16).toString('hex');
		this.tokens.set(token, { key, expiresAt: Date.now() + expiresInSeconds * 1000 });
		const path = key.split('/').map(encodeURIComponent).join('/');
		const emulator = this.emulator();
		const onApi = via !== undefined && storageOnApiOrigin(emulator, via);
		const base = onApi ? `${emulator.url(via)}${STORAGE_PREFIX}` : emulator.url('s3');
		const date = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
		const query = new URLSearchParams({
			'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
			'X-Amz-Credential': `${PRESIGN_ACCESS_KEY_ID}/${date.slice(0, 8)}/us-east-1/s3/aws4_request`,
			'X-Amz-Date': date,
			'X-Amz-Expires': String(expiresInSeconds),
			'X-Amz-SignedHeaders': 'host',
			'X-Amz-Signature': token,
		});
		return `${base}/${path}?${query.toString()}`;
	}

	resolve(token: string | null): { key: string } | 'expired' | undefined {
		if (!token) return undefined;
		const entry = this.tokens.get(token);
		if (!entry) return undefined;
		if (Date.now() > entry.expiresAt) return 'expired';
		return { key: entry.key };
	}
}

/** `storageOnApiOrigin`: true (every provider) or a list of service names. Default off. */
function storageOnApiOrigin(emulator: Emulator, service: ServiceName): boolean {
	const setting = emulator.settings.storageOnApiOrigin;
	return setting === true || (Array.isArray(setting) && setting.includes(service));
}

export class Emulator {
	readonly apps = new Map<ServiceName, ServiceApp>();
	readonly keys: EmulatorKeys;
	readonly settings: Record<string, unknown>;
	readonly store = new ObjectStore(() => this);
	private readonly servers: Server[] = [];
	private readonly sockets = new Set<Socket>();
	private readonly log: LoggedRequest[] = [];
	private faultRules: FaultRule[] = [];
	private readonly cleanups: Array<() => void> = [];
	private readonly wss = new WebSocketServer({ noServer: true });

	constructor(readonly options: EmulatorOptions = {}) {
		this.keys = { ...DEFAULT_KEYS, ...options.keys };
		this.settings = { ...options.settings };
		for (const name of SERVICE_NAMES) this.apps.set(name, new ServiceApp(name, this));
	}

	app(name: ServiceName): ServiceApp {
		return this.apps.get(name) as ServiceApp;
	}

	url(name: ServiceName): string {
		return this.app(name).baseUrl;
	}

	/** Base URLs as the credentials expect them (documented path prefixes included). */
	get urls() {
		return {
			avatarTalk: this.url('avatarTalk'),
			multiTalk: `${this.url('multiTalk')}/api/v1`,
			museTalk: `${this.url('museTalk')}/api/v1`,
			liveTalking: this.url('liveTalking'),
			avaTar: `${this.url('avaTar')}/v1`,
			avaTarWs: `${this.app('avaTarWs').wsUrl}/ws`,
			liveKit: this.app('liveKit').wsUrl,
			s3: this.url('s3'),
			openAi: `${this.url('openAi')}/v1`,
			firebaseToken: `${this.url('firebase')}/v1/token`,
		};
	}

	/** Registers a cleanup to run on close (timers of running jobs, open sockets). */
	onClose(fn: () => void): void {
		this.cleanups.push(fn);
	}

	// ---- request log ----------------------------------------------------------------------
	requests(filter: Partial<Pick<LoggedRequest, 'service' | 'method'>> & { path?: string | RegExp } = {}): LoggedRequest[] {
		return this.log.filter(
			(r) =>
				(!filter.service || r.service === filter.service) &&
				(!filter.method || r.method === filter.method.toUpperCase()) &&
				(!filter.path || (typeof filter.path === 'string' ? r.path === filter.path : filter.path.test(r.path))),
		);
	}

	clearLog(): void {
		this.log.length = 0;
	}

	// ---- faults ---------------------------------------------------------------------------
	addFault(rule: FaultRule): void {
		this.faultRules.push({ ...rule });
	}

	clearFaults(): void {
		this.faultRules = [];
	}

	/** The fault for this request, if any (consumes one use). */
	takeFault(service: ServiceName, method: string, path: string, websocket = false): FaultKind | undefined {
		const index = this.faultRules.findIndex(
			(rule) =>
				(!rule.service || rule.service === service) &&
				(!rule.method || rule.method.toUpperCase() === method.toUpperCase()) &&
				(!rule.path || (typeof rule.path === 'string' ? rule.path === path : rule.path.test(path))) &&
				(websocket ? rule.fault.kind.startsWith('ws') : !rule.fault.kind.startsWith('ws')),
		);
		if (index === -1) return undefined;
		const rule = this.faultRules[index];
		if (rule.times !== undefined) {
			rule.times--;
			if (rule.times <= 0) this.faultRules.splice(index, 1);
		}
		return rule.fault;
	}

	// ---- lifecycle ------------------------------------------------------------------------
	async start(): Promise<this> {
		for (const provider of PROVIDERS) provider.register(this);
		for (const name of SERVICE_NAMES) await this.listen(this.app(name));
		return this;
	}

	async close(): Promise<void> {
		for (const fn of this.cleanups.splice(0)) {
			try {
				fn();
			} catch {
				// cleanup is best effort
			}
		}
		for (const client of this.wss.clients) client.terminate();
		for (const socket of this.sockets) socket.destroy();
		await Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
		this.servers.length = 0;
	}

	private async listen(app: ServiceApp): Promise<void> {
		const server = createServer((req, res) => void this.handle(app, req, res));
		server.on('connection', (socket) => {
			this.sockets.add(socket);
			socket.on('close', () => this.sockets.delete(socket));
		});
		server.on('upgrade', (req, socket, head) => this.upgrade(app, req, socket as Socket, head));
		const host = this.options.host ?? '127.0.0.1';
		const port = this.options.ports?.[app.name] ?? 0;
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject);
			server.listen(port, host, () => resolve());
		});
		const address = server.address() as AddressInfo;
		app.baseUrl = `http://${host}:${address.port}`;
		this.servers.push(server);
	}

	private async readBody(req: IncomingMessage): Promise<Buffer> {
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		return Buffer.concat(chunks);
	}

	private async handle(app: ServiceApp, req: IncomingMessage, res: ServerResponse): Promise<void> {
		const url = new URL(req.url ?? '/', app.baseUrl);
		const method = (req.method ?? 'GET').toUpperCase();
		let rawBody: Buffer;
		try {
			rawBody = await this.readBody(req);
		} catch {
			return;
		}
		const request = this.buildRequest(app, req, url, method, rawBody);

		// Control API: /__emulator/... (for processes that do not share memory with the test).
		if (url.pathname.startsWith('/__emulator')) {
			const control = this.matchRoute([...this.builtInControls(app), ...app.controls], method, url.pathname);
			if (!control) return this.plainJson(res, 404, { detail: 'No such control route' });
			request.params = control.params;
			try {
				await control.route.handler(request, this.response(res, undefined));
			} catch (error) {
				this.plainJson(res, 500, { detail: String((error as Error).message) });
			}
			return;
		}

		const entry: LoggedRequest = {
			service: app.name,
			origin: app.baseUrl,
			method,
			path: url.pathname,
			query: Object.fromEntries(url.searchParams),
			headers: { ...req.headers },
			body: this.describeBody(rawBody, req.headers['content-type']),
			bodyBytes: rawBody.length,
			at: Date.now(),
		};
		this.log.push(entry);
		if (this.options.verbose) console.log(`[${app.name}] ${method} ${url.pathname}${url.search}`);
		res.on('finish', () => (entry.status = res.statusCode));

		let fault = this.takeFault(app.name, method, url.pathname);
		if (fault) entry.fault = fault.kind;
		if (fault?.kind === 'delay') {
			await new Promise((resolve) => setTimeout(resolve, (fault as { ms: number }).ms));
			fault = undefined;
		}
		if (fault && fault.kind !== 'truncate') return this.applyFault(res, req, fault);

		const match = this.matchRoute(app.routes, method, url.pathname);
		if (!match) {
			const pathExists = app.routes.some((r) => r.pattern.test(url.pathname));
			// The header tells tests "the emulator has no such route", unlike a provider's own 404.
			return this.plainJson(res, pathExists ? 405 : 404, { detail: pathExists ? 'Method Not Allowed' : 'Not Found' }, { 'x-emulator-route': 'none' });
		}
		request.params = match.params;
		try {
			await match.route.handler(request, this.response(res, fault?.kind === 'truncate' ? 'truncate' : undefined));
		} catch (error) {
			if (!res.headersSent) this.plainJson(res, 500, { detail: `Emulator error: ${(error as Error).message}` });
			else res.destroy();
		}
	}

	private buildRequest(app: ServiceApp, req: IncomingMessage, url: URL, method: string, rawBody: Buffer): EmuRequest {
		const contentType = req.headers['content-type'] ?? '';
		let body: unknown;
		let bodyInvalid = false;
		if (rawBody.length && /json/i.test(contentType)) {
			try {
				body = JSON.parse(rawBody.toString('utf8'));
			} catch {
				bodyInvalid = true;
			}
		}
		const auth = req.headers.authorization;
		return {
			service: app.name,
			method,
			path: url.pathname,
			params: {},
			query: url.searchParams,
			headers: req.headers,
			rawBody,
			body,
			bodyInvalid,
			parts: /multipart\/form-data/i.test(contentType) ? parseMultipart(rawBody, contentType) : [],
			bearer: auth && /^Bearer\s+/i.test(auth) ? auth.replace(/^Bearer\s+/i, '') : undefined,
			raw: req,
		};
	}

	private describeBody(raw: Buffer, contentType: string | undefined): string {
		if (!raw.length) return '';
		if (/json|text|x-www-form-urlencoded/i.test(contentType ?? '')) return raw.subarray(0, MAX_LOGGED_BODY).toString('utf8');
		if (/multipart/i.test(contentType ?? '')) {
			const parts = parseMultipart(raw, contentType);
			return parts
				.map((p) => (p.fileName ? `${p.name}=<file ${p.fileName} ${p.data.length} bytes>` : `${p.name}=${p.data.toString('utf8').slice(0, 1000)}`))
				.join('&');
		}
		return `<${raw.length} bytes>`;
	}

	private matchRoute(routes: Route[], method: string, path: string) {
		for (const route of routes) {
			if (route.method !== method && route.method !== '*') continue;
			const m = route.pattern.exec(path);
			if (!m) continue;
			const params: Record<string, string> = {};
			route.keys.forEach((key, i) => (params[key] = decodeURIComponent(m[i + 1])));
			return { route, params };
		}
		return undefined;
	}

	/** Control routes every service has: the request log and fault rules. */
	private builtInControls(app: ServiceApp): Route[] {
		const routes: Route[] = [];
		const add = (method: string, path: string, handler: Handler) =>
			routes.push({ method, ...compile(`/__emulator${path}`), handler });
		add('GET', '/requests', (req, res) => {
			const all = req.query.get('all') === 'true';
			res.json(200, all ? this.requests() : this.requests({ service: app.name }));
		});
		add('DELETE', '/requests', (_req, res) => {
			this.clearLog();
			res.json(200, { cleared: true });
		});
		add('POST', '/faults', (req, res) => {
			const rule = req.body as FaultRule & { path?: string; pathRegex?: string };
			this.addFault({
				...rule,
				service: rule.service ?? app.name,
				path: (rule as { pathRegex?: string }).pathRegex ? new RegExp((rule as { pathRegex: string }).pathRegex) : rule.path,
			});
			res.json(200, { added: true });
		});
		add('DELETE', '/faults', (_req, res) => {
			this.clearFaults();
			res.json(200, { cleared: true });
		});
		add('GET', '/info', (_req, res) => res.json(200, { urls: this.urls, keys: this.keys }));
		return routes;
	}

	private plainJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
		const text = JSON.stringify(body);
		res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
		res.end(text);
	}

	private applyFault(res: ServerResponse, req: IncomingMessage, fault: FaultKind): void {
		switch (fault.kind) {
			case 'status':
				// A string body goes out as it is (an XML error from storage, say); anything else as JSON.
				return this.sendRaw(res, fault.status, typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body ?? { detail: `Injected HTTP ${fault.status}` }), {
					'content-type': 'application/json',
					...fault.headers,
				});
			case 'rateLimit':
				return this.sendRaw(res, fault.status ?? 429, JSON.stringify(fault.body ?? { detail: 'Rate limit exceeded' }), {
					'content-type': 'application/json',
					'retry-after': fault.retryAfter,
				});
			case 'reset': {
				const socket = req.socket as Socket & { resetAndDestroy?: () => void };
				if (socket.resetAndDestroy) socket.resetAndDestroy();
				else socket.destroy();
				return;
			}
			case 'hang':
				return; // the socket stays open until the client gives up or the emulator closes
			case 'malformedJson':
				return this.sendRaw(res, 200, '{"status": "ok", "broken": ', { 'content-type': 'application/json' });
			case 'html':
				return this.sendRaw(
					res,
					fault.status ?? 502,
					'<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr><center>nginx</center></body></html>',
					{ 'content-type': 'text/html' },
				);
			default:
				return this.sendRaw(res, 500, '{"detail":"unknown fault"}', { 'content-type': 'application/json' });
		}
	}

	private sendRaw(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
		res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
		res.end(body);
	}

	/** Response helpers; in truncate mode every body is announced whole but cut in half. */
	private response(res: ServerResponse, mode: 'truncate' | undefined): EmuResponse {
		const cut = (status: number, data: Buffer, headers: Record<string, string>) => {
			res.writeHead(status, { ...headers, 'content-length': String(data.length) });
			res.write(data.subarray(0, Math.floor(data.length / 2)));
			setTimeout(() => res.destroy(), 20);
		};
		return {
			raw: res,
			json: (status, body, headers = {}) => {
				const data = Buffer.from(JSON.stringify(body));
				const h = { 'content-type': 'application/json', ...headers };
				if (mode === 'truncate') return cut(status, data, h);
				res.writeHead(status, { ...h, 'content-length': String(data.length) });
				res.end(data);
			},
			send: (status, body, headers = {}) => {
				const data = Buffer.isBuffer(body) ? body : Buffer.from(body);
				if (mode === 'truncate') return cut(status, data, headers);
				res.writeHead(status, { ...headers, 'content-length': String(data.length) });
				res.end(data);
			},
			stream: async (status, headers, source) => {
				res.writeHead(status, headers);
				let sent = 0;
				const announced = Number(headers['content-length'] ?? NaN);
				for await (const chunk of source) {
					if (res.destroyed) return;
					if (mode === 'truncate' && (sent > 0 || (Number.isFinite(announced) && sent + chunk.length >= announced / 2))) {
						res.write(chunk.subarray(0, Math.max(1, Math.floor(chunk.length / 2))));
						setTimeout(() => res.destroy(), 20);
						return;
					}
					sent += chunk.length;
					if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
				}
				res.end();
			},
		};
	}

	private upgrade(app: ServiceApp, req: IncomingMessage, socket: Socket, head: Buffer): void {
		const url = new URL(req.url ?? '/', app.baseUrl);
		const auth = req.headers.authorization;
		const entry: LoggedRequest = {
			service: app.name,
			origin: app.baseUrl,
			method: 'GET',
			path: url.pathname,
			query: Object.fromEntries(url.searchParams),
			headers: { ...req.headers },
			body: '',
			bodyBytes: 0,
			at: Date.now(),
			websocket: true,
		};
		this.log.push(entry);
		const match = app.wsRoutes
			.map((route) => ({ route, m: route.pattern.exec(url.pathname) }))
			.find((x) => x.m);
		if (!match) {
			socket.write('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
			socket.destroy();
			entry.status = 404;
			return;
		}
		const params: Record<string, string> = {};
		match.route.keys.forEach((key, i) => (params[key] = decodeURIComponent((match.m as RegExpExecArray)[i + 1])));
		const fault = this.takeFault(app.name, 'GET', url.pathname, true);
		if (fault?.kind === 'wsRefuse') {
			// The handshake is answered with a plain HTTP response: no 101, no WebSocket.
			const body = fault.body === undefined ? '' : JSON.stringify(fault.body);
			const reason = STATUS_CODES[fault.status] ?? 'Error';
			socket.end(
				`HTTP/1.1 ${fault.status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
			);
			entry.status = fault.status;
			entry.fault = fault.kind;
			return;
		}
		this.wss.handleUpgrade(req, socket, head, (ws) => {
			entry.status = 101;
			if (fault) {
				entry.fault = fault.kind;
				applyWsFault(ws, fault);
			}
			const conn: WsConnection = {
				socket: ws,
				path: url.pathname,
				query: url.searchParams,
				headers: req.headers,
				bearer: auth && /^Bearer\s+/i.test(auth) ? auth.replace(/^Bearer\s+/i, '') : undefined,
				params,
			};
			Promise.resolve(match.route.handler(conn)).catch(() => ws.close(1011, 'Emulator error'));
		});
	}
}

/**
 * WebSocket faults wrap `send` so they strike after N server messages: a close code, an
 * abrupt TCP drop, or silence (messages swallowed).
 */
function applyWsFault(ws: import('ws').WebSocket, fault: FaultKind): void {
	const after = 'afterMessages' in fault ? (fault.afterMessages ?? 0) : 0;
	let sent = 0;
	const original = ws.send.bind(ws);
	const strike = () => {
		if (fault.kind === 'wsClose') ws.close(fault.code, fault.reason);
		else if (fault.kind === 'wsAbrupt') ws.terminate();
	};
	if (after === 0 && fault.kind !== 'wsSilence') {
		setImmediate(strike);
	}
	(ws as unknown as { send: typeof ws.send }).send = ((data: unknown, ...rest: unknown[]) => {
		if (fault.kind === 'wsSilence' && sent >= after) return;
		if (sent >= after && fault.kind !== 'wsSilence') return;
		sent++;
		(original as (...args: unknown[]) => void)(data, ...rest);
		if (sent === after && fault.kind !== 'wsSilence') setImmediate(strike);
	}) as typeof ws.send;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
	return await new Emulator(options).start();
}
