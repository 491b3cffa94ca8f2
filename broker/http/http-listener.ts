import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { DEFAULT_HOST } from '../../shared/defaults.js';
import { SteadError } from '../../shared/errors.js';

export interface HttpListener {
  readonly host: string;
  readonly port: number;
  /** `http://host:port`. */
  readonly url: string;
  close(): Promise<void>;
}

export type HttpHandler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

/** Parses `host:port` (`[::1]:9464`, `:9464`, `9464`); the host is loopback unless named; null if it is not one. */
export function parseHostPort(value: string): { host: string; port: number } | null {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*))?:?(\d+)$/.exec(value.trim());
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port > 65535) return null;
  return { host: match[1] ?? (match[2] || DEFAULT_HOST), port };
}

/** The broker's HTTP listener (metrics, health, admin API, dashboard): off unless asked for. */
export async function startHttpListener(address: string, handle: HttpHandler, onError: (error: unknown) => void): Promise<HttpListener> {
  const parsed = parseHostPort(address);
  // The broker's options schema has checked it (hostPortSchema): this only narrows the type.
  if (!parsed) throw new SteadError('BAD_OPTIONS', `http listener must be host:port, got ${address}`);
  const { host, port } = parsed;
  const sockets = new Set<Socket>();
  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      onError(error);
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ code: 'STEAD_E_CLOSED', message: 'internal error' }));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.listen({ host, port });
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error as Error))]);
  const bound = server.address();
  if (!bound || typeof bound === 'string') throw new SteadError('BAD_OPTIONS', 'http listener has no TCP address');
  return {
    host,
    port: bound.port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound.port}`,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Server-sent event streams never end by themselves.
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
