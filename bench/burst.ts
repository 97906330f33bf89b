import type { Client } from '@temporalio/client';
import type { SubscriptionClient } from '../src/client';
import type { IamportClient } from '../src/iamport';
import { WORKFLOW_TYPE } from '../src/client';
import { cycleTimings, type CycleTimings } from './cycles';
import { cpuMeter, statusMiB, waitUntilQuiet } from './proc';
import { sampleMemory, type MemoryPeak } from './memory';
import type { SandboxAdmin } from './sandbox-admin';
import { webhooksAnswered, type WebhookDelivery } from './server-log';
import { forEachBounded, log, pollUntil } from './util';
import type { RelayCounts } from './webhook-relay';
import { continuedSince, countRuns } from './visibility';

/** How long the whole burst may take before the bench gives up (and reports how far it got). */
const BURST_TIMEOUT_MS = 25 * 60_000;
const SETUP_CONCURRENCY = 32;

export interface BurstResult extends CycleTimings {
  /** every burst subscription id (and so its merchant_uids) starts with it */
  idPrefix: string;
  setupSeconds: number;
  /** the worker's resident memory before the sign-ups, and when the charges are released */
  workerRssBeforeMiB: number;
  /** what the relay between the sandbox and the HTTP server saw, if there is one */
  relay?: RelayCounts;
  memory: Record<string, MemoryPeak>;
  webhooks: WebhookDelivery;
}

export interface BurstDeps {
  client: Client;
  subscriptions: SubscriptionClient;
  iamport: IamportClient;
  admin: SandboxAdmin;
  pids: Record<string, number>;
  serverLog: string;
  relay?: RelayCounts;
}

/**
 * N subscriptions whose first charge is due at the same instant T. The sandbox's clock is frozen before T while
 * they are signed up and register their charges; then it is set to T, which runs all N charges at once and sends
 * the webhooks. A cycle counts as verified when its run continues as new (the payment is recorded), so the run's
 * close time in visibility is the verification instant; it is read after the burst, and the only polling meanwhile
 * is a visibility count every 2 s.
 */
export async function runBurst(deps: BurstDeps, count: number): Promise<BurstResult> {
  const { client, subscriptions, iamport, admin } = deps;
  const setupStarted = Date.now();
  const workerRssBeforeMiB = statusMiB(deps.pids.worker, 'VmRSS') ?? NaN;
  await admin.clock({ mode: 'frozen' });
  const suffix = Date.now().toString(36);
  const idPrefix = `b${suffix}-`;
  const ids = Array.from({ length: count }, (_, i) => `${idPrefix}${i}`);
  log(`burst: issuing ${count} billing keys`);
  await forEachBounded(ids, SETUP_CONCURRENCY, async (id) => {
    await iamport.issueBillingKey(`cust-${id}`, {
      card_number: '4242-4242-4242-4242',
      expiry: '2099-12',
      birth: '900101',
      pwd_2digit: '00',
    });
  });
  // Far enough ahead that every registration lands before it (iamport runs a schedule in the past at once), and near
  // enough that the iamport tokens issued before the sandbox's clock is moved there are still valid (30 minutes).
  const dueAt = Math.ceil((Date.now() + 60_000 + count * 110) / 1000) * 1000;
  log(`burst: signing up ${count} subscriptions due at ${new Date(dueAt).toISOString()}`);
  await forEachBounded(ids, SETUP_CONCURRENCY, async (id) => {
    await subscriptions.start({
      subscription_id: id,
      customer_uid: `cust-${id}`,
      plan: { name: 'Bench monthly', amount: 9900, interval: 'P1M' },
      start_at: new Date(dueAt).toISOString(),
    });
  });
  await pollUntil('every charge to be registered', dueAt - Date.now(), 2000, async () => {
    const registered = await admin.scheduledBetween(dueAt, dueAt + 1000);
    return registered >= count ? registered : undefined;
  });
  const quietMs = await waitUntilQuiet(Object.values(deps.pids));
  const setupSeconds = (Date.now() - setupStarted) / 1000;
  log(`burst: ${count} charges registered (setup ${setupSeconds.toFixed(0)} s, quiet after ${quietMs} ms); release`);

  const memory = sampleMemory({ worker: deps.pids.worker, server: deps.pids.server, temporal: deps.pids.temporal });
  const cpu = cpuMeter(deps.pids);
  const relayBefore = deps.relay ? { ...deps.relay } : undefined;
  const releasedAt = Date.now();
  await admin.clock({ set_ms: dueAt });
  const query = continuedSince(WORKFLOW_TYPE, releasedAt);
  let completed = 0;
  try {
    await pollUntil('every payment to be verified', BURST_TIMEOUT_MS, 2000, async () => {
      completed = await countRuns(client, query);
      return completed >= count ? completed : undefined;
    });
  } catch (error) {
    log(`burst: ${(error as Error).message}; ${completed} of ${count} verified`);
  }
  const cpuUsage = cpu.stop();
  const memoryPeaks = memory.stop();
  const timings = await cycleTimings(client, query, count, releasedAt, cpuUsage);
  return {
    ...timings,
    idPrefix,
    setupSeconds,
    workerRssBeforeMiB,
    memory: memoryPeaks,
    webhooks: webhooksAnswered(deps.serverLog, releasedAt),
    relay: relayBefore && deps.relay ? countsSince(relayBefore, deps.relay) : undefined,
  };
}

function countsSince(before: RelayCounts, now: RelayCounts): RelayCounts {
  return {
    received: now.received - before.received,
    forwarded: now.forwarded - before.forwarded,
    failed: now.failed - before.failed,
  };
}
