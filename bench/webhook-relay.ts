import { Agent, createServer, type Server } from 'node:http';
import { WEBHOOK_PATH } from '../src/server/paths';
import { postJson } from './http-load';

export interface RelayCounts {
  received: number;
  forwarded: number;
  /** answers other than 200, and requests that failed */
  failed: number;
}

/**
 * Stands between the sandbox and the HTTP server as iamport's pool of webhook senders: it takes each notification,
 * answers the sandbox at once, and posts it to the HTTP server with up to `concurrency` requests in flight. Without
 * it the sandbox posts a batch's notifications one after another, so a burst would measure one webhook at a time.
 */
export function startWebhookRelay(port: number, target: string, concurrency: number) {
  const url = new URL(WEBHOOK_PATH, target);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const counts: RelayCounts = { received: 0, forwarded: 0, failed: 0 };
  const queue: unknown[] = [];
  let inFlight = 0;

  const pump = () => {
    while (inFlight < concurrency && queue.length > 0) {
      const body = queue.shift();
      inFlight += 1;
      void postJson(agent, url, body).then((status) => {
        inFlight -= 1;
        counts.forwarded += 1;
        if (status !== 200) counts.failed += 1;
        pump();
      });
    }
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        queue.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        counts.received += 1;
        res.end('{"received":true}');
        pump();
      } catch {
        res.statusCode = 400;
        res.end();
      }
    });
  });
  server.listen(port, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    close() {
      agent.destroy();
      server.close();
    },
  };
}
