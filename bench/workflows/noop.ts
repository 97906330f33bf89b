/**
 * The ceiling the billing workflow is compared with: per cycle the same Temporal work as a happy billing cycle
 * (2 activities, 1 signal awaited under 1 timer, continue-as-new), and nothing else.
 */
import { condition, continueAsNew, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { NoopActivities } from '../noop-activities';

export interface NoopNotification {
  imp_uid: string;
  merchant_uid: string;
  status: string;
}

export const noopNotification = defineSignal<[NoopNotification]>('paymentNotification');

// The billing workflow's activity options, so the server does the same bookkeeping.
const activities = proxyActivities<NoopActivities>({
  startToCloseTimeout: '45 seconds',
  scheduleToCloseTimeout: '3 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

export async function noopCycleWorkflow(cycle: number): Promise<void> {
  const notifications: NoopNotification[] = [];
  setHandler(noopNotification, (notification) => void notifications.push(notification));
  await activities.register(cycle);
  await condition(() => notifications.length > 0, '1 day');
  await activities.verify(notifications[0]?.imp_uid ?? '');
  await continueAsNew<typeof noopCycleWorkflow>(cycle + 1);
}
