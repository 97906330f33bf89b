import type { Client } from '@temporalio/client';
import { cycleTimings, type CycleTimings } from './cycles';
import { cpuMeter, statusMiB, waitUntilQuiet } from './proc';
import { NOOP_TASK_QUEUE } from './stack';
import { forEachBounded, log, pollUntil } from './util';
import { continuedSince, countRuns } from './visibility';
import type { noopCycleWorkflow, NoopNotification } from './workflows/noop';

const NOOP_WORKFLOW_TYPE = 'noopCycleWorkflow';
const TIMEOUT_MS = 25 * 60_000;

export interface NoopResult extends CycleTimings {
  /** how long the bench took to send the N signals */
  signalsSentMs: number;
  /** the no-op worker's resident memory before the N workflows started, and once they all wait */
  workerRssBeforeMiB: number;
  workerRssWaitingMiB: number;
}

/**
 * The server's ceiling for the same Temporal work: N no-op workflows wait for a signal (after their first activity,
 * under a timer), all N are signalled at once with bounded concurrency, and each then runs an activity and continues
 * as new (whose new run runs an activity and starts a timer), exactly like the burst's billing cycles.
 */
export async function runNoopCeiling(
  deps: { client: Client; countsUrl: string; pids: Record<string, number> },
  count: number,
  concurrency: number,
): Promise<NoopResult> {
  const { client } = deps;
  const suffix = Date.now().toString(36);
  const ids = Array.from({ length: count }, (_, i) => `noop-${suffix}-${i}`);
  const workerRss = () => statusMiB(deps.pids['noop-worker'], 'VmRSS') ?? NaN;
  const workerRssBeforeMiB = workerRss();
  log(`no-op: starting ${count} workflows`);
  await forEachBounded(ids, 32, async (workflowId) => {
    await client.workflow.start<typeof noopCycleWorkflow>(NOOP_WORKFLOW_TYPE, {
      workflowId,
      taskQueue: NOOP_TASK_QUEUE,
      args: [1],
    });
  });
  await pollUntil('every no-op workflow to wait for its signal', TIMEOUT_MS, 1000, async () => {
    const counts = (await (await fetch(deps.countsUrl)).json()) as { register: number };
    return counts.register >= count ? true : undefined;
  });
  await waitUntilQuiet(Object.values(deps.pids));
  const workerRssWaitingMiB = workerRss();
  log(`no-op: signalling ${count} workflows`);

  const cpu = cpuMeter(deps.pids);
  const releasedAt = Date.now();
  const notification = (i: number): NoopNotification => ({
    imp_uid: `imp_noop${i}`,
    merchant_uid: `noop_${i}`,
    status: 'paid',
  });
  await forEachBounded(ids, concurrency, async (workflowId, i) => {
    await client.workflow.getHandle(workflowId).signal('paymentNotification', notification(i));
  });
  const signalsSentMs = Date.now() - releasedAt;
  const query = continuedSince(NOOP_WORKFLOW_TYPE, releasedAt);
  try {
    await pollUntil('every no-op cycle', TIMEOUT_MS, 2000, async () => {
      const done = await countRuns(client, query);
      return done >= count ? done : undefined;
    });
  } catch (error) {
    log(`no-op: ${(error as Error).message}`);
  }
  const usage = cpu.stop();
  return {
    ...(await cycleTimings(client, query, count, releasedAt, usage)),
    signalsSentMs,
    workerRssBeforeMiB,
    workerRssWaitingMiB,
  };
}
