import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  currentUpdateInfo,
  isCancellation,
  makeContinueAsNewFunc,
  metricMeter,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { SubscriptionEvents } from './events';
import { deliveries, INTERRUPTED, IamportCalls, reads, refunds, registrations, revokes } from './iamport-calls';
import { subscriptionWorkflowV1 } from './legacy/subscription-v1';
import type { SubscriptionInput as LegacyInput } from './legacy/types-v1';
import * as messages from './messages';
import { SubscriptionModel } from './model';
import { SpinGuard } from './spin-guard';
import type { RefundPlan } from './refunds';
import { CORE_VERSION } from './patches';
import {
  CustomerUidKey,
  NextChargeAtKey,
  PlanAmountKey,
  searchAttributeChanges,
  searchAttributePairs,
  searchValuesOf,
  SubscriptionStatusKey,
  type SubscriptionSearchValues,
} from './search-attributes';
import type { DeliveryAnswer } from './events';
import type { PaymentNotification, PendingCharge, SubscriptionInput, SubscriptionStatus } from './types';
import type { SubscriptionView } from './view';

/** Continue-as-new past this many events even if Temporal has not suggested it yet. */
const DEFAULT_HISTORY_LIMIT = 2_000;
/** How long a loop caught going round without waiting sleeps before it looks again. */
const SPIN_PAUSE_MS = 10 * 60_000;

interface QueuedCommand {
  command: messages.OperatorCommand;
  /** when its update or signal was accepted: the time the caller's answer speaks of */
  acceptedAtMs: number;
  updateId?: string;
  fromSignal?: boolean;
  done: boolean;
  error?: unknown;
  result?: SubscriptionView;
}

/**
 * One subscription, for its whole life. Each run is one billing cycle: register the charge with iamport's schedule
 * API → wait for its webhook → verify the payment with iamport → on success continue-as-new into the next cycle; on
 * failure, dunning. Commands (cancel, pause, plan and card changes) are applied between steps and interrupt a call
 * that is still retrying. Nothing an iamport answer or a caller sends can fail the workflow: what cannot be classified
 * shows as `needs_attention` and stops charging until the cause goes away or an operator acts.
 */
export async function subscriptionWorkflow(input: SubscriptionInput): Promise<SubscriptionView> {
  // Runs started before the restructure replay (and finish their cycle) in the code that started them.
  if ((input.core_version ?? 1) < CORE_VERSION) {
    return (await subscriptionWorkflowV1(input as unknown as LegacyInput)) as unknown as SubscriptionView;
  }

  const model = new SubscriptionModel(input, Date.now());
  const commands: QueuedCommand[] = [];
  /** webhooks not handled yet; carried across continue-as-new */
  const notifications: PaymentNotification[] = [...(input.notifications ?? [])];
  const calls = new IamportCalls(model, waitingFor, publish);
  const spinGuard = new SpinGuard();
  // Merchant events (workflows/events.ts), only when the input turns them on: runs without them (and every history
  // recorded before them) make exactly the commands they made before.
  const events = input.events
    ? new SubscriptionEvents(model.state, input, input.events, model.state.events, Date.now())
    : undefined;
  if (events) model.state.events = events.state;
  /** an event delivery is in flight (the canceled run's last wait lets it finish) */
  let delivering = false;
  /** the run is about to continue as new: no new delivery starts in it */
  let closing = false;
  const observeEvents = () => events?.observe(Date.now());

  // ---- messages --------------------------------------------------------------------------------------------------
  setHandler(messages.getState, () => model.view());
  setHandler(messages.getEvents, () => ({ enabled: events !== undefined, deliveries: events?.list() ?? [] }));
  setHandler(
    messages.redeliverEvent,
    (eventId) => {
      const delivery = events?.redeliver(eventId, Date.now());
      if (!delivery) throw notFound(eventId);
      return delivery;
    },
    {
      validator: (eventId) => {
        if (!events || typeof eventId !== 'string' || !events.list().some((d) => d.event.id === eventId)) {
          throw notFound(eventId);
        }
      },
    },
  );
  setHandler(messages.paymentNotification, (notification) => {
    if (typeof notification?.imp_uid === 'string' && typeof notification?.merchant_uid === 'string') {
      notifications.push({ imp_uid: notification.imp_uid, merchant_uid: notification.merchant_uid, status: '' });
    } else {
      model.state.totals.ignored_notifications += 1;
    }
  });
  setHandler(messages.operatorCommand, (command) => {
    commands.push({ command, acceptedAtMs: Date.now(), fromSignal: true, done: false });
  });
  function commandUpdate<A extends unknown[]>(toCommand: (...args: A) => messages.OperatorCommand) {
    return {
      handler: async (...args: A): Promise<SubscriptionView> => {
        const updateId = currentUpdateInfo()?.id;
        // A retried request of an update applied in an earlier run (same id): its command is not applied twice.
        if (updateId && model.updateApplied(updateId)) return model.view();
        const queued: QueuedCommand = { command: toCommand(...args), acceptedAtMs: Date.now(), updateId, done: false };
        commands.push(queued);
        await condition(() => queued.done);
        if (queued.error) throw queued.error;
        return queued.result!;
      },
      validator: (...args: A): void => {
        const updateId = currentUpdateInfo()?.id;
        if (updateId && model.updateConflicts(updateId)) {
          throw ApplicationFailure.create({
            type: messages.REJECTION.conflict,
            message: 'this Idempotency-Key was used for another request',
            nonRetryable: true,
          });
        }
        if (updateId && model.updateApplied(updateId)) return;
        model.validate(toCommand(...args), Date.now());
      },
    };
  }
  const updates = {
    cancel: commandUpdate((args: messages.CancelRequest) => ({ command: 'cancel', args })),
    undoCancel: commandUpdate(() => ({ command: 'undoCancel' })),
    pause: commandUpdate(() => ({ command: 'pause' })),
    resume: commandUpdate(() => ({ command: 'resume' })),
    changePlan: commandUpdate((args: messages.PlanChange) => ({ command: 'changePlan', args })),
    updatePaymentMethod: commandUpdate((args: messages.PaymentMethodChange) => ({
      command: 'updatePaymentMethod',
      args,
    })),
    retry: commandUpdate(() => ({ command: 'retry' })),
    refund: commandUpdate((args: messages.RefundRequest) => ({ command: 'refund', args })),
    consent: commandUpdate((args: messages.ConsentDecision) => ({ command: 'consent', args })),
  };
  setHandler(messages.cancel, updates.cancel.handler, { validator: updates.cancel.validator });
  setHandler(messages.undoCancel, updates.undoCancel.handler, { validator: updates.undoCancel.validator });
  setHandler(messages.pause, updates.pause.handler, { validator: updates.pause.validator });
  setHandler(messages.resume, updates.resume.handler, { validator: updates.resume.validator });
  setHandler(messages.changePlan, updates.changePlan.handler, { validator: updates.changePlan.validator });
  setHandler(messages.updatePaymentMethod, updates.updatePaymentMethod.handler, {
    validator: updates.updatePaymentMethod.validator,
  });
  setHandler(messages.retry, updates.retry.handler, { validator: updates.retry.validator });
  setHandler(messages.refund, updates.refund.handler, { validator: updates.refund.validator });
  setHandler(messages.consent, updates.consent.handler, { validator: updates.consent.validator });

  // ---- operator visibility ---------------------------------------------------------------------------------------
  const initial = workflowInfo().typedSearchAttributes;
  let published: Partial<SubscriptionSearchValues> = {
    status: initial.get(SubscriptionStatusKey) as SubscriptionStatus | undefined,
    customerUid: initial.get(CustomerUidKey),
    nextChargeAt: initial.get(NextChargeAtKey)?.toISOString(),
    planAmount: initial.get(PlanAmountKey),
  };
  function publish(): void {
    const current = searchValuesOf(model.view());
    const changes = searchAttributeChanges(published, current);
    if (changes.length > 0) upsertSearchAttributes(changes);
    if (current.status === 'needs_attention' && published.status !== 'needs_attention') {
      metricMeter
        .createCounter('subscription_needs_attention', 'count', 'Times a subscription stopped charging for attention')
        .add(1);
    }
    published = current;
  }
  function waitingFor(text: string): void {
    if (model.state.waiting_for !== text) {
      model.state.waiting_for = text;
      setCurrentDetails(`**${model.view().status}** · cycle ${model.state.cycle} · ${text}`);
    }
  }
  const commandWaiting = () => commands.length > 0;

  // ---- the loop --------------------------------------------------------------------------------------------------
  publish();
  // Beside the loop, never inside it: a slow or dead merchant endpoint never delays a charge or a command.
  if (events) void deliverEvents(events);
  for (;;) {
    observeEvents();
    await applyCommands();
    if (notifications.length > 0) {
      await verifyNotification(notifications.shift()!);
      continue;
    }
    if (historyIsLong()) await continueAsNew();
    const step = model.nextStep(Date.now());
    if (spinGuard.turn(Date.now())) {
      // A bug, not an iamport answer: stop charging, show it, and look again later instead of spinning.
      model.enterAttention('unexpected', `the billing loop made no progress at step ${step.kind}`, Date.now());
      publish();
      waitingFor(`an operator: the billing loop made no progress at step ${step.kind}`);
      await condition(commandWaiting, SPIN_PAUSE_MS);
      spinGuard.reset();
      continue;
    }
    // A new cycle's run starts with its search attributes set: a happy cycle needs no separate upsert.
    if (step.kind !== 'next_cycle') publish();
    switch (step.kind) {
      case 'next_cycle':
        await continueAsNew();
        continue; // a command canceled the subscription before the cycle could continue
      case 'ended':
        break;
      case 'idle':
        waitingFor(step.why);
        await condition(() => commands.length > 0 || notifications.length > 0 || historyIsLong());
        continue;
      case 'wait':
        waitingFor(`${step.why} at ${new Date(step.untilMs).toISOString()}`);
        await condition(() => commands.length > 0 || notifications.length > 0, Math.max(step.untilMs - Date.now(), 1));
        continue;
      case 'period_end':
        model.endAtPeriodEnd();
        continue;
      case 'register':
        await register(step.charge);
        continue;
      case 'await_result':
        waitingFor(`payment result of ${step.charge.merchant_uid} (due ${step.charge.scheduled_at})`);
        await condition(
          () => commands.length > 0 || notifications.length > 0,
          Math.max(step.deadlineMs - Date.now(), 1),
        );
        continue;
      case 'look_up':
        await lookUp(step.charge);
        continue;
      case 'revoke':
        await revokePending();
        continue;
      case 'consent_due':
        // consent.requested / consent.missing follow from the state (workflows/events.ts)
        model.consentDue(Date.now());
        continue;
    }
    break;
  }

  waitingFor('nothing: canceled');
  observeEvents();
  publish();
  if (events) {
    // The last events (subscription.canceled) go out before the run closes; a merchant down for longer than the
    // retry schedule (or a disabled endpoint) leaves them pending in the final state, listed by GET /events.
    waitingFor('delivering the last merchant events');
    await condition(() => events.head() === undefined && !delivering, EVENTS_DRAIN_LIMIT);
    waitingFor('nothing: canceled');
  }
  // Let any update that is still returning finish before the run closes.
  await condition(allHandlersFinished);
  return model.view();

  // ---- steps -----------------------------------------------------------------------------------------------------
  /** Registers the charge; a command or a webhook for it interrupts a registration that is still retrying. */
  async function register(charge: PendingCharge): Promise<void> {
    waitingFor(`registering ${charge.merchant_uid} with iamport`);
    const webhookForIt = () => notifications.some((n) => n.merchant_uid === charge.merchant_uid);
    const interrupt = () => commandWaiting() || webhookForIt();
    for (let failures = 0; ; failures++) {
      const result = await calls.attempt(
        'registering a charge',
        () =>
          registrations.registerCharge({
            customer_uid: charge.customer_uid,
            merchant_uid: charge.merchant_uid,
            amount: charge.amount,
            name: model.state.plan.name,
            charge_at: charge.charge_at,
            buyer: model.state.buyer,
          }),
        interrupt,
      );
      if (result.kind === 'ok') {
        if (result.value.outcome === 'scheduled') model.registered(result.value.scheduled_at);
        else model.registrationRefused(result.value.reason, Date.now());
        return;
      }
      // The request may have reached iamport: from here on, iamport may hold this merchant_uid.
      model.registrationInterrupted();
      if (result.kind === 'interrupted') return;
      // Out of time: before sleeping through a backoff, ask iamport whether the registration went through.
      const found = await calls.attempt(
        'looking up a charge',
        () => reads.lookupCharge(charge.merchant_uid),
        interrupt,
      );
      if (found.kind === 'ok' && found.value.schedule_status !== 'missing') {
        if (found.value.schedule_status === 'scheduled' && found.value.scheduled_at && !found.value.payment) {
          model.registered(found.value.scheduled_at);
        } else {
          model.lookedUp(found.value, Date.now());
        }
        return;
      }
      if (await calls.backoff('registering a charge', failures, interrupt)) return;
    }
  }

  /** Fetches the payment a webhook names, unless it is a copy or not about the pending charge. */
  async function verifyNotification(notification: PaymentNotification): Promise<void> {
    if (model.triage(notification) !== 'verify') return;
    waitingFor(`verifying payment ${notification.imp_uid}`);
    const payment = await calls.retrying(
      'verifying a payment',
      () => reads.fetchPayment(notification.imp_uid),
      commandWaiting,
    );
    if (payment === INTERRUPTED) {
      // A command comes first; the webhook is verified after it.
      model.forgetCheck(notification.imp_uid);
      notifications.unshift(notification);
      return;
    }
    model.fetched(notification.imp_uid, payment, Date.now());
  }

  /** No verified result by the deadline: ask iamport what became of the schedule. */
  async function lookUp(charge: PendingCharge): Promise<void> {
    waitingFor(`looking up ${charge.merchant_uid} (no webhook yet)`);
    const found = await calls.retrying(
      'looking up a charge',
      () => reads.lookupCharge(charge.merchant_uid),
      commandWaiting,
    );
    if (found === INTERRUPTED) return;
    if (model.lookedUp(found, Date.now()).revoke) await revokePending();
  }

  /** Takes the pending charge back from iamport; false when iamport is running it (its result is then awaited). */
  async function revokePending(): Promise<boolean> {
    const pending = model.pending;
    if (!pending) return true;
    waitingFor(`revoking ${pending.merchant_uid}`);
    const result = await calls.retrying('revoking the pending charge', () =>
      revokes.revokeCharge({
        customer_uid: pending.customer_uid,
        merchant_uid: pending.merchant_uid,
        amount: pending.amount,
        name: model.state.plan.name,
        charge_at: pending.charge_at,
      }),
    );
    // retrying() without an interrupt condition never answers INTERRUPTED.
    return result === INTERRUPTED ? false : model.revocation(result, Date.now());
  }

  // ---- commands --------------------------------------------------------------------------------------------------
  async function applyCommands(): Promise<void> {
    while (commands.length > 0) {
      const queued = commands.shift()!;
      try {
        model.validate(queued.command, queued.acceptedAtMs); // the state may have moved since the validator ran
        let revoked = true;
        let stampMs = queued.acceptedAtMs;
        if (model.needsRevocation(queued.command)) {
          const paidBefore = model.state.totals.paid_count;
          revoked = await revokePending();
          // iamport ran the charge between the command's acceptance and its revoke: that payment came first, and the
          // command takes effect (and is stamped) now, after it.
          if (!revoked || model.state.totals.paid_count > paidBefore) stampMs = Date.now();
          model.validate(queued.command, queued.acceptedAtMs); // a payment settled by the revoke may have moved it
        }
        // Planned before the command changes the state (a cancel's prorated refund is of the period it ends).
        const refund = model.refundFor(queued.command, queued.acceptedAtMs);
        if (refund && !revoked) {
          // iamport is charging right now: the refund would miss that payment; the caller tries again in a minute.
          throw ApplicationFailure.create({
            type: messages.REJECTION.conflict,
            message: 'iamport is executing the pending charge right now; try the refund again in a minute',
            nonRetryable: true,
          });
        }
        model.apply(queued.command, stampMs, Date.now(), revoked);
        observeEvents();
        if (refund) await runRefund(refund, queued.command.command === 'refund');
      } catch (error) {
        queued.error = asRefusal(error);
        if (queued.fromSignal) {
          const message = `operator command ${queued.command?.command} refused: ${(queued.error as Error).message}`;
          model.state.last_error = { message, type: 'InvalidCommand', at: new Date().toISOString() };
        }
      }
      if (queued.updateId && !queued.error) model.updateDone(queued.updateId, Date.now());
      queued.result = model.view();
      queued.done = true;
      publish();
    }
  }

  /** A refund through iamport, durable and ordered with the charges (payment.refunded follows from the state). */
  async function runRefund(plan: RefundPlan, failOnRefusal: boolean): Promise<void> {
    waitingFor(`refunding ${plan.amount} of ${plan.imp_uid}`);
    const result = await calls.retrying('refunding a payment', () =>
      refunds.refundPayment({
        imp_uid: plan.imp_uid,
        amount: plan.amount,
        checksum: plan.checksum,
        reason: plan.reason,
      }),
    );
    // retrying() without an interrupt condition never answers INTERRUPTED.
    if (result !== INTERRUPTED) model.refunded(plan, result, Date.now(), failOnRefusal);
  }

  // ---- continue-as-new -------------------------------------------------------------------------------------------
  function historyIsLong(): boolean {
    const info = workflowInfo();
    return (
      notifications.length === 0 &&
      (info.continueAsNewSuggested || info.historyLength > (input.history_limit ?? DEFAULT_HISTORY_LIMIT))
    );
  }

  async function continueAsNew(): Promise<void> {
    // Handlers still running would be cut off by continue-as-new: let queued commands finish first. An event delivery
    // in flight is not waited for (a slow merchant must not hold up the next charge): it stays pending in the outbox
    // and the next run sends it again under the same id.
    closing = true;
    for (;;) {
      await applyCommands();
      if (model.state.status === 'canceled') {
        closing = false;
        return;
      }
      if (allHandlersFinished() && commands.length === 0) break;
      await condition(() => commands.length > 0 || allHandlersFinished());
    }
    // Events of this run's last transition (payment.succeeded) go with the state: the next run delivers them.
    observeEvents();
    const next = searchValuesOf(model.view());
    // A closed run keeps its search attributes: without this, a subscription that recovered from past_due would still
    // match SubscriptionStatus="past_due" through its old run. Status changes are rare; happy cycles skip it.
    if (next.status !== published.status) upsertSearchAttributes([{ key: SubscriptionStatusKey, value: next.status }]);
    waitingFor('continuing as new');
    await makeContinueAsNewFunc<typeof subscriptionWorkflow>({ typedSearchAttributes: searchAttributePairs(next) })({
      ...input,
      core_version: CORE_VERSION,
      state: model.state,
      // Webhooks still queued go with it: the next run verifies them (or counts them as copies of settled ones).
      notifications: notifications.splice(0),
    });
  }

  // ---- merchant events -------------------------------------------------------------------------------------------
  /**
   * Delivers the outbox's head with one deliverEvent activity per attempt, retries on the Standard Webhooks schedule
   * with a timer, and emits the renewal and trial notices when their time comes. Never throws: a delivery problem
   * is recorded in the delivery, never in the subscription.
   */
  async function deliverEvents(ev: SubscriptionEvents): Promise<void> {
    const blocked = () => closing || model.completedCycle;
    for (;;) {
      if (blocked()) {
        await condition(() => !blocked());
        continue;
      }
      const nowMs = Date.now();
      ev.noticeIfDue(nowMs);
      const head = ev.head();
      const headDueMs = head ? Date.parse(head.next_attempt_at ?? head.event.timestamp) : undefined;
      if (head && headDueMs !== undefined && headDueMs <= nowMs) {
        delivering = true;
        let answer: DeliveryAnswer;
        try {
          answer = await deliveries.deliverEvent(head.event);
        } catch (error) {
          delivering = false;
          if (isCancellation(error)) return; // the workflow itself is being cancelled
          // The activity timed out or the worker went away: a failed attempt like any other.
          answer = { outcome: 'failed', answer: failureMessage(error) };
        }
        delivering = false;
        ev.answered(head.event.id, answer, Date.now());
        continue;
      }
      const notice = ev.nextNotice();
      const wakeAt = Math.min(headDueMs ?? Infinity, notice && notice.atMs < notice.dueMs ? notice.atMs : Infinity);
      const version = ev.version;
      const changed = () => ev.version !== version || blocked();
      if (wakeAt === Infinity) await condition(changed);
      else await condition(changed, Math.max(wakeAt - nowMs, 1));
    }
  }
}

function failureMessage(error: unknown): string {
  const failure = error as { message?: string; cause?: { message?: string } };
  return failure.cause?.message ?? failure.message ?? String(error);
}

/** A subscription whose last events are still pending closes anyway after this long. */
const EVENTS_DRAIN_LIMIT = '7 days';

function notFound(eventId: unknown): ApplicationFailure {
  return ApplicationFailure.create({
    type: messages.REJECTION.notFound,
    message: `no event ${String(eventId)} in this subscription's outbox or delivery log`,
    nonRetryable: true,
  });
}

/** A refused command fails its update with an ApplicationFailure; anything else would fail the workflow task. */
function asRefusal(error: unknown): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  return ApplicationFailure.create({
    type: 'InternalError',
    message: `the command could not be applied: ${error instanceof Error ? error.message : String(error)}`,
    nonRetryable: true,
  });
}
