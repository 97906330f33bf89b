import { readFileSync } from 'node:fs';
import { WEBHOOK_PATH } from '../src/server/paths';
import { percentile } from './util';

export interface WebhookDelivery {
  count: number;
  non200: number;
  /** first to last answered webhook */
  spanMs: number;
  /** time the server spent per webhook (its request log's duration_ms) */
  serverP50Ms: number;
  serverP99Ms: number;
}

/** The webhooks the HTTP server answered at or after `sinceMs`, read from its request log (one JSON line each). */
export function webhooksAnswered(logFile: string, sinceMs: number): WebhookDelivery {
  const times: number[] = [];
  const durations: number[] = [];
  let non200 = 0;
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes('"msg":"request"') || !line.includes(WEBHOOK_PATH)) continue;
    const entry = JSON.parse(line) as { time: string; status: number; duration_ms: number };
    const at = Date.parse(entry.time);
    if (at < sinceMs) continue;
    times.push(at);
    durations.push(entry.duration_ms);
    if (entry.status !== 200) non200 += 1;
  }
  return {
    count: times.length,
    non200,
    spanMs: times.length > 0 ? times.reduce((a, b) => Math.max(a, b)) - times.reduce((a, b) => Math.min(a, b)) : 0,
    serverP50Ms: percentile(durations, 50),
    serverP99Ms: percentile(durations, 99),
  };
}
