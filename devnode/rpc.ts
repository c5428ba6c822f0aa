// JSON-RPC 2.0 over HTTP on 127.0.0.1: single calls, batches, notifications, with errors for every
// malformed input (-32700 parse, -32600 invalid request) and a body-size limit that is answered, not
// enforced by dropping the connection: oversized bodies are read to the end and refused with an error.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dispatch, type NodeHandle } from './rpc-methods';
import { RpcError } from './rpc-params';

export const DEFAULT_BODY_LIMIT = 5 * 1024 * 1024; // geth's 5 MB
export const MAX_BATCH = 10_000;

export interface RpcServerOptions {
  port?: number;
  /** address to listen on (default 127.0.0.1) */
  host?: string;
  /** Host header names answered besides loopback's and `host` itself (`--allow-host`) */
  allowHosts?: readonly string[];
  bodyLimit?: number;
  /** called with unexpected internal errors (never with user errors) */
  onInternalError?: (e: unknown) => void;
}

type Json = Record<string, unknown>;
const errorObj = (id: unknown, code: number, message: string, data?: unknown): Json => ({
  jsonrpc: '2.0',
  id: id ?? null,
  error: data === undefined ? { code, message } : { code, message, data },
});

function validId(id: unknown): boolean {
  return id === undefined || id === null || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
}

async function handleOne(node: NodeHandle, req: unknown, onInternal?: (e: unknown) => void): Promise<Json | null> {
  if (typeof req !== 'object' || req === null || Array.isArray(req)) return errorObj(null, -32600, 'invalid request: expected a JSON object');
  const r = req as Json;
  const id = validId(r.id) ? r.id : null;
  if (r.jsonrpc !== '2.0') return errorObj(id, -32600, 'invalid request: "jsonrpc" must be "2.0"');
  if (typeof r.method !== 'string' || r.method === '') return errorObj(id, -32600, 'invalid request: "method" must be a non-empty string');
  if (!validId(r.id)) return errorObj(null, -32600, 'invalid request: "id" must be a string, number or null');
  const isNotification = !('id' in r);
  try {
    const result = await dispatch(node, r.method, r.params);
    return isNotification ? null : { jsonrpc: '2.0', id, result: result === undefined ? null : result };
  } catch (e) {
    if (isNotification) return null;
    if (e instanceof RpcError) return errorObj(id, e.code, e.message, e.data);
    onInternal?.(e);
    return errorObj(id, -32603, `internal error: ${(e as Error)?.message ?? String(e)}`);
  }
}

/** Parses and answers one HTTP body. Exported for tests that skip the socket. */
export async function handleBody(node: NodeHandle, body: string, onInternal?: (e: unknown) => void): Promise<unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    return errorObj(null, -32700, `parse error: ${(e as Error).message}`);
  }
  if (Array.isArray(parsed)) {
    if (parsed.length === 0) return errorObj(null, -32600, 'invalid request: empty batch');
    if (parsed.length > MAX_BATCH) return errorObj(null, -32600, `batch too large: ${parsed.length} calls, limit ${MAX_BATCH}`);
    const out: Json[] = [];
    for (const item of parsed) {
      const res = await handleOne(node, item, onInternal);
      if (res !== null) out.push(res);
    }
    return out.length === 0 ? null : out;
  }
  return handleOne(node, parsed, onInternal);
}

/** Names a browser may put in the Host header of a request that really targets this machine. */
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '::1'];

/** The host name of a Host header, lower-cased, without port or IPv6 brackets; null when malformed. */
export function hostName(header: string): string | null {
  const h = header.trim().toLowerCase();
  const m = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(h) ?? /^([a-z0-9.\-_]+)(?::\d{1,5})?$/.exec(h);
  return m ? m[1] : null;
}

/** DNS-rebinding guard: a web page can make attacker.example resolve to 127.0.0.1, but its requests still
 *  carry `Host: attacker.example`. Only requests naming this node (or no host at all: not a browser) pass,
 *  so no page can sign with the dev keys through eth_sendTransaction. */
export function hostAllowed(header: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (header === undefined) return true;
  const name = hostName(header);
  return name !== null && allowed.has(name);
}

function send(res: ServerResponse, status: number, payload: unknown): void {
  const body = payload === null ? '' : JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'access-control-allow-origin': '*',
  });
  res.end(body);
}

export interface RunningRpc {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

export function startRpcServer(getNode: () => NodeHandle, opts: RpcServerOptions = {}): Promise<RunningRpc> {
  const limit = opts.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const host = opts.host ?? '127.0.0.1';
  const allowed = new Set([...LOOPBACK_NAMES, host, ...(opts.allowHosts ?? [])].map((h) => h.toLowerCase().replace(/^\[|\]$/g, '')));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (!hostAllowed(req.headers.host, allowed)) {
      const name = hostName(req.headers.host ?? '') ?? req.headers.host;
      send(res, 403, errorObj(null, -32600, `host not allowed: ${JSON.stringify(name)}; this devnode answers requests addressed to ${[...allowed].join(', ')} (add a name with --allow-host)`));
      req.resume();
      return;
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'POST, OPTIONS',
        'access-control-allow-headers': 'content-type',
      });
      res.end();
      return;
    }
    if (req.method !== 'POST') {
      send(res, 405, errorObj(null, -32600, `invalid request: HTTP ${req.method} not supported, use POST`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0; // keep draining without holding the body
      } else chunks.push(c);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (tooLarge) {
        send(res, 413, errorObj(null, -32600, `request body too large: ${size} bytes, limit ${limit} bytes`));
        return;
      }
      handleBody(getNode(), Buffer.concat(chunks).toString('utf8'), opts.onInternalError).then(
        (payload) => (payload === null ? send(res, 200, null) : send(res, 200, payload)),
        (e) => send(res, 500, errorObj(null, -32603, `internal error: ${(e as Error).message}`)),
      );
    });
  });
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 60000;
  server.maxConnections = 1024;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      resolve({
        server,
        port,
        url: `http://${host}:${port}`,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}
