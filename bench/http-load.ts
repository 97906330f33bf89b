import { Agent, request } from 'node:http';
import { sleep } from './util';

export interface LoadResult {
  sent: number;
  errors: number;
  elapsedMs: number;
  /** completed requests per second */
  rate: number;
  latenciesMs: number[];
}

const REQUEST_TIMEOUT_MS = 10_000;

/** POSTs JSON over a keep-alive agent; resolves with the HTTP status (0 on a network error or timeout). */
export function postJson(agent: Agent, url: URL, body: unknown): Promise<number> {
  const data = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end(data);
  });
}

/** Closed loop: `total` calls with `concurrency` in flight, as fast as they are answered; stops after `maxMs`. */
export async function maxRate(
  total: number,
  concurrency: number,
  maxMs: number,
  call: (i: number) => Promise<boolean>,
): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  let next = 0;
  let errors = 0;
  const started = performance.now();
  const lanes = Array.from({ length: concurrency }, async () => {
    while (next < total && performance.now() - started < maxMs) {
      const i = next++;
      const t = performance.now();
      const ok = await call(i).catch(() => false);
      latenciesMs.push(performance.now() - t);
      if (!ok) errors += 1;
    }
  });
  await Promise.all(lanes);
  const elapsedMs = performance.now() - started;
  return { sent: latenciesMs.length, errors, elapsedMs, rate: latenciesMs.length / (elapsedMs / 1000), latenciesMs };
}

/**
 * Open loop: request i is due at start + i/rate whatever happened to the ones before it, and its latency counts from
 * when it was due (so a stall shows up in the latencies instead of slowing the generator down).
 */
export async function steadyRate(
  rate: number,
  seconds: number,
  call: (i: number) => Promise<boolean>,
): Promise<LoadResult> {
  const total = Math.round(rate * seconds);
  const latenciesMs: number[] = [];
  const inFlight = new Set<Promise<void>>();
  let errors = 0;
  const started = performance.now();
  for (let i = 0; i < total;) {
    const now = performance.now();
    while (i < total && started + (i * 1000) / rate <= now) {
      const dueAt = started + (i * 1000) / rate;
      const done: Promise<void> = call(i)
        .catch(() => false)
        .then((ok) => {
          latenciesMs.push(performance.now() - dueAt);
          if (!ok) errors += 1;
          inFlight.delete(done);
        });
      inFlight.add(done);
      i += 1;
    }
    await sleep(Math.max(0, started + (i * 1000) / rate - performance.now()));
  }
  await Promise.all(inFlight);
  const elapsedMs = performance.now() - started;
  return { sent: latenciesMs.length, errors, elapsedMs, rate: latenciesMs.length / (elapsedMs / 1000), latenciesMs };
}

/** Several runs as one: their requests, errors and latencies together, over their summed time. */
export function combine(runs: LoadResult[]): LoadResult {
  const sent = runs.reduce((sum, run) => sum + run.sent, 0);
  const elapsedMs = runs.reduce((sum, run) => sum + run.elapsedMs, 0);
  return {
    sent,
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    elapsedMs,
    rate: sent / (elapsedMs / 1000),
    latenciesMs: runs.flatMap((run) => run.latenciesMs),
  };
}
