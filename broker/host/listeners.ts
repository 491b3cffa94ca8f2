/**
 * The broker's listeners: MQTT over TCP, TLS, WebSocket and secure WebSocket. Every listener
 * hands its connections to the same `handle` (one aedes instance), so the same proxies and the
 * same authentication and authorization hooks serve them all (DESIGN mission: one proxy API over
 * TCP, TLS and WebSocket).
 */
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { DEFAULT_HOST, DEFAULT_MQTT_PORT } from '../../shared/defaults.js';
import { SteadError } from '../../shared/errors.js';

export type ListenerProtocol = 'mqtt' | 'mqtts' | 'ws' | 'wss';

export interface ListenerOptions {
  /** Default `mqtt`. `mqtts` and `wss` need `cert` and `key`. */
  protocol?: ListenerProtocol;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** 0 picks a free one; default 1883, 8883, 8083, 8084 by protocol. */
  port?: number;
  /** PEM certificate (chain) file, for `mqtts` and `wss`. */
  cert?: string;
  /** PEM private key file, for `mqtts` and `wss`. */
  key?: string;
}

/** A listener as it was bound: `url` is what a device connects to. */
export interface BoundListener {
  readonly protocol: ListenerProtocol;
  readonly host: string;
  readonly port: number;
  readonly url: string;
}

export const DEFAULT_PORTS: Readonly<Record<ListenerProtocol, number>> = { mqtt: DEFAULT_MQTT_PORT, mqtts: 8883, ws: 8083, wss: 8084 };

/** Takes one client connection: a TCP or TLS socket, or a WebSocket as a byte stream, with its peer's address. */
export type ConnectionHandler = (stream: Duplex, address: string) => void;

/** What every WebSocket listener holds a connection to before any byte reaches MQTT. */
export interface WebSocketLimits {
  /** The largest WebSocket message, fragments summed (ws' `maxPayload`): the MQTT packet cap. */
  readonly maxPayload: number;
  /** Told when a message over it closes its WebSocket (counted as `dropped.oversize`). */
  readonly onOversize: () => void;
}

/**
 * The HTTP side of a WebSocket listener answers only upgrades: a plain request is answered 426
 * and the socket closed, and a client that never finishes its request line and headers is cut
 * off after this long, so idle HTTP sockets hold no descriptor.
 */
const HTTP_TIMEOUT_MS = 10_000;

export interface Listeners {
  readonly bound: readonly BoundListener[];
  /** The first listener: the broker's `url`. */
  readonly first: BoundListener;
  /** Every listener still accepts connections (for the health probe). */
  listening(): boolean;
  /** Stops accepting connections; those open go on. */
  stop(): void;
  /** Destroys every open connection. */
  destroy(): void;
}

/**
 * The raw sockets of every listener (TLS and HTTP upgrades included), so that shutdown can end
 * those still open: a broker destroys them after aedes has closed its clients, well after it
 * stopped accepting new ones.
 */
export class Connections {
  readonly #sockets = new Set<Socket>();

  add(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
  }

  destroy(): void {
    for (const socket of this.#sockets) socket.destroy();
  }
}

/**
 * A fleet reconnecting after a restart arrives at once: with Node's default backlog (511) the
 * kernel dropped SYNs while the event loop was busy, and those devices waited for TCP's SYN
 * retransmission (1 s, 3 s …) on top of their backoff. The kernel caps it at net.core.somaxconn.
 */
const LISTEN_BACKLOG = 4096;

/**
 * Opens every listener, or none: if one fails to bind, those already open are closed again.
 * `specs` are checked by the broker's options schema (listenerSchema): at least one, TLS ones
 * with their files named.
 */
export async function openListeners(specs: readonly ListenerOptions[], handle: ConnectionHandler, ws: WebSocketLimits, connections = new Connections()): Promise<Listeners> {
  const servers: Server[] = [];
  const stop = (): void => {
    for (const server of servers) server.close();
  };
  const destroy = (): void => connections.destroy();
  const bound: BoundListener[] = [];
  try {
    for (const [index, spec] of specs.entries()) {
      const protocol = spec.protocol ?? 'mqtt';
      const server = await createListenerServer(protocol, spec, index, handle, ws);
      servers.push(server);
      server.on('connection', (socket: Socket) => {
        // Without NODELAY a request/response round trip waits on Nagle + delayed ACK (~40 ms).
        socket.setNoDelay(true);
        connections.add(socket);
      });
      const host = spec.host ?? DEFAULT_HOST;
      const port = await listen(server, host, spec.port ?? DEFAULT_PORTS[protocol]);
      bound.push({ protocol, host, port, url: `${protocol}://${host.includes(':') ? `[${host}]` : host}:${port}` });
    }
  } catch (error) {
    stop();
    destroy();
    throw error;
  }
  return { bound, first: bound[0] as BoundListener, listening: () => servers.every((server) => server.listening), stop, destroy };
}

async function createListenerServer(protocol: ListenerProtocol, spec: ListenerOptions, index: number, handle: ConnectionHandler, ws: WebSocketLimits): Promise<Server> {
  const socketHandler = (socket: Socket): void => handle(socket, socket.remoteAddress ?? '');
  if (protocol === 'mqtt') return createTcpServer(socketHandler);
  if (protocol === 'ws') return serveWebSocket(createHttpServer(HTTP_SERVER_OPTIONS), handle, ws);
  const files = await readTlsFiles(spec, index);
  try {
    return protocol === 'mqtts' ? createTlsServer(files, socketHandler) : serveWebSocket(createHttpsServer({ ...HTTP_SERVER_OPTIONS, ...files }), handle, ws);
  } catch (cause) {
    // Not PEM, or a key that does not match the certificate.
    const fields = [`listeners.${index}.cert`, `listeners.${index}.key`];
    throw new SteadError('BAD_CONFIG', `${fields.join(', ')}: not a certificate and its key`, { cause, data: { fields } });
  }
}

const HTTP_SERVER_OPTIONS = { requestTimeout: HTTP_TIMEOUT_MS, headersTimeout: HTTP_TIMEOUT_MS, keepAliveTimeout: 1000 };

/**
 * MQTT over WebSocket: each WebSocket becomes a byte stream for aedes (binary frames, any path).
 * ws buffers a whole message before it hands it on (100 MiB by default): capped at the MQTT
 * packet cap, fragments summed, and no compression (a small frame must not inflate past it).
 */
function serveWebSocket<S extends HttpServer | HttpsServer>(server: S, handle: ConnectionHandler, limits: WebSocketLimits): S {
  const sockets = new WebSocketServer({ server, maxPayload: limits.maxPayload, perMessageDeflate: false });
  // ws re-emits the HTTP server's errors (a port in use) here; listen() reports them already.
  sockets.on('error', ignore);
  sockets.on('connection', (socket, request) => {
    socket.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') limits.onOversize();
    });
    handle(createWebSocketStream(socket), request.socket.remoteAddress ?? '');
  });
  // A plain request (no upgrade) is no WebSocket: say so and close, rather than leave it open.
  server.on('request', (_request, response: ServerResponse) => {
    response.writeHead(426, { connection: 'close', upgrade: 'websocket', 'content-type': 'text/plain' });
    response.end('this is an MQTT over WebSocket listener: upgrade required');
  });
  server.setTimeout(HTTP_TIMEOUT_MS);
  return server;
}

async function readTlsFiles(spec: ListenerOptions, index: number): Promise<{ cert: Buffer; key: Buffer }> {
  const read = async (field: 'cert' | 'key'): Promise<Buffer> => {
    // Named: the schema requires both files of a TLS listener.
    const path = spec[field] ?? '';
    const at = `listeners.${index}.${field}`;
    try {
      return await readFile(path);
    } catch (cause) {
      throw new SteadError('BAD_CONFIG', `${at}: cannot read ${path}`, { cause, data: { fields: [at] } });
    }
  };
  return { cert: await read('cert'), key: await read('key') };
}

async function listen(server: Server, host: string, port: number): Promise<number> {
  server.listen({ port, host, backlog: LISTEN_BACKLOG });
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error as Error))]);
  const address = server.address();
  if (!address || typeof address === 'string') throw new SteadError('BAD_OPTIONS', 'listener has no TCP address');
  return address.port;
}

function ignore(): void {}
