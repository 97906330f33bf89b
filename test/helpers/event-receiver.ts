import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { EventData, EventType } from '../../workflows/events';

/** A delivery as the merchant's endpoint saw it. */
export interface ReceivedEvent {
  id: string;
  type: EventType;
  timestamp: string;
  data: EventData;
  headers: IncomingHttpHeaders;
  raw: string;
  /** each secret the receiver checks with, and whether standardwebhooks' own verify accepted the delivery */
  verified: Record<string, boolean>;
  /** what the receiver answered */
  answered: number;
}

/** How the endpoint answers one delivery (default 204). */
export type Answer = { status: number; headers?: Record<string, string>; delayMs?: number };

/**
 * A merchant endpoint for tests: verifies every delivery with the standardwebhooks package's Webhook.verify, with
 * each of `secrets` alone, and records it. `answer` picks the HTTP answer; `down()` stops listening (connections are
 * refused) and `up()` listens again on the same port.
 */
export async function startEventReceiver(options: { secrets: string[]; answer?: (event: ReceivedEvent) => Answer }) {
  const received: ReceivedEvent[] = [];
  const settings = { secrets: [...options.secrets], answer: options.answer };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      const headers = req.headers;
      const verified: Record<string, boolean> = {};
      for (const secret of settings.secrets) {
        try {
          new Webhook(secret).verify(raw, headers as Record<string, string>);
          verified[secret] = true;
        } catch {
          verified[secret] = false;
        }
      }
      const body = JSON.parse(raw) as { type: EventType; timestamp: string; data: EventData };
      const event: ReceivedEvent = {
        id: String(headers['webhook-id']),
        ...body,
        headers,
        raw,
        verified,
        answered: 204,
      };
      const answer = settings.answer?.(event) ?? { status: 204 };
      event.answered = answer.status;
      received.push(event);
      setTimeout(() => res.writeHead(answer.status, answer.headers).end(), answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/merchant/events`,
    received,
    settings,
    /** deliveries answered 2xx, one per id (the merchant's deduplication), in the order of their sequence */
    accepted(subscriptionId?: string): ReceivedEvent[] {
      const byId = new Map<string, ReceivedEvent>();
      for (const event of received) {
        if (event.answered < 200 || event.answered >= 300) continue;
        if (subscriptionId && event.data.subscription_id !== subscriptionId) continue;
        if (!byId.has(event.id)) byId.set(event.id, event);
      }
      return [...byId.values()].sort((a, b) => a.data.sequence - b.data.sequence);
    },
    async down(): Promise<void> {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async up(): Promise<void> {
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
    async close(): Promise<void> {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type EventReceiver = Awaited<ReturnType<typeof startEventReceiver>>;

export const newSecret = (fill?: number) =>
  `whsec_${(fill === undefined ? Buffer.from(crypto.getRandomValues(new Uint8Array(32))) : Buffer.alloc(32, fill)).toString('base64')}`;
