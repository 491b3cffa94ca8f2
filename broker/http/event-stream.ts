import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HistoryPoint } from '../metrics/index.js';
import type { HttpSources } from './http-sources.js';

/**
 * `GET /api/events`: server-sent events for the dashboard, one `tick` a history interval with
 * the fleet status and the newest chart point; with `?proxy=<app>/<id>` also that proxy's view.
 * The first event carries the whole history, so a page draws its charts at once.
 */
export function streamEvents(sources: HttpSources, proxy: string | null, request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  let sending = false;
  const send = async (points: readonly HistoryPoint[]): Promise<void> => {
    // A slow page skips ticks rather than queueing them.
    if (sending) return;
    sending = true;
    try {
      const view = proxy ? await sources.inspect(proxy) : null;
      response.write(`event: tick\ndata: ${JSON.stringify({ status: sources.status(), points, proxy: view })}\n\n`);
    } finally {
      sending = false;
    }
  };
  const unsubscribe = sources.history.subscribe((point) => void send([point]).catch(() => response.destroy()));
  request.once('close', unsubscribe);
  void send(sources.history.points).catch(() => response.destroy());
}
