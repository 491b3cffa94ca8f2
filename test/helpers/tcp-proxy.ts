import { createServer, connect, type Socket } from 'node:net';
import { once } from 'node:events';

/**
 * A real TCP forwarder between devices and the broker, for fault injection: `cut()` destroys
 * every open connection (both directions at once), `refuse(true)` turns new ones away, and
 * `onUpstreamData` lets a test cut right after a given packet reached the broker.
 */
export interface TcpProxy {
  readonly port: number;
  readonly url: string;
  cut(): void;
  refuse(on: boolean): void;
  /** Called with each chunk the broker sends back to a device; return true to cut before delivery. */
  interceptDownstream(filter: ((chunk: Buffer) => boolean) | null): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let refusing = false;
  let downstreamFilter: ((chunk: Buffer) => boolean) | null = null;
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
    const upstream = connect(targetPort, targetHost);
    upstream.setNoDelay(true);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on('data', (chunk) => upstream.write(chunk));
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
    close: async () => {
      cut();
      server.close();
      await once(server, 'close');
    },
  };
}
