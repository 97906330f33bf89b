/**
 * SubscriptionClient: everything a merchant's backend does with subscriptions, on a Temporal Client. The HTTP
 * server (src/server) is one user; a merchant may embed this class instead of calling HTTP. Requests are validated
 * here too, so a bad request never reaches a workflow. No card data: issue billing keys first (src/billing-key.ts).
 */
import { randomBytes } from 'node:crypto';
import type {
  Client,
  WorkflowExecutionDescription,
  WorkflowHandle,
  WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { describeInterval, parseInterval } from '../workflows/calendar';
import { workflowIdFor, subscriptionIdFromMerchantUid } from '../workflows/ids';
import type { subscriptionWorkflow } from '../workflows';
import type { SubscriptionView } from '../workflows/view';
import * as messages from '../workflows/messages';
import { CustomerUidKey, searchAttributePairs, searchValuesOf } from '../workflows/search-attributes';
import { CORE_VERSION } from '../workflows/patches';
import { initialState } from '../workflows/state';
import {
  DEFAULT_DUNNING,
  DEFAULT_PAYMENT_RESULT_GRACE,
  DEFAULT_TIMEZONE,
  MAX_CONSENT_WINDOW,
  type PaymentNotification,
  type SubscriptionInput,
  type SubscriptionStatus,
} from '../workflows/types';
import {
  subscriptionIdFromEventId,
  type Delivery,
  type DeliveryStatus,
  type EventsSettings,
  type EventType,
} from '../workflows/events';
import { enableEndpoint, readDisabled } from './events-endpoint';
import { SubscriptionError, toSubscriptionError } from './client-errors';
import { keyHash, keyPartOf, MEMO, randomUpdateId, subscriptionIdForKey } from './idempotency';
import { productionFloorProblems, type IamportMode } from './production-floors';
import {
  cancelRequestSchema,
  consentDecisionSchema,
  customerUidSchema,
  refundRequestSchema,
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
  type FieldProblem,
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
  /** CONSENT_WINDOW: how long before a charge at a raised price the consent request goes out; default and max P30D */
  consentWindow?: string;
  /** deadline of a start, query or describe; default 10 s */
  callTimeoutMs?: number;
  /** deadline of a webhook signal; default 5 s (iamport waits 30 s for the answer) */
  signalTimeoutMs?: number;
  /** how long to wait for an update to be applied; default 30 s */
  updateTimeoutMs?: number;
  /**
   * how long an update whose call failed because Temporal was unreachable is re-sent (same update id, so Temporal
   * applies it at most once) before the caller gets `unavailable`; default 4 s, within updateTimeoutMs
   */
  updateRetryMs?: number;
  /**
   * Merchant events for the subscriptions this client starts (set when EVENTS_URL is): they are on for a
   * subscription's whole life from its start; ones started while events were off stay without them.
   */
  events?: EventsSettings;
  /** IAMPORT_MODE: `live` refuses billing intervals under a day and dunning delays under an hour; default sandbox */
  iamportMode?: IamportMode;
  now?: () => number;
}

/** What a signup answers (the HTTP 201 body); kept in the memo of an idempotent signup. */
export interface SignupAnswer {
  subscription_id: string;
  customer_uid: string;
  status: SubscriptionStatus;
  /** the first charge (or the end of the trial) */
  next_charge_at: string;
}

export interface StartedSubscription extends SignupAnswer {
  workflow_id: string;
  /** the run that answers now (with `replayed`, the latest run of the workflow this key started) */
  run_id: string;
  /** true when an earlier request with the same Idempotency-Key started it */
  replayed: boolean;
}

/** Options of every command. */
export interface UpdateOptions {
  /**
   * The Temporal update id: a retry with the same id attaches to the same update instead of applying the command
   * again. Default: a random one per call (still reused by this call's own retries). See src/idempotency.ts for the
   * id an Idempotency-Key gives.
   */
  updateId?: string;
}

/** What makes a signup idempotent (src/idempotency.ts). */
export interface SignupIdempotency {
  /** the Idempotency-Key as the caller sent it (only its sha256 is stored) */
  key: string;
  /** requestFingerprint('POST /subscriptions', the whole request, card included) */
  fingerprint: string;
}

export interface StartOptions {
  idempotency?: SignupIdempotency;
}

export type NotificationRouting =
  | { routed: true; subscription_id: string }
  | { routed: false; reason: 'unknown_merchant_uid' | 'subscription_not_running'; subscription_id?: string };

export class SubscriptionClient {
  private readonly client: Client;
  private readonly taskQueue: string;
  /** BILLING_TIMEZONE: the zone of the billing calendar of the subscriptions this client starts */
  readonly timezone: string;
  private readonly paymentResultGrace: string;
  private readonly consentWindow: string;
  private readonly callTimeoutMs: number;
  private readonly signalTimeoutMs: number;
  private readonly updateTimeoutMs: number;
  private readonly updateRetryMs: number;
  private readonly iamportMode: IamportMode;
  private readonly events?: EventsSettings;
  private readonly now: () => number;

  constructor(options: SubscriptionClientOptions) {
    this.client = options.client;
    this.taskQueue = options.taskQueue;
    this.timezone = options.timezone ?? DEFAULT_TIMEZONE;
    this.paymentResultGrace = options.paymentResultGrace ?? DEFAULT_PAYMENT_RESULT_GRACE;
    this.consentWindow = options.consentWindow ?? MAX_CONSENT_WINDOW;
    this.events = options.events;
    this.callTimeoutMs = options.callTimeoutMs ?? 10_000;
    this.signalTimeoutMs = options.signalTimeoutMs ?? 5_000;
    this.updateTimeoutMs = options.updateTimeoutMs ?? 30_000;
    this.updateRetryMs = options.updateRetryMs ?? 4_000;
    this.iamportMode = options.iamportMode ?? 'sandbox';
    this.now = options.now ?? Date.now;
  }

  /**
   * Validates a new subscription as start() does (the schema, then the production floors), without starting it: the
   * HTTP server calls it before a card is sent to iamport.
   */
  checkNewSubscription(request: NewSubscription): ReturnType<ReturnType<typeof newSubscriptionSchema>['parse']> {
    const parsed = validate(newSubscriptionSchema(this.now), request);
    refuse(
      productionFloorProblems(this.iamportMode, {
        interval: parsed.plan.interval,
        retryDelays: parsed.dunning?.retry_delays,
      }),
    );
    return parsed;
  }

  /**
   * Starts a subscription's workflow. Fails with `already_exists` while one with the same id runs; an id may be used
   * again once its subscription has ended. `next_charge_at` is computed from the input exactly as the workflow
   * computes it (start_at, which defaults to now, or trial_end), so the answer does not wait for a worker.
   *
   * With `idempotency`, the subscription id defaults to one derived from the key, the key's and the request's
   * hashes go into the workflow's memo, and a workflow this key already started is answered as the first time
   * (`replayed: true`), or refused with `idempotency_conflict` when the request differs. Unless
   * `allow_shared_customer_uid` is true, a customer_uid another running subscription bills is refused
   * (`customer_uid_in_use`).
   */
  async start(request: NewSubscription, options: StartOptions = {}): Promise<StartedSubscription> {
    const {
      allow_shared_customer_uid: allowShared,
      on_missing_consent: onMissingConsent,
      trial_conversion_consent: trialConversion,
      ...parsed
    } = this.checkNewSubscription(request);
    const createdAtMs = this.now();
    const createdAt = new Date(createdAtMs).toISOString();
    const { idempotency } = options;
    const subscriptionId =
      parsed.subscription_id ??
      (idempotency ? subscriptionIdForKey(idempotency.key) : undefined) ??
      generateSubscriptionId();
    if (idempotency) {
      const previous = await this.previousSignup(subscriptionId, idempotency);
      if (previous) return previous;
    }
    if (!allowShared) await this.refuseSharedCustomerUid(parsed.customer_uid, subscriptionId);
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
      core_version: CORE_VERSION,
      consent: {
        window: this.consentWindow,
        on_missing_consent: onMissingConsent ?? 'cancel',
        ...(trialConversion ? { trial_conversion: trialConversion } : {}),
      },
      ...(this.events ? { events: { ...this.events } } : {}),
    };
    const initial = initialState(input, createdAtMs);
    const answer: SignupAnswer = {
      subscription_id: subscriptionId,
      customer_uid: input.customer_uid,
      status: initial.status,
      next_charge_at: initial.anchor_at,
    };
    const searchAttributes = searchAttributePairs(
      searchValuesOf({ ...initial, next_charge_at: initial.anchor_at, customer_uid: input.customer_uid }),
    );
    let handle: WorkflowHandleWithFirstExecutionRunId<typeof subscriptionWorkflow>;
    try {
      handle = await this.call(subscriptionId, this.callTimeoutMs, () =>
        this.client.workflow.start<typeof subscriptionWorkflow>(WORKFLOW_TYPE, {
          workflowId: workflowIdFor(subscriptionId),
          taskQueue: this.taskQueue,
          args: [input],
          workflowIdConflictPolicy: 'FAIL',
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
          typedSearchAttributes: searchAttributes,
          staticSummary: summaryOf(input.plan),
          memo: idempotency
            ? {
                [MEMO.keyHash]: keyHash(idempotency.key),
                [MEMO.requestHash]: idempotency.fingerprint,
                [MEMO.answer]: answer,
              }
            : undefined,
        }),
      );
    } catch (error) {
      // A concurrent retry with the same key won the race: answer as it did.
      if (idempotency && error instanceof SubscriptionError && error.code === 'already_exists') {
        const previous = await this.previousSignup(subscriptionId, idempotency);
        if (previous) return previous;
      }
      throw error;
    }
    return { ...answer, workflow_id: handle.workflowId, run_id: handle.firstExecutionRunId, replayed: false };
  }

  /**
   * The subscription a signup with this Idempotency-Key already started (its first answer), or undefined when there
   * is none, so the signup may go on. Throws `idempotency_conflict` when the key was used for another request, and
   * `already_exists` when another request (without this key) started a subscription under the id that still runs.
   */
  async previousSignup(
    subscriptionId: string,
    idempotency: SignupIdempotency,
  ): Promise<StartedSubscription | undefined> {
    const id = validate(subscriptionIdSchema, subscriptionId, 'subscription_id');
    let description: WorkflowExecutionDescription;
    try {
      description = await this.call(id, this.callTimeoutMs, () => this.handle(id).describe());
    } catch (error) {
      if (error instanceof SubscriptionError && error.code === 'not_found') return undefined;
      throw error;
    }
    const memo = description.memo ?? {};
    if (memo[MEMO.keyHash] === keyHash(idempotency.key)) {
      if (memo[MEMO.requestHash] !== idempotency.fingerprint) {
        throw new SubscriptionError(
          'idempotency_conflict',
          'this Idempotency-Key was already used for another request; send a new key for a new request',
        );
      }
      const answer = memo[MEMO.answer] as SignupAnswer;
      return {
        ...answer,
        workflow_id: description.workflowId,
        run_id: description.runId,
        replayed: true,
      };
    }
    if (description.status.name === 'RUNNING') {
      throw new SubscriptionError('already_exists', `subscription ${id} already exists and is running`);
    }
    return undefined;
  }

  /**
   * Refuses (`customer_uid_in_use`) a customer_uid that a running subscription other than `subscriptionId` bills:
   * a second subscription on one billing key is usually a retried signup, and issuing a card under it would replace
   * the other subscription's card. Reads Temporal's visibility (the CustomerUid search attribute), which lags a
   * start by moments, so two simultaneous signups may both pass; an Idempotency-Key covers retries.
   */
  async refuseSharedCustomerUid(customerUid: string, subscriptionId?: string): Promise<void> {
    const uid = validate(customerUidSchema, customerUid, 'customer_uid');
    // A backslash or a double quote does not survive every visibility store's string escaping (SQLite keeps a
    // backslash doubled): look such a customer_uid up by the part before the first quote or backslash, and compare
    // exactly here.
    const exact = !/[\\"]/.test(uid);
    const conditions = [
      exact
        ? `${CustomerUidKey.name} = ${visibilityString(uid)}`
        : `${CustomerUidKey.name} STARTS_WITH ${visibilityString(uid.slice(0, uid.search(/[\\"']/)))}`,
      `ExecutionStatus = "Running"`,
      `WorkflowType = "${WORKFLOW_TYPE}"`,
      ...(subscriptionId ? [`WorkflowId != ${visibilityString(workflowIdFor(subscriptionId))}`] : []),
    ];
    const other = await this.call(subscriptionId ?? '', this.callTimeoutMs, async () => {
      let scanned = 0;
      const query = conditions.join(' AND ');
      for await (const workflow of this.client.workflow.list({ query, pageSize: exact ? 1 : 100 })) {
        if (workflow.typedSearchAttributes.get(CustomerUidKey) === uid) return workflow.workflowId;
        if (++scanned >= MAX_SCANNED_FOR_CUSTOMER_UID) break;
      }
      return undefined;
    });
    if (other) {
      const problems = [
        {
          field: 'customer_uid',
          message:
            'another running subscription bills this customer_uid; send "allow_shared_customer_uid": true if that is intended',
        },
      ];
      throw new SubscriptionError('customer_uid_in_use', summarizeProblems(problems), problems);
    }
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
  async getState(subscriptionId: string): Promise<SubscriptionView> {
    const id = validate(subscriptionIdSchema, subscriptionId, 'subscription_id');
    return this.call(id, this.callTimeoutMs, () => this.handle(id).query(messages.getState));
  }

  async cancel(
    subscriptionId: string,
    request: messages.CancelRequest = {},
    options: UpdateOptions = {},
  ): Promise<SubscriptionView> {
    const args = validate(cancelRequestSchema, request);
    return this.update(subscriptionId, options, (handle, updateId) =>
      handle.executeUpdate(messages.cancel, { args: [args], updateId }),
    );
  }

  /**
   * Refunds one of the subscription's payments (default: the latest paid one, whatever is left of it) through
   * iamport's /payments/cancel with the checksum guard. Refused (`conflict`) when more than is refundable is asked.
   */
  async refund(
    subscriptionId: string,
    request: messages.RefundRequest,
    options: UpdateOptions = {},
  ): Promise<SubscriptionView> {
    const args = validate(refundRequestSchema, request);
    return this.update(subscriptionId, options, (handle, updateId) =>
      handle.executeUpdate(messages.refund, { args: [args], updateId }),
    );
  }

  /** Records the customer's answer to a price change's consent request (README: Korean rules). */
  async consent(
    subscriptionId: string,
    decision: messages.ConsentDecision,
    options: UpdateOptions = {},
  ): Promise<SubscriptionView> {
    const args = validate(consentDecisionSchema, decision);
    if (Date.parse(args.at) > this.now() + 5 * 60_000) {
      const problems = [{ field: 'at', message: 'must not be in the future' }];
      throw new SubscriptionError('invalid_request', summarizeProblems(problems), problems);
    }
    return this.update(subscriptionId, options, (handle, updateId) =>
      handle.executeUpdate(messages.consent, { args: [args], updateId }),
    );
  }

  async undoCancel(subscriptionId: string, options: UpdateOptions = {}): Promise<SubscriptionView> {
    return this.update(subscriptionId, options, (handle, updateId) =>
      handle.executeUpdate(messages.undoCancel, { updateId }),
    );
  }

  /** After needs_attention that waits for an operator (a refunded or unverifiable payment): charge the period again. */
  async retry(subscriptionId: string, options: UpdateOptions = {}): Promise<SubscriptionView> {
    return this.update(subscriptionId, options, (handle, updateId) =>
      handle.executeUpdate(messages.retry, { updateId }),
    );
  }

  async pause(subscriptionId: string, options: UpdateOptions = {}): Promise<SubscriptionView> {
    return this.update(subscriptionId, options, (handle, updateId) =>
      handle.executeUpdate(messages.pause, { updateId }),
    );
  }

  async resume(subscriptionId: string, options: UpdateOptions = {}): Promise<SubscriptionView> {
    return this.update(subscriptionId, options, (handle, updateId) =>
      handle.executeUpdate(messages.resume, { updateId }),
    );
  }

  async changePlan(
    subscriptionId: string,
    change: messages.PlanChange,
    options: UpdateOptions = {},
  ): Promise<SubscriptionView> {
    const args = validate(planChangeSchema, change);
    refuse(productionFloorProblems(this.iamportMode, { interval: args.interval, intervalField: 'interval' }));
    return this.update(subscriptionId, options, (handle, updateId) =>
      handle.executeUpdate(messages.changePlan, { args: [args], updateId }),
    );
  }

  /** Points the subscription at another billing key (customer_uid). Issue the key first when it is new. */
  async updatePaymentMethod(
    subscriptionId: string,
    change: messages.PaymentMethodChange,
    options: UpdateOptions = {},
  ): Promise<SubscriptionView> {
    const args = validate(paymentMethodChangeSchema, change);
    return this.update(subscriptionId, options, (handle, updateId) =>
      handle.executeUpdate(messages.updatePaymentMethod, { args: [args], updateId }),
    );
  }

  /**
   * Whether the update with this id was already accepted by the subscription's current run (a retried request
   * whose first attempt went through): the HTTP server then skips work that must happen once, such as issuing a
   * billing key. Also refuses (`idempotency_conflict`) a keyed update id whose key was used for another request.
   */
  async updateSeen(subscriptionId: string, updateId: string): Promise<boolean> {
    const id = validate(subscriptionIdSchema, subscriptionId, 'subscription_id');
    const seen = await this.call(id, this.callTimeoutMs, () => this.acceptedUpdateIds(id));
    refuseReusedKey(updateId, seen);
    return seen.includes(updateId);
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

  /**
   * Runs an update under one update id: when Temporal is unreachable or the call times out, the same update is sent
   * again (Temporal applies an update id once per run and answers a repeat with the first outcome) until
   * updateRetryMs have passed, then `unavailable`. A keyed update id whose key this run already saw with another
   * request is refused first (`idempotency_conflict`).
   */
  private async update(
    subscriptionId: string,
    options: UpdateOptions,
    run: (handle: WorkflowHandle<typeof subscriptionWorkflow>, updateId: string) => Promise<SubscriptionView>,
  ): Promise<SubscriptionView> {
    const id = validate(subscriptionIdSchema, subscriptionId, 'subscription_id');
    const updateId = options.updateId ?? randomUpdateId();
    if (!UPDATE_ID_PATTERN.test(updateId)) {
      throw new SubscriptionError('invalid_request', `updateId must be ${UPDATE_ID_RULE}`);
    }
    const started = Date.now();
    const deadline = started + this.updateTimeoutMs;
    if (keyPartOf(updateId)) {
      try {
        refuseReusedKey(updateId, await this.call(id, this.callTimeoutMs, () => this.acceptedUpdateIds(id)));
      } catch (error) {
        if (!(error instanceof SubscriptionError && error.code === 'not_found')) throw error;
      }
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.client.connection.withDeadline(deadline, () => run(this.handle(id), updateId));
      } catch (raw) {
        const error = toSubscriptionError(raw, id);
        // Temporal answers "not found" for an ended workflow too: maybe this very update ended it (a cancel).
        if (error instanceof SubscriptionError && error.code === 'not_found') {
          const outcome = await this.completedUpdate(id, updateId);
          if (outcome) return outcome.result();
          throw await this.notRunning(id);
        }
        const pause = Math.min(250 * 2 ** (attempt - 1), 2_000);
        const retry =
          error instanceof SubscriptionError &&
          error.code === 'unavailable' &&
          Date.now() + pause < Math.min(started + this.updateRetryMs, deadline);
        if (!retry) throw error;
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  /** The outcome of an update the (ended) workflow completed, or undefined when it never saw that update id. */
  private async completedUpdate(
    id: string,
    updateId: string,
  ): Promise<{ result: () => Promise<SubscriptionView> } | undefined> {
    let seen: string[];
    try {
      seen = await this.call(id, this.callTimeoutMs, () => this.acceptedUpdateIds(id));
    } catch {
      return undefined;
    }
    if (!seen.includes(updateId)) return undefined;
    return {
      result: () =>
        this.call(id, this.callTimeoutMs, () =>
          this.client.workflow.getHandle(workflowIdFor(id)).getUpdateHandle<SubscriptionView>(updateId).result(),
        ),
    };
  }

  /** The ids of the updates the workflow's latest run accepted, from its history. */
  private async acceptedUpdateIds(id: string): Promise<string[]> {
    const history = await this.handle(id).fetchHistory();
    return (history.events ?? []).flatMap((event) => {
      const updateId = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.meta?.updateId;
      return updateId ? [updateId] : [];
    });
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

  // ---- merchant events (issue 11) --------------------------------------------------------------------------------

  /** The subscription's merchant events and their deliveries, newest first, filtered by type and status. */
  async listEvents(
    subscriptionId: string,
    filter: { type?: EventType; status?: DeliveryStatus } = {},
  ): Promise<{ enabled: boolean; deliveries: Delivery[] }> {
    const id = validate(subscriptionIdSchema, subscriptionId, 'subscription_id');
    const answer = await this.call(id, this.callTimeoutMs, () => this.handle(id).query(messages.getEvents));
    return {
      enabled: answer.enabled,
      deliveries: answer.deliveries.filter(
        (d) => (!filter.type || d.event.type === filter.type) && (!filter.status || d.status === filter.status),
      ),
    };
  }

  /** Sends an event again under its id: at once when pending, back into the outbox when delivered or failed. */
  async redeliverEvent(eventId: string): Promise<Delivery> {
    const subscriptionId = subscriptionIdFromEventId(eventId);
    if (!subscriptionId) {
      throw new SubscriptionError('invalid_request', 'the event id is not one of ours (evt_<subscription>_<tag>_<n>)');
    }
    return this.call(subscriptionId, this.updateTimeoutMs, () =>
      this.handle(subscriptionId).executeUpdate(messages.redeliverEvent, { args: [eventId] }),
    );
  }

  /** Whether a 410 Gone disabled the merchant endpoint (workflows/events-endpoint.ts), and why. */
  async eventsEndpoint(): Promise<{ disabled: boolean; reason?: string }> {
    const reason = await this.call('-', this.callTimeoutMs, () => readDisabled(this.client));
    return reason ? { disabled: true, reason } : { disabled: false };
  }

  /** The operator enables the endpoint again after a 410; false when it was not disabled. */
  async enableEventsEndpoint(): Promise<boolean> {
    return this.call('-', this.callTimeoutMs, () => enableEndpoint(this.client));
  }

  private async call<T>(subscriptionId: string, timeoutMs: number, run: () => Promise<T>): Promise<T> {
    try {
      return await this.client.connection.withDeadline(Date.now() + timeoutMs, run);
    } catch (error) {
      throw toSubscriptionError(error, subscriptionId);
    }
  }
}

/** How many running subscriptions a customer_uid with a backslash is compared with, at most. */
const MAX_SCANNED_FOR_CUSTOMER_UID = 1000;

/** Update ids callers may give: letters, digits and `._:-`, at most 100 characters. */
export const UPDATE_ID_PATTERN = /^[A-Za-z0-9._:-]{1,100}$/;
const UPDATE_ID_RULE = 'letters, digits and "._:-", at most 100 characters';

/** `idempotency_conflict` when the run accepted an update with the same key half but another request half. */
function refuseReusedKey(updateId: string, seen: string[]): void {
  const key = keyPartOf(updateId);
  if (!key) return;
  if (seen.some((other) => other !== updateId && keyPartOf(other) === key)) {
    throw new SubscriptionError(
      'idempotency_conflict',
      'this Idempotency-Key was already used for another request; send a new key for a new request',
    );
  }
}

/** A Temporal visibility string literal: single-quoted, with `\` and `'` escaped by a backslash. */
function visibilityString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function refuse(problems: FieldProblem[]): void {
  if (problems.length > 0) throw new SubscriptionError('invalid_request', summarizeProblems(problems), problems);
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
