import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Responder = (req: IncomingMessage, res: ServerResponse) => void;

export interface SeenRequest {
	method: string;
	path: string;
	headers: IncomingHttpHeaders;
	at: number;
}

/**
 * A loopback HTTP server whose answers are scripted per path: each request takes the next
 * responder in that path's list (the last one repeats). Records what it received.
 */
export async function scriptedServer() {
	const scripts = new Map<string, Responder[]>();
	const seen: SeenRequest[] = [];
	const sockets = new Set<Socket>();
	const server = createServer((req, res) => {
		const path = new URL(req.url ?? '/', 'http://x').pathname;
		seen.push({ method: req.method ?? 'GET', path, headers: req.headers, at: Date.now() });
		const list = scripts.get(path);
		req.resume();
		if (!list || list.length === 0) {
			res.writeHead(404, { 'content-type': 'application/json' });
			res.end('{"detail":"no script"}');
			return;
		}
		const responder = list.length > 1 ? (list.shift() as Responder) : list[0];
		responder(req, res);
	});
	server.on('connection', (s) => {
		sockets.add(s);
		s.on('close', () => sockets.delete(s));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return {
		url,
		seen,
		script(path: string, ...responders: Responder[]) {
			scripts.set(path, responders);
		},
		async close() {
			for (const s of sockets) s.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

export const json =
	(status: number, body: unknown, headers: Record<string, string> = {}): Responder =>
	(_req, res) => {
		const text = JSON.stringify(body);
		res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
		res.end(text);
	};

export const raw =
	(status: number, body: string | Buffer, headers: Record<string, string> = {}): Responder =>
	(_req, res) => {
		res.writeHead(status, { 'content-length': String(Buffer.byteLength(body)), ...headers });
		res.end(body);
	};

export const reset: Responder = (req) => {
	const socket = req.socket as Socket & { resetAndDestroy?: () => void };
	if (socket.resetAndDestroy) socket.resetAndDestroy();
	else socket.destroy();
};

export const hang: Responder = () => undefined;

/** Announces `announce` bytes, sends `body`, then drops the connection. */
export const truncated =
	(body: Buffer, announce: number, contentType = 'video/mp4'): Responder =>
	(_req, res) => {
		res.writeHead(200, { 'content-type': contentType, 'content-length': String(announce) });
		res.write(body);
		setTimeout(() => res.destroy(), 20);
	};
