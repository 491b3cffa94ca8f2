import { createServer, connect, type Socket } from 'node:net';
import { once } from 'node:events';

/**
 * A real TCP forwarder between devices and the broker, for fault injection: `cut()` destroys
 * every open connection (both directions at once), `refuse(true)` turns new ones away,
 * `interceptDownstream` / `interceptUpstream` let a test cut right before a given packet reaches
 * the device / the broker, and `retarget(port)` sends new connections to another broker (a
 * restarted one, so devices keep their URL).
 */
export interface TcpProxy {
  readonly port: number;
  readonly url: string;
  cut(): void;
  refuse(on: boolean): void;
  /** Called with each chunk the broker sends back to a device; return true to cut before delivery. */
  interceptDownstream(filter: ((chunk: Buffer) => boolean) | null): void;
  /** Called with each chunk a device sends to the broker; return true to cut before delivery. */
  interceptUpstream(filter: ((chunk: Buffer) => boolean) | null): void;
  /** New connections go to this port from now on; open ones are left alone (cut them if needed). */
  retarget(port: number): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let target = targetPort;
  let refusing = false;
  let downstreamFilter: ((chunk: Buffer) => boolean) | null = null;
  let upstreamFilter: ((chunk: Buffer) => boolean) | null = null;
  const cut = (): void => {
    for (const [a, b] of pairs) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
  };
  const server = createServer((client) => {
    if (refusing) return client.destroy();
    client.setNoDelay(true);
    const upstream = connect(target, targetHost);
    upstream.setNoDelay(true);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on('data', (chunk: Buffer) => {
      if (upstreamFilter?.(chunk)) return cut();
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (downstreamFilter?.(chunk)) return cut();
      client.write(chunk);
    });
    client.on('close', drop);
    upstream.on('close', drop);
    client.on('error', drop);
    upstream.on('error', drop);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('tcp proxy has no port');
  return {
    port: address.port,
    url: `mqtt://127.0.0.1:${address.port}`,
    cut,
    refuse: (on) => {
      refusing = on;
    },
    interceptDownstream: (filter) => {
      downstreamFilter = filter;
    },
    interceptUpstream: (filter) => {
      upstreamFilter = filter;
    },
    retarget: (port) => {
      target = port;
    },
    close: async () => {
      cut();
      server.close();
      await once(server, 'close');
    },
  };
}
