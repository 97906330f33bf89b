import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { SubscriptionClient } from '../src/client';
import type { IamportClient } from '../src/iamport';
import { workflowIdFor } from '../workflows/ids';
import type { EncryptionKey } from '../src/temporal/encryption-keys';
import { measureCodecCost, type CodecCost } from './codec-cost';
import { pollUntil } from './util';

const EventType = temporal.api.enums.v1.EventType;

export interface CycleCost {
  events: number;
  /** the history's size as Temporal stores it (protobuf) */
  bytes: number;
  actions: { start: number; activities: number; signals: number; timers: number; upserts: number };
  billable: number;
}

export interface CostResult {
  happy: CycleCost;
  /** the same happy cycle of a subscription with merchant events on: payment.succeeded delivered */
  happyWithEvents: CycleCost;
  dunning: CycleCost;
  /** the payload codec's CPU per happy cycle, in this run */
  codec: CodecCost;
}

/** Temporal Cloud bills a start or continue-as-new, each activity, signal, timer and search-attribute upsert. */
function costOf(history: temporal.api.history.v1.IHistory): CycleCost {
  const events = history.events ?? [];
  const count = (type: temporal.api.enums.v1.EventType) => events.filter((e) => e.eventType === type).length;
  const actions = {
    start: count(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED),
    activities: count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
    signals: count(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED),
    timers: count(EventType.EVENT_TYPE_TIMER_STARTED),
    upserts: count(EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES),
  };
  return {
    events: events.length,
    bytes: temporal.api.history.v1.History.encode(history).finish().length,
    actions,
    billable: Object.values(actions).reduce((a, b) => a + b, 0),
  };
}

async function runsOf(client: Client, subscriptionId: string): Promise<WorkflowExecutionInfo[]> {
  const runs: WorkflowExecutionInfo[] = [];
  for await (const run of client.workflow.list({ query: `WorkflowId="${workflowIdFor(subscriptionId)}"` })) {
    runs.push(run);
  }
  return runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
}

async function continuedRuns(client: Client, subscriptionId: string, atLeast: number) {
  return pollUntil(`${atLeast} cycle(s) of ${subscriptionId}`, 90_000, 500, async () => {
    const done = (await runsOf(client, subscriptionId)).filter((run) => run.status.name === 'CONTINUED_AS_NEW');
    return done.length >= atLeast ? done : undefined;
  });
}

async function costOfRun(client: Client, subscriptionId: string, runId: string): Promise<CycleCost> {
  const history = await client.workflow.getHandle(workflowIdFor(subscriptionId), runId).fetchHistory();
  return costOf(history);
}

/**
 * One happy cycle (a run that registers the charge, gets the webhook, verifies, continues as new) and one dunning
 * cycle (the charge is declined, the retry two seconds later is paid), on the sandbox's real-time clock.
 */
export async function measureCost(deps: {
  client: Client;
  subscriptions: SubscriptionClient;
  /** starts subscriptions with merchant events on */
  subscriptionsWithEvents: SubscriptionClient;
  iamport: IamportClient;
  encryptionKeys?: readonly EncryptionKey[];
}): Promise<CostResult> {
  const { client, subscriptions, iamport } = deps;
  const card = (card_number: string) => ({ card_number, expiry: '2099-12', birth: '900101', pwd_2digit: '00' });
  const suffix = Date.now().toString(36);
  await iamport.issueBillingKey(`cost-ok-${suffix}`, card('4242-4242-4242-4242'));
  // Declines the first charge on the key, approves the ones after it.
  await iamport.issueBillingKey(`cost-dun-${suffix}`, card('4000-0000-0000-0110'));
  const happy = await subscriptions.start({
    customer_uid: `cost-ok-${suffix}`,
    plan: { name: 'Bench happy', amount: 1000, interval: 'PT3S' },
  });
  await iamport.issueBillingKey(`cost-evt-${suffix}`, card('4242-4242-4242-4242'));
  const withEvents = await deps.subscriptionsWithEvents.start({
    customer_uid: `cost-evt-${suffix}`,
    plan: { name: 'Bench happy, events on', amount: 1000, interval: 'PT3S' },
  });
  const dunning = await subscriptions.start({
    customer_uid: `cost-dun-${suffix}`,
    plan: { name: 'Bench dunning', amount: 1000, interval: 'P1M' },
    dunning: { retry_delays: ['PT2S'], final_action: 'cancel' },
  });
  // The first run starts from signup; the second is a cycle like every later one.
  const happyRun = (await continuedRuns(client, happy.subscription_id, 2))[1];
  const dunningRun = (await continuedRuns(client, dunning.subscription_id, 1))[0];
  const eventsRun = (await continuedRuns(client, withEvents.subscription_id, 2))[1];
  const happyHistory = await client.workflow
    .getHandle(workflowIdFor(happy.subscription_id), happyRun.runId)
    .fetchHistory();
  const result = {
    happy: costOf(happyHistory),
    happyWithEvents: await costOfRun(client, withEvents.subscription_id, eventsRun.runId),
    dunning: await costOfRun(client, dunning.subscription_id, dunningRun.runId),
    codec: await measureCodecCost(happyHistory, deps.encryptionKeys),
  };
  await subscriptions.cancel(happy.subscription_id);
  await subscriptions.cancel(dunning.subscription_id);
  await subscriptions.cancel(withEvents.subscription_id);
  return result;
}
