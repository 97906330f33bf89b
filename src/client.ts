/**
 * SubscriptionClient: everything a merchant's backend does with subscriptions, on a Temporal Client. The HTTP
 * server (src/server) is one user; a merchant may embed this class instead of calling HTTP. Requests are validated
 * here too, so a bad request never reaches a workflow. No card data: issue billing keys first (src/billing-key.ts).
 */
import { randomBytes } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { describeInterval, parseInterval } from '../workflows/calendar';
import { workflowIdFor, subscriptionIdFromMerchantUid } from '../workflows/ids';
import type { subscriptionWorkflow } from '../workflows';
import * as messages from '../workflows/messages';
import { CustomerUidKey, NextChargeAtKey, PlanAmountKey, SubscriptionStatusKey } from '../workflows/search-attributes';
import { initialState } from '../workflows/state';
import {
  DEFAULT_DUNNING,
  DEFAULT_PAYMENT_RESULT_GRACE,
  DEFAULT_TIMEZONE,
  type PaymentNotification,
  type SubscriptionInput,
  type SubscriptionState,
  type SubscriptionStatus,
} from '../workflows/types';
import { SubscriptionError, toSubscriptionError } from './client-errors';
import {
  cancelRequestSchema,
  DEFAULT_INTERVAL,
  describeIssues,
  IMP_UID_PATTERN,
  IMP_UID_RULE,
  MERCHANT_UID_PATTERN,
  newSubscriptionSchema,
  paymentMethodChangeSchema,
  planChangeSchema,
  subscriptionIdSchema,
  summarizeProblems,
  type NewSubscription,
} from './subscription-requests';
import type { z } from 'zod';

export const WORKFLOW_TYPE = 'subscriptionWorkflow';

export interface SubscriptionClientOptions {
  client: Client;
  taskQueue: string;
  /** IANA zone of the billing calendar (BILLING_TIMEZONE); fixed per subscription at its start */
  timezone?: string;
  /** PAYMENT_RESULT_GRACE */
  paymentResultGrace?: string;
  /** deadline of a start, query or describe; default 10 s */
  callTimeoutMs?: number;
  /** deadline of a webhook signal; default 5 s (iamport waits 30 s for the answer) */
  signalTimeoutMs?: number;
  /** how long to wait for an update to be applied; default 30 s */
  updateTimeoutMs?: number;
  now?: () => number;
}

export interface StartedSubscription {
  subscription_id: string;
  customer_uid: string;
  status: SubscriptionStatus;
  /** the first charge (or the end of the trial) */
  next_charge_at: string;
  workflow_id: string;
  run_id: string;
}

export type NotificationRouting =
  | { routed: true; subscription_id: string }
  | { routed: false; reason: 'unknown_merchant_uid' | 'subscription_not_running'; subscription_id?: string };

export class SubscriptionClient {
  private readonly client: Client;
  private readonly taskQueue: string;
  private readonly timezone: string;
  private readonly paymentResultGrace: string;
  private readonly callTimeoutMs: number;
  private readonly signalTimeoutMs: number;
  private readonly updateTimeoutMs: number;
  private readonly now: () => number;

  constructor(options: SubscriptionClientOptions) {
    this.client = options.client;
    this.taskQueue = options.taskQueue;
    this.timezone = options.timezone ?? DEFAULT_TIMEZONE;
    this.paymentResultGrace = options.paymentResultGrace ?? DEFAULT_PAYMENT_RESULT_GRACE;
    this.callTimeoutMs = options.callTimeoutMs ?? 10_000;
    this.signalTimeoutMs = options.signalTimeoutMs ?? 5_000;
    this.updateTimeoutMs = options.updateTimeoutMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * Starts a subscription's workflow. Fails with `already_exists` while one with the same id runs; an id may be used
   * again once its subscription has ended. `next_charge_at` is computed from the input exactly as the workflow
   * computes it (start_at, which defaults to now, or trial_end), so the answer does not wait for a worker.
   */
  async start(request: NewSubscription): Promise<StartedSubscription> {
    const parsed = validate(newSubscriptionSchema(this.now), request);
    const createdAtMs = this.now();
    const createdAt = new Date(createdAtMs).toISOString();
    const subscriptionId = parsed.subscription_id ?? generateSubscriptionId();
    const input: SubscriptionInput = {
      subscription_id: subscriptionId,
      customer_uid: parsed.customer_uid,
      plan: { ...parsed.plan, interval: parsed.plan.interval ?? DEFAULT_INTERVAL },
      buyer: parsed.buyer,
      // Pinned to the signup time, so the calendar's anchor does not depend on when a worker first runs the workflow.
      start_at: parsed.start_at ?? createdAt,
      trial_end: parsed.trial_end,
      dunning: parsed.dunning ?? DEFAULT_DUNNING,
      payment_result_grace: this.paymentResultGrace,
      timezone: this.timezone,
      created_at: createdAt,
    };
    const initial = initialState(input, createdAtMs);
    const searchAttributes: SearchAttributePair[] = [
      { key: SubscriptionStatusKey, value: initial.status },
      { key: CustomerUidKey, value: input.customer_uid },
      { key: NextChargeAtKey, value: new Date(initial.anchor_at) },
      { key: PlanAmountKey, value: input.plan.amount },
    ];
    const handle = await this.call(subscriptionId, this.callTimeoutMs, () =>
      this.client.workflow.start<typeof subscriptionWorkflow>(WORKFLOW_TYPE, {
        workflowId: workflowIdFor(subscriptionId),
        taskQueue: this.taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        typedSearchAttributes: searchAttributes,
        staticSummary: summaryOf(input.plan),
      }),
    );
    return {
      subscription_id: subscriptionId,
      customer_uid: input.customer_uid,
      status: initial.status,
      next_charge_at: initial.anchor_at,
      workflow_id: handle.workflowId,
      run_id: handle.firstExecutionRunId,
    };
  }

  /** Whether the subscription's workflow runs, has ended (it ends when the subscription is canceled), or never existed. */
  async lifecycle(subscriptionId: string): Promise<'running' | 'ended' | 'none'> {
    const id = validate(subscriptionIdSchema, subscriptionId, 'subscription_id');
    try {
      const description = await this.call(id, this.callTimeoutMs, () => this.handle(id).describe());
      return description.status.name === 'RUNNING' ? 'running' : 'ended';
    } catch (error) {
      if (error instanceof SubscriptionError && error.code === 'not_found') return 'none';
      throw error;
    }
  }

  /** The subscription's state; also answers for a recently ended (canceled) subscription. */
  async getState(subscriptionId: string): Promise<SubscriptionState> {
    const id = validate(subscriptionIdSchema, subscriptionId, 'subscription_id');
    return this.call(id, this.callTimeoutMs, () => this.handle(id).query(messages.getState));
  }

  async cancel(subscriptionId: string, request: messages.CancelRequest = {}): Promise<SubscriptionState> {
    const args = validate(cancelRequestSchema, request);
    return this.update(subscriptionId, (handle) => handle.executeUpdate(messages.cancel, { args: [args] }));
  }

  async undoCancel(subscriptionId: string): Promise<SubscriptionState> {
    return this.update(subscriptionId, (handle) => handle.executeUpdate(messages.undoCancel));
  }

  async pause(subscriptionId: string): Promise<SubscriptionState> {
    return this.update(subscriptionId, (handle) => handle.executeUpdate(messages.pause));
  }

  async resume(subscriptionId: string): Promise<SubscriptionState> {
    return this.update(subscriptionId, (handle) => handle.executeUpdate(messages.resume));
  }

  async changePlan(subscriptionId: string, change: messages.PlanChange): Promise<SubscriptionState> {
    const args = validate(planChangeSchema, change);
    return this.update(subscriptionId, (handle) => handle.executeUpdate(messages.changePlan, { args: [args] }));
  }

  /** Points the subscription at another billing key (customer_uid). Issue the key first when it is new. */
  async updatePaymentMethod(subscriptionId: string, change: messages.PaymentMethodChange): Promise<SubscriptionState> {
    const args = validate(paymentMethodChangeSchema, change);
    return this.update(subscriptionId, (handle) =>
      handle.executeUpdate(messages.updatePaymentMethod, { args: [args] }),
    );
  }

  /**
   * Forwards an iamport webhook to the subscription its merchant_uid names. The workflow verifies it with iamport,
   * so nothing in it is trusted here. Notifications for unknown or ended subscriptions are not errors: iamport
   * would otherwise send them again and again.
   */
  async signalPaymentNotification(notification: PaymentNotification): Promise<NotificationRouting> {
    const subscriptionId = MERCHANT_UID_PATTERN.test(notification.merchant_uid)
      ? subscriptionIdFromMerchantUid(notification.merchant_uid)
      : undefined;
    if (!subscriptionId) return { routed: false, reason: 'unknown_merchant_uid' };
    const { imp_uid, merchant_uid, status } = notification;
    // The workflow puts imp_uid in an iamport URL path: a malformed one never reaches it.
    if (typeof imp_uid !== 'string' || !IMP_UID_PATTERN.test(imp_uid)) {
      const problems = [{ field: 'imp_uid', message: `must be ${IMP_UID_RULE}` }];
      throw new SubscriptionError('invalid_request', summarizeProblems(problems), problems);
    }
    try {
      await this.call(subscriptionId, this.signalTimeoutMs, () =>
        this.handle(subscriptionId).signal(messages.paymentNotification, { imp_uid, merchant_uid, status }),
      );
      return { routed: true, subscription_id: subscriptionId };
    } catch (error) {
      if (error instanceof SubscriptionError && error.code === 'not_found') {
        return { routed: false, reason: 'subscription_not_running', subscription_id: subscriptionId };
      }
      throw error;
    }
  }

  /** True when Temporal answers within `timeoutMs` and knows the namespace (a readiness probe). */
  async isTemporalReachable(timeoutMs = 3_000): Promise<boolean> {
    try {
      await this.client.connection.withDeadline(Date.now() + timeoutMs, () =>
        this.client.workflowService.describeNamespace({ namespace: this.client.options.namespace }),
      );
      return true;
    } catch {
      return false;
    }
  }

  /** The Temporal handle of a subscription, for what this class does not cover (e.g. result(), describe()). */
  handle(subscriptionId: string): WorkflowHandle<typeof subscriptionWorkflow> {
    return this.client.workflow.getHandle<typeof subscriptionWorkflow>(workflowIdFor(subscriptionId));
  }

  private async update(
    subscriptionId: string,
    run: (handle: WorkflowHandle<typeof subscriptionWorkflow>) => Promise<SubscriptionState>,
  ): Promise<SubscriptionState> {
    const id = validate(subscriptionIdSchema, subscriptionId, 'subscription_id');
    try {
      return await this.call(id, this.updateTimeoutMs, () => run(this.handle(id)));
    } catch (error) {
      // Temporal answers "not found" for an ended workflow too: tell the two apart.
      if (error instanceof SubscriptionError && error.code === 'not_found') throw await this.notRunning(id);
      throw error;
    }
  }

  private async notRunning(id: string): Promise<SubscriptionError> {
    try {
      const { status } = await this.call(id, this.callTimeoutMs, () => this.handle(id).describe());
      if (status.name === 'RUNNING') return new SubscriptionError('unavailable', 'the subscription is busy; try again');
      const ended = status.name === 'COMPLETED' ? 'canceled' : `ended (${status.name.toLowerCase()})`;
      return new SubscriptionError('conflict', `the subscription is ${ended}`);
    } catch (error) {
      if (error instanceof SubscriptionError) return error;
      throw error;
    }
  }

  private async call<T>(subscriptionId: string, timeoutMs: number, run: () => Promise<T>): Promise<T> {
    try {
      return await this.client.connection.withDeadline(Date.now() + timeoutMs, run);
    } catch (error) {
      throw toSubscriptionError(error, subscriptionId);
    }
  }
}

function validate<S extends z.ZodType>(schema: S, value: unknown, field?: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = describeIssues(result.error, field ? [field] : []);
  throw new SubscriptionError('invalid_request', summarizeProblems(problems), problems);
}

/** `sub-` and 16 random hex digits: 20 characters, the longest id SUBSCRIPTION_ID_PATTERN allows. */
export function generateSubscriptionId(): string {
  return `sub-${randomBytes(8).toString('hex')}`;
}

/** The line Temporal UI shows for the workflow, e.g. `Premium ₩8,900 monthly`. */
export function summaryOf(plan: { name: string; amount: number; interval: string }): string {
  return `${plan.name} ₩${plan.amount.toLocaleString('en-US')} ${describeInterval(parseInterval(plan.interval))}`;
}
