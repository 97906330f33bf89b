import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Koa from 'koa';
import { Webhook } from 'standardwebhooks';

/**
 * The merchant's side of events, as `npm start` runs it so a new user sees them: a few lines of Koa that verify each
 * delivery with the standardwebhooks package (README: Merchant events) and print it once per webhook-id.
 */
export function merchantEventReceiver(secret: string, print: (line: string) => void): Koa {
  const webhook = new Webhook(secret);
  const seen = new Set<string>();
  const app = new Koa();
  app.use(async (ctx) => {
    if (ctx.method !== 'POST') return void (ctx.status = 405);
    const raw = await readRaw(ctx.req);
    let event: { type: string; timestamp: string; data: Record<string, unknown> };
    try {
      event = webhook.verify(raw, ctx.headers as Record<string, string>) as typeof event;
    } catch {
      return void (ctx.status = 400); // not signed by our secret: ignore it
    }
    const id = ctx.get('webhook-id');
    if (!seen.has(id)) {
      seen.add(id); // a real merchant keeps these in its database: a redelivery has the same id
      const { subscription_id: subscription, sequence, amount, reason } = event.data;
      const extra = [
        amount !== undefined && `amount ${String(amount)}`,
        reason !== undefined && `reason ${String(reason)}`,
      ]
        .filter(Boolean)
        .join(', ');
      print(`event #${String(sequence)} ${event.type} · ${String(subscription)}${extra ? ` · ${extra}` : ''} (${id})`);
    }
    ctx.status = 204;
  });
  return app;
}

function readRaw(req: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => resolve(raw));
    req.on('error', reject);
  });
}

/** The secret survives restarts (like the API token), so deliveries pending across a restart still verify. */
export function eventsSecretIn(dataDir: string): string {
  const file = join(dataDir, 'events-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}

export async function startMerchantEventReceiver(
  port: number,
  secret: string,
  print: (line: string) => void,
): Promise<{ url: string; server: Server }> {
  const server = createServer(merchantEventReceiver(secret, print).callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/merchant/events`, server };
}
