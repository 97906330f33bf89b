import { Agent } from 'node:http';
import type { Client } from '@temporalio/client';
import { WEBHOOK_PATH } from '../src/server/paths';
import type { LedgerCharge } from 'iamport-sandbox';
import { paymentNotification } from '../workflows/messages';
import { subscriptionIdFromMerchantUid, workflowIdFor } from '../workflows/ids';
import { combine, maxRate, postJson, steadyRate, type LoadResult } from './http-load';
import { waitUntilQuiet } from './proc';
import { log, percentile } from './util';

const PHASE_MAX_MS = 180_000;
const BLOCKS = 4;

export interface RateFigures {
  sent: number;
  errors: number;
  rate: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface IngestResult {
  concurrency: number;
  raw: RateFigures;
  webhook: RateFigures;
  steady: SteadyFigures;
  /** the same at half the measured max rate, when the target rate is above that: the latency without a backlog */
  sustainable?: SteadyFigures;
}

export type SteadyFigures = RateFigures & { targetRate: number; seconds: number };

function figures(load: LoadResult): RateFigures {
  return {
    sent: load.sent,
    errors: load.errors,
    rate: load.rate,
    p50Ms: percentile(load.latenciesMs, 50),
    p99Ms: percentile(load.latenciesMs, 99),
    maxMs: load.latenciesMs.reduce((a, b) => Math.max(a, b), 0),
  };
}

/**
 * Webhooks for subscriptions that exist: copies of the notifications the burst's charges sent. The workflows (now in
 * their next cycle) count a copy as a duplicate and do nothing else, so each one costs a signal and a workflow task.
 * The same notifications are sent three ways: with the Temporal client straight to the workflows (the raw rate), to
 * the Koa endpoint as fast as it answers, and to the Koa endpoint at a steady rate.
 */
export async function runWebhookIngest(
  deps: { client: Client; apiUrl: string; charges: LedgerCharge[]; pids: Record<string, number> },
  options: { requests: number; concurrency: number; steadyRate: number; steadySeconds: number },
): Promise<IngestResult> {
  const bodies = deps.charges.map(({ imp_uid, merchant_uid, status }) => ({ imp_uid, merchant_uid, status }));
  if (bodies.length === 0) throw new Error('webhook ingest needs the paid charges of the burst');
  const body = (i: number) => bodies[i % bodies.length];
  const url = new URL(WEBHOOK_PATH, deps.apiUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: Math.max(options.concurrency, 64) });
  const pids = Object.values(deps.pids);
  const webhook = async (i: number) => (await postJson(agent, url, body(i))) === 200;

  const signal = async (i: number) => {
    const notification = body(i);
    const subscriptionId = subscriptionIdFromMerchantUid(notification.merchant_uid)!;
    await deps.client.workflow.getHandle(workflowIdFor(subscriptionId)).signal(paymentNotification, notification);
    return true;
  };

  try {
    // Raw and webhook runs take turns in blocks, so a change in the machine's load does not favour one of them.
    log(`ingest: ${options.requests} raw signals and ${options.requests} webhooks, ${options.concurrency} in flight`);
    const perBlock = Math.ceil(options.requests / BLOCKS);
    const rawBlocks: LoadResult[] = [];
    const webhookBlocks: LoadResult[] = [];
    for (let block = 0; block < BLOCKS; block++) {
      const offset = block * perBlock;
      await waitUntilQuiet(pids);
      rawBlocks.push(await maxRate(perBlock, options.concurrency, PHASE_MAX_MS / BLOCKS, (i) => signal(offset + i)));
      await waitUntilQuiet(pids);
      webhookBlocks.push(
        await maxRate(perBlock, options.concurrency, PHASE_MAX_MS / BLOCKS, (i) => webhook(offset + i)),
      );
    }
    const raw = combine(rawBlocks);
    const burst = combine(webhookBlocks);

    const steadyAt = async (rate: number): Promise<SteadyFigures> => {
      await waitUntilQuiet(pids);
      log(`ingest: ${rate} webhooks/s for ${options.steadySeconds} s`);
      const load = await steadyRate(rate, options.steadySeconds, webhook);
      return { ...figures(load), targetRate: rate, seconds: options.steadySeconds };
    };
    const steady = await steadyAt(options.steadyRate);
    const half = Math.floor(burst.rate / 2);
    return {
      concurrency: options.concurrency,
      raw: figures(raw),
      webhook: figures(burst),
      steady,
      sustainable: half > 0 && half < options.steadyRate ? await steadyAt(half) : undefined,
    };
  } finally {
    agent.destroy();
  }
}
