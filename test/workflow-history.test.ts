/**
 * What one billing cycle costs in history events and billable actions, and (with RECORD_HISTORIES=1) the recording of
 * the histories test/replay.test.ts replays against the current workflow code.
 */
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { TEST_CARDS } from 'iamport-sandbox';
import { workflowIdFor } from '../workflows/ids';
import { cancel, pause, resume, updatePaymentMethod } from '../workflows/messages';
import { recordHistory } from './helpers/histories';
import { useDevServerStack } from './helpers/dev-server-stack';
import { eventually } from './helpers/stack';
import { issueKey, startSubscription, uniqueId, waitForState } from './helpers/subscriptions';

const EventType = temporal.api.enums.v1.EventType;

const billing = useDevServerStack();

async function runsOf(subscriptionId: string): Promise<WorkflowExecutionInfo[]> {
  const runs: WorkflowExecutionInfo[] = [];
  for await (const run of billing.stack.client.workflow.list({
    query: `WorkflowId="${workflowIdFor(subscriptionId)}"`,
  })) {
    runs.push(run);
  }
  return runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
}

async function historyOf(subscriptionId: string, runId: string) {
  return billing.stack.client.workflow.getHandle(workflowIdFor(subscriptionId), runId).fetchHistory();
}

/** Temporal Cloud bills a start or continue-as-new, each activity, signal, timer and search-attribute upsert. */
function billableActions(events: temporal.api.history.v1.IHistoryEvent[]): Record<string, number> {
  const count = (type: temporal.api.enums.v1.EventType) => events.filter((e) => e.eventType === type).length;
  const upserts = events.filter((e) => e.eventType === EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES).length;
  return {
    start: count(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED),
    activities: count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
    signals: count(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED),
    timers: count(EventType.EVENT_TYPE_TIMER_STARTED),
    upserts,
  };
}

it('keeps every happy cycle in its own short run: bounded history, at most 6 billable actions', async () => {
  const id = uniqueId('hist');
  const customer = await issueKey(billing.stack.iamport, `cust-${id}`);
  await startSubscription(billing.stack.client, billing.stack.taskQueue, {
    subscription_id: id,
    customer_uid: customer,
    plan: { name: 'History', amount: 1000, interval: 'PT2S' },
  });
  await waitForState(billing.stack.client, id, (s) => s.totals.paid_count >= 3);
  const runs = await eventually(async () => {
    const all = await runsOf(id);
    return all.filter((r) => r.status.name === 'CONTINUED_AS_NEW').length >= 3 ? all : undefined;
  });

  // The second run is a cycle like every later one (the first starts from signup).
  const cycleRun = runs.filter((r) => r.status.name === 'CONTINUED_AS_NEW')[1];
  const history = await historyOf(id, cycleRun.runId);
  const events = history.events ?? [];
  const actions = billableActions(events);
  const total = Object.values(actions).reduce((a, b) => a + b, 0);
  console.log(`happy cycle: ${events.length} history events, billable actions ${JSON.stringify(actions)} = ${total}`);

  expect(events.at(-1)?.eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW);
  expect(actions).toEqual({ start: 1, activities: 2, signals: 1, timers: 1, upserts: 0 });
  expect(total).toBeLessThanOrEqual(6);
  expect(events.length).toBeLessThanOrEqual(30);
  recordHistory('happy-cycle', history);

  await billing.stack.client.workflow.getHandle(workflowIdFor(id)).executeUpdate(cancel, { args: [{}] });
});

it('records a dunning cycle and the lifecycle commands for the replay test', async () => {
  const id = uniqueId('rec');
  const declining = await issueKey(billing.stack.iamport, `bad-${id}`, TEST_CARDS.insufficientBalance);
  const handle = await startSubscription(billing.stack.client, billing.stack.taskQueue, {
    subscription_id: id,
    customer_uid: declining,
    plan: { name: 'Recorded', amount: 2000, interval: 'PT3S' },
    dunning: { retry_delays: ['PT1S'], final_action: 'unpaid' },
  });
  await waitForState(billing.stack.client, id, (s) => s.status === 'unpaid');
  const good = await issueKey(billing.stack.iamport, `good-${id}`);
  await handle.executeUpdate(updatePaymentMethod, { args: [{ customer_uid: good }] });
  await waitForState(billing.stack.client, id, (s) => s.status === 'active' && s.pending_charge?.registered === true);
  const dunningRun = (await runsOf(id))[0];
  const dunningHistory = await historyOf(id, dunningRun.runId);
  const dunningActions = billableActions(dunningHistory.events ?? []);
  console.log(
    `dunning cycle (2 declines, card update, recovery): ${dunningHistory.events?.length} events, ${JSON.stringify(dunningActions)}`,
  );
  recordHistory('dunning-then-recovery', dunningHistory);

  await handle.executeUpdate(pause);
  await handle.executeUpdate(resume);
  await waitForState(billing.stack.client, id, (s) => s.totals.paid_count === 2);
  await handle.executeUpdate(cancel, { args: [{ at_period_end: true }] });
  const final = await handle.result();
  expect(final.status).toBe('canceled');
  // Visibility catches up with the close a moment after result() returns.
  const lastRun = await eventually(async () => {
    const run = (await runsOf(id)).at(-1);
    return run?.status.name === 'COMPLETED' ? run : undefined;
  });
  expect(lastRun.runId).toBe((await billing.stack.client.workflow.getHandle(workflowIdFor(id)).describe()).runId);
  recordHistory('pause-resume-cancel-at-period-end', await historyOf(id, lastRun.runId));
});
