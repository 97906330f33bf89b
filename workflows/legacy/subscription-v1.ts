import {
  ActivityCancellationType,
  ActivityFailure,
  type ActivityOptions,
  ApplicationFailure,
  allHandlersFinished,
  CancellationScope,
  condition,
  isCancellation,
  makeContinueAsNewFunc,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  TimeoutFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributePair, SearchAttributeUpdatePair } from '@temporalio/common';
import { durationToMs } from '../calendar';
import { validateCommand } from './commands-v1';
import { FAILURE } from '../failure-types';
import * as messages from './messages-v1';
import { CustomerUidKey, NextChargeAtKey, PlanAmountKey, SubscriptionStatusKey } from '../search-attributes';
import {
  advanceCycle,
  initialState,
  iso,
  mayBeHeldByIamport,
  newCharge,
  reanchor,
  recordPayment,
  replacementCharge,
} from './state-v1';
import {
  DEFAULT_PAYMENT_RESULT_GRACE,
  DEFAULT_TIMEZONE,
  type PaymentNotification,
  type PaymentSummary,
  type PendingCharge,
  type SubscriptionInput,
  type SubscriptionState,
} from './types-v1';
import { judgePayment } from './verify-v1';

// Each call retries with backoff for a few minutes; past that the workflow records the outage in its state and keeps
// trying, so a long iamport outage never loses the cycle and operators can see it.
const ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '45 seconds',
  scheduleToCloseTimeout: '3 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    nonRetryableErrorTypes: [FAILURE.chargeRejected, FAILURE.rejected],
  },
};
/** The activities as this code knew them; registerCharge now answers a refusal instead of throwing it. */
interface LegacyActivities {
  registerCharge(input: {
    customer_uid: string;
    merchant_uid: string;
    amount: number;
    name: string;
    charge_at: string;
    buyer?: SubscriptionState['buyer'];
  }): Promise<{ outcome?: 'scheduled'; scheduled_at: string } | { outcome: 'refused'; reason: string }>;
  unscheduleCharge(input: {
    customer_uid: string;
    merchant_uid: string;
  }): Promise<{ revoked: boolean; schedule_status: string; payment: PaymentSummary | null }>;
  fetchPayment(impUid: string): Promise<PaymentSummary | null>;
  lookupCharge(merchantUid: string): Promise<{ schedule_status: string; payment: PaymentSummary | null }>;
}
const iamport = proxyActivities<LegacyActivities>(ACTIVITY_OPTIONS);
// Cancelling a registration waits until no attempt is running: once the workflow moves on to revoke the
// merchant_uid, no registration request of this activity can still reach iamport after the revoke.
const iamportRegistration = proxyActivities<LegacyActivities>({
  ...ACTIVITY_OPTIONS,
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/** patched() ids of changes made while subscriptions may be running (README: Upgrading workflow code). */
const PATCH = {
  registerRetriesWhenDue: 'register-retries-when-due',
  statusBeforeContinueAsNew: 'status-before-continue-as-new',
  commandsInterruptCalls: 'commands-interrupt-iamport-calls',
} as const;

/** What an interruptible call returns when a command stopped it. */
const INTERRUPTED = Symbol('interrupted by a command');

const OUTAGE_BACKOFF_MS = [60_000, 120_000, 300_000, 600_000, 1_800_000];
const LOOKUP_BACKOFF_MS = [60_000, 120_000, 240_000, 480_000, 900_000, 1_800_000, 3_600_000];

interface QueuedCommand {
  command: messages.OperatorCommand;
  done: boolean;
  error?: unknown;
}

/**
 * The subscription workflow as it ran before the subscription core was restructured (frozen; see workflows/patches.ts).
 * Runs started by that code replay and finish their current cycle here; their continue-as-new starts the new code.
 */
export async function subscriptionWorkflowV1(input: SubscriptionInput): Promise<SubscriptionState> {
  const timeZone = input.timezone ?? DEFAULT_TIMEZONE;
  const graceMs = durationToMs(input.payment_result_grace ?? DEFAULT_PAYMENT_RESULT_GRACE);
  const createdAtMs = Date.parse(input.created_at);
  const state: SubscriptionState = input.state ?? initialState(input, Date.now());
  if (!input.state && state.status !== 'canceled') {
    state.pending_charge = newCharge(state, createdAtMs, Date.parse(state.anchor_at), 0);
    state.next_charge_at = state.pending_charge.charge_at;
  }

  const commands: QueuedCommand[] = [];
  const notifications: PaymentNotification[] = [];
  /** imp_uids already fetched for the pending charge: duplicates of a notification cost nothing. */
  const checkedImpUids = new Set<string>();
  /** a result found while revoking a charge, handled by the main loop like a verified notification */
  let discovered: PaymentSummary | undefined;
  let resultDeadlineMs = 0;
  let lookups = 0;

  // ---- messages --------------------------------------------------------------------------------------------------
  setHandler(messages.getState, () => state);
  setHandler(messages.paymentNotification, (notification) => {
    if (typeof notification?.imp_uid === 'string' && typeof notification?.merchant_uid === 'string') {
      notifications.push(notification);
    } else {
      state.totals.ignored_notifications += 1;
    }
  });
  setHandler(messages.operatorCommand, (command) => {
    try {
      validateCommand(state, command);
      commands.push({ command, done: false });
    } catch (error) {
      state.last_error = {
        message: `operator command refused: ${errorMessage(error)}`,
        type: 'InvalidCommand',
        at: now(),
      };
    }
  });
  /** An update that queues its command for the main loop and answers with the state once it is applied. */
  function commandUpdate<A extends unknown[]>(toCommand: (...args: A) => messages.OperatorCommand) {
    return {
      handler: async (...args: A): Promise<SubscriptionState> => {
        const queued: QueuedCommand = { command: toCommand(...args), done: false };
        commands.push(queued);
        await condition(() => queued.done);
        if (queued.error) throw queued.error;
        return state;
      },
      validator: (...args: A): void => validateCommand(state, toCommand(...args)),
    };
  }
  const cancelUpdate = commandUpdate((args: messages.CancelRequest) => ({ command: 'cancel', args }));
  setHandler(messages.cancel, cancelUpdate.handler, { validator: cancelUpdate.validator });
  const undoCancelUpdate = commandUpdate(() => ({ command: 'undoCancel' }));
  setHandler(messages.undoCancel, undoCancelUpdate.handler, { validator: undoCancelUpdate.validator });
  const pauseUpdate = commandUpdate(() => ({ command: 'pause' }));
  setHandler(messages.pause, pauseUpdate.handler, { validator: pauseUpdate.validator });
  const resumeUpdate = commandUpdate(() => ({ command: 'resume' }));
  setHandler(messages.resume, resumeUpdate.handler, { validator: resumeUpdate.validator });
  const changePlanUpdate = commandUpdate((args: messages.PlanChange) => ({ command: 'changePlan', args }));
  setHandler(messages.changePlan, changePlanUpdate.handler, { validator: changePlanUpdate.validator });
  const paymentMethodUpdate = commandUpdate((args: messages.PaymentMethodChange) => ({
    command: 'updatePaymentMethod',
    args,
  }));
  setHandler(messages.updatePaymentMethod, paymentMethodUpdate.handler, { validator: paymentMethodUpdate.validator });

  // ---- operator visibility ---------------------------------------------------------------------------------------
  const searchAttributes = () => ({
    status: state.status,
    customerUid: state.customer_uid,
    nextChargeAt: state.next_charge_at,
    planAmount: state.plan.amount,
  });
  const initial = workflowInfo().typedSearchAttributes;
  let published: Partial<ReturnType<typeof searchAttributes>> = {
    status: initial.get(SubscriptionStatusKey) as SubscriptionState['status'] | undefined,
    customerUid: initial.get(CustomerUidKey),
    nextChargeAt: initial.get(NextChargeAtKey)?.toISOString(),
    planAmount: initial.get(PlanAmountKey),
  };
  /** Upserts only what changed: each upsert is a billed action on Temporal Cloud. */
  function publish(): void {
    const current = searchAttributes();
    const changes: SearchAttributeUpdatePair[] = [];
    if (current.status !== published.status) changes.push({ key: SubscriptionStatusKey, value: current.status });
    if (current.customerUid !== published.customerUid)
      changes.push({ key: CustomerUidKey, value: current.customerUid });
    if (current.planAmount !== published.planAmount) changes.push({ key: PlanAmountKey, value: current.planAmount });
    if (current.nextChargeAt !== published.nextChargeAt) {
      changes.push({
        key: NextChargeAtKey,
        value: current.nextChargeAt ? new Date(current.nextChargeAt) : null,
      } as SearchAttributeUpdatePair);
    }
    if (changes.length > 0) upsertSearchAttributes(changes);
    published = current;
  }
  function waitingFor(text: string): void {
    if (state.waiting_for !== text) {
      state.waiting_for = text;
      setCurrentDetails(`**${state.status}** · cycle ${state.cycle} · ${text}`);
    }
  }

  // ---- iamport calls ---------------------------------------------------------------------------------------------
  /** Runs an activity; during an iamport outage records it in the state and keeps retrying with backoff. */
  async function call<T>(what: string, run: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await run();
      } catch (error) {
        if (!isOutage(error)) throw error;
        state.last_error = { message: `${what}: ${errorMessage(error)}`, type: outageType(error), at: now() };
        waitingFor(`iamport unavailable while ${what}; retrying`);
        await sleep(OUTAGE_BACKOFF_MS[Math.min(attempt, OUTAGE_BACKOFF_MS.length - 1)]);
      }
    }
  }

  /**
   * call(), stopped by a command that arrives meanwhile: no further attempt starts, the attempt in flight finishes
   * (its result is used when it succeeded), and an outage wait ends at once. The command is then applied at once
   * instead of after minutes of retries: a cancel must not wait while a past-due registration may still go through.
   * Used for registrations only: reads gain nothing from it, and cancelling an activity that completes at the same
   * moment is refused by Temporal's Java test server (the real server records it as a no-op).
   */
  async function callUntilCommand<T>(what: string, run: () => Promise<T>): Promise<T | typeof INTERRUPTED> {
    const callScope = new CancellationScope();
    const watchScope = new CancellationScope();
    let interrupted = false;
    watchScope
      .run(() => condition(() => commands.length > 0))
      .then(
        () => {
          // Runs recorded before this change applied commands only after the call: they replay that way.
          if (!patched(PATCH.commandsInterruptCalls)) return;
          interrupted = true;
          callScope.cancel();
        },
        () => undefined, // the call finished first and cancelled the watch
      );
    try {
      return await callScope.run(() => call(what, run));
    } catch (error) {
      if (interrupted && isCancellation(error)) return INTERRUPTED;
      throw error;
    } finally {
      watchScope.cancel();
    }
  }

  /** iamport holds the pending charge (confirmed by its answer, or learned while revoking it). */
  function markRegistered(pending: PendingCharge, scheduledAt: string): void {
    pending.registered = true;
    delete pending.maybe_registered;
    pending.scheduled_at = scheduledAt;
    resultDeadlineMs = Date.parse(scheduledAt) + graceMs;
    lookups = 0;
    checkedImpUids.clear();
  }

  /**
   * Takes the pending charge back from iamport. Returns true when nothing can charge any more; false when iamport
   * has already executed it (the result is then handled like a notification) or its fate is not known yet.
   */
  async function revokePending(): Promise<boolean> {
    const pending = state.pending_charge;
    if (!pending || !mayBeHeldByIamport(pending)) return true;
    const result = await call('revoking the pending charge', () =>
      iamport.unscheduleCharge({ customer_uid: pending.customer_uid, merchant_uid: pending.merchant_uid }),
    );
    if (result.revoked || result.schedule_status === 'missing') {
      pending.registered = false;
      state.pending_charge = replacementCharge(state, createdAtMs, pending);
      return true;
    }
    const verdict = result.payment ? judgePayment(result.payment, pending) : undefined;
    if (verdict?.kind === 'paid' || verdict?.kind === 'failed' || verdict?.kind === 'cancelled') {
      discovered = verdict.payment;
    }
    // A registration cut short did reach iamport, which is running it: wait for its result like any other.
    if (!pending.registered) markRegistered(pending, iso(Math.max(Date.parse(pending.charge_at), Date.now())));
    return false;
  }

  // ---- commands --------------------------------------------------------------------------------------------------
  async function drainCommands(): Promise<void> {
    while (commands.length > 0) {
      const queued = commands.shift()!;
      try {
        validateCommand(state, queued.command); // the state may have moved since the validator ran
        await apply(queued.command);
      } catch (error) {
        queued.error = error;
      }
      queued.done = true;
      publish();
    }
  }

  async function apply(command: messages.OperatorCommand): Promise<void> {
    switch (command.command) {
      case 'cancel': {
        if (command.args?.at_period_end) {
          state.cancel_at_period_end = true;
          state.next_charge_at = undefined;
          await revokePending();
          return;
        }
        const revoked = await revokePending();
        state.status = 'canceled';
        state.canceled_at = now();
        state.cancel_at_period_end = false;
        state.next_charge_at = undefined;
        // Not revoked: iamport is executing it; the loop settles its result before the workflow ends.
        if (revoked) state.pending_charge = undefined;
        return;
      }
      case 'undoCancel':
        state.cancel_at_period_end = false;
        state.next_charge_at = state.pending_charge?.charge_at;
        return;
      case 'pause': {
        if (!(await revokePending())) {
          throw ApplicationFailure.create({
            type: messages.REJECTION.conflict,
            message: 'iamport is executing the pending charge right now; try again in a minute',
            nonRetryable: true,
          });
        }
        state.status = 'paused';
        state.paused_at = now();
        state.pending_charge = undefined;
        state.next_charge_at = undefined;
        return;
      }
      case 'resume': {
        // Documented choice: resuming charges at once and starts the billing calendar again from now.
        reanchor(state, Date.now());
        state.status = 'active';
        state.paused_at = undefined;
        state.pending_charge = newCharge(state, createdAtMs, Date.now(), 0);
        state.next_charge_at = state.pending_charge.charge_at;
        return;
      }
      case 'changePlan': {
        const change = command.args;
        const pending = state.pending_charge;
        if (change.interval !== undefined && change.interval !== state.plan.interval) {
          // The next charge keeps its time; periods after it follow the new interval from there.
          const nextMs = pending ? Date.parse(pending.charge_at) : Date.now();
          reanchor(state, nextMs);
        }
        state.plan = { ...state.plan, ...stripUndefined(change) };
        if (!pending) return;
        if (!mayBeHeldByIamport(pending)) {
          pending.amount = state.plan.amount;
        } else if (pending.amount !== state.plan.amount || change.name !== undefined) {
          // Re-register at the new amount; if iamport already executed the old one, the change starts next cycle.
          await revokePending();
        }
        return;
      }
      case 'updatePaymentMethod': {
        state.customer_uid = command.args.customer_uid;
        const pending = state.pending_charge;
        if (state.status === 'unpaid') {
          // Recovery after dunning gave up: charge now and start the calendar again from now.
          reanchor(state, Date.now());
          state.status = 'past_due';
          state.pending_charge = newCharge(state, createdAtMs, Date.now(), 0);
        } else if (state.status === 'past_due' && pending) {
          if (await revokePending()) {
            const retry = state.pending_charge!;
            state.pending_charge = newCharge(state, createdAtMs, Date.now(), retry.failures);
          }
        } else if (pending && mayBeHeldByIamport(pending)) {
          await revokePending();
        } else if (pending) {
          pending.customer_uid = state.customer_uid;
        }
        state.next_charge_at = state.pending_charge?.charge_at;
        return;
      }
    }
  }

  // ---- results ---------------------------------------------------------------------------------------------------
  async function handleNotification(notification: PaymentNotification): Promise<void> {
    const pending = state.pending_charge;
    if (!pending?.registered || notification.merchant_uid !== pending.merchant_uid) {
      countStray(notification);
      return;
    }
    if (checkedImpUids.has(notification.imp_uid)) {
      state.totals.duplicate_notifications += 1;
      return;
    }
    checkedImpUids.add(notification.imp_uid);
    waitingFor(`verifying payment ${notification.imp_uid}`);
    const payment = await call('verifying a payment', () => iamport.fetchPayment(notification.imp_uid));
    const verdict = judgePayment(payment, pending);
    if (verdict.kind === 'unverified') {
      state.totals.ignored_notifications += 1;
    } else if (verdict.kind === 'not_final') {
      checkedImpUids.delete(notification.imp_uid);
    } else {
      await settle(verdict.payment, 'webhook');
    }
  }

  /** No webhook by the deadline: ask iamport what became of the schedule. Never registers a second charge blindly. */
  async function reconcile(): Promise<void> {
    const pending = state.pending_charge!;
    waitingFor(`looking up ${pending.merchant_uid} (no webhook yet)`);
    const found = await call('looking up a charge', () => iamport.lookupCharge(pending.merchant_uid));
    const verdict = found.payment ? judgePayment(found.payment, pending) : undefined;
    if (verdict && verdict.kind !== 'unverified' && verdict.kind !== 'not_final') {
      state.totals.reconciliations += 1;
      await settle(verdict.payment, 'lookup');
      return;
    }
    if (found.schedule_status === 'revoked' || found.schedule_status === 'missing') {
      // Revoked outside this workflow (or lost by iamport): register the period's charge again.
      pending.registered = false;
      if (found.schedule_status === 'revoked') state.pending_charge = replacementCharge(state, createdAtMs, pending);
      return;
    }
    if (state.status === 'canceled' && found.schedule_status === 'scheduled' && (await revokePending())) {
      // Canceled while iamport was about to run the charge; it is revoked now, nothing is left to settle.
      state.pending_charge = undefined;
      return;
    }
    resultDeadlineMs = Date.now() + LOOKUP_BACKOFF_MS[Math.min(lookups++, LOOKUP_BACKOFF_MS.length - 1)];
  }

  /** Counts a notification that is not about the pending charge: a late copy of a handled one, or a stray. */
  function countStray(notification: PaymentNotification): void {
    const seen = state.recent_payments.some((p) => p.merchant_uid === notification.merchant_uid);
    if (seen) state.totals.duplicate_notifications += 1;
    else state.totals.ignored_notifications += 1;
  }

  /** A verified result of the pending charge. */
  async function settle(payment: PaymentSummary, via: 'webhook' | 'lookup'): Promise<void> {
    const pending = state.pending_charge!;
    recordPayment(state, {
      imp_uid: payment.imp_uid,
      merchant_uid: payment.merchant_uid,
      amount: payment.amount,
      status: payment.status === 'failed' ? 'failed' : payment.status === 'cancelled' ? 'cancelled' : 'paid',
      at: payment.at ?? now(),
      cycle: state.cycle,
      attempt: pending.attempt,
      fail_reason: payment.fail_reason,
      via,
    });
    if (payment.status === 'failed') {
      dunning(pending, payment.fail_reason ?? 'declined');
    } else if (state.status === 'canceled') {
      state.pending_charge = undefined;
    } else {
      advanceCycle(state, createdAtMs, timeZone);
      await continueToNextCycle();
    }
  }

  function dunning(failed: PendingCharge, reason: string): void {
    if (state.status === 'canceled') {
      state.pending_charge = undefined;
      return;
    }
    const failures = failed.failures + 1;
    const delays = state.dunning.retry_delays;
    if (failures <= delays.length) {
      state.status = 'past_due';
      // Counted from the failure, but never before the charge itself was due (a refusal can come at registration).
      const retryFrom = Math.max(Date.now(), Date.parse(failed.charge_at));
      state.pending_charge = newCharge(state, createdAtMs, retryFrom + durationToMs(delays[failures - 1]), failures);
      state.next_charge_at = state.pending_charge.charge_at;
    } else if (state.dunning.final_action === 'unpaid') {
      state.status = 'unpaid';
      state.pending_charge = undefined;
      state.next_charge_at = undefined;
    } else {
      state.status = 'canceled';
      state.canceled_at = now();
      state.pending_charge = undefined;
      state.next_charge_at = undefined;
    }
    state.last_error = { message: `payment failed: ${reason}`, type: 'PaymentFailed', at: now() };
    publish();
  }

  async function registerPending(): Promise<void> {
    const pending = state.pending_charge!;
    waitingFor(`registering ${pending.merchant_uid} with iamport`);
    try {
      const registered = await callUntilCommand('registering a charge', () =>
        iamportRegistration.registerCharge({
          customer_uid: pending.customer_uid,
          merchant_uid: pending.merchant_uid,
          amount: pending.amount,
          name: state.plan.name,
          charge_at: pending.charge_at,
          buyer: state.buyer,
        }),
      );
      if (registered === INTERRUPTED) {
        // Commands come first; registering the same merchant_uid again later is harmless (idempotent).
        pending.maybe_registered = true;
        return;
      }
      if (registered.outcome === 'refused') {
        refused(pending, registered.reason);
        return;
      }
      markRegistered(pending, registered.scheduled_at);
      state.next_charge_at = registered.scheduled_at;
      publish();
    } catch (error) {
      const rejected = error instanceof ActivityFailure && error.cause instanceof ApplicationFailure;
      if (!rejected || (error.cause as ApplicationFailure).type !== FAILURE.chargeRejected) throw error;
      refused(pending, (error.cause as ApplicationFailure).message);
    }
  }

  /** iamport refused the charge itself (e.g. the billing key is gone): a failed payment, so dunning applies. */
  function refused(pending: PendingCharge, reason: string): void {
    recordPayment(state, {
      imp_uid: null,
      merchant_uid: pending.merchant_uid,
      amount: pending.amount,
      status: 'failed',
      at: now(),
      cycle: state.cycle,
      attempt: pending.attempt,
      fail_reason: reason,
      via: 'registration',
    });
    dunning(pending, reason);
  }

  async function continueToNextCycle(): Promise<void> {
    // Handlers still running would be cut off by continue-as-new: let queued commands finish first.
    for (;;) {
      await drainCommands();
      if (state.status === 'canceled') return;
      if (allHandlersFinished() && commands.length === 0) break;
      await condition(() => commands.length > 0 || allHandlersFinished());
    }
    // Notifications still queued can only be about charges already settled: count them, the next run starts clean.
    notifications.splice(0).forEach(countStray);
    const next = searchAttributes();
    if (next.status !== published.status && patched(PATCH.statusBeforeContinueAsNew)) {
      // A closed run keeps its search attributes: without this, a subscription that recovered from past_due would
      // still match SubscriptionStatus="past_due" through its old run. Status changes are rare; happy cycles skip it.
      upsertSearchAttributes([{ key: SubscriptionStatusKey, value: next.status }]);
    }
    const typedSearchAttributes: SearchAttributePair[] = [
      { key: SubscriptionStatusKey, value: next.status },
      { key: CustomerUidKey, value: next.customerUid },
      { key: PlanAmountKey, value: next.planAmount },
    ];
    if (next.nextChargeAt) typedSearchAttributes.push({ key: NextChargeAtKey, value: new Date(next.nextChargeAt) });
    waitingFor('continuing as new into the next cycle');
    // The new run starts with its search attributes set, so a happy cycle needs no separate upsert.
    // The next run is the current code's (it takes this state as it is); the CAN command's input is not replayed.
    await makeContinueAsNewFunc<typeof subscriptionWorkflowV1>({ typedSearchAttributes })({
      ...input,
      state,
      core_version: 2,
    } as SubscriptionInput);
  }

  // ---- the loop --------------------------------------------------------------------------------------------------
  publish();
  for (;;) {
    await drainCommands();
    const pending = state.pending_charge;
    if (discovered) {
      const payment = discovered;
      discovered = undefined;
      if (pending) await settle(payment, 'lookup');
      continue;
    }
    if (state.status === 'canceled' && !pending?.registered) break;
    if (state.status === 'paused' || state.status === 'unpaid' || !pending) {
      waitingFor(state.status === 'unpaid' ? 'a new payment method' : 'resume');
      await condition(() => commands.length > 0);
      continue;
    }
    if (state.cancel_at_period_end && !pending.registered) {
      const endMs = Date.parse(pending.charge_at);
      if (Date.now() >= endMs) {
        state.status = 'canceled';
        state.canceled_at = iso(endMs);
        state.pending_charge = undefined;
        break;
      }
      waitingFor(`the end of the paid period at ${pending.charge_at}, then cancel`);
      await condition(() => commands.length > 0, endMs - Date.now());
      continue;
    }
    if (!pending.registered) {
      // A retry is registered when it falls due: if iamport refuses registrations (e.g. the billing key is gone),
      // registering ahead would use up every retry at once instead of one per dunning delay.
      // (Runs that registered retries ahead before this change keep doing so when replayed: hence the patch.)
      const dueInMs = Date.parse(pending.charge_at) - Date.now();
      if (pending.failures > 0 && dueInMs > 0 && patched(PATCH.registerRetriesWhenDue)) {
        waitingFor(`retry ${pending.failures} of the declined charge at ${pending.charge_at}`);
        await condition(() => commands.length > 0, dueInMs);
        continue;
      }
      await registerPending();
      continue;
    }
    waitingFor(`payment result of ${pending.merchant_uid} (due ${pending.scheduled_at})`);
    const arrived = await condition(
      () => commands.length > 0 || notifications.length > 0,
      Math.max(resultDeadlineMs - Date.now(), 1),
    );
    if (commands.length > 0) continue;
    if (arrived && notifications.length > 0) await handleNotification(notifications.shift()!);
    else if (!arrived) await reconcile();
  }

  state.next_charge_at = undefined;
  waitingFor('nothing: canceled');
  publish();
  // Let any update that is still returning finish before the run closes.
  await condition(allHandlersFinished);
  return state;

  // ---- helpers ---------------------------------------------------------------------------------------------------
  function now(): string {
    return iso(Date.now());
  }
}

function isOutage(error: unknown): boolean {
  if (!(error instanceof ActivityFailure)) return false;
  const cause = error.cause;
  if (cause instanceof TimeoutFailure) return true;
  return (
    cause instanceof ApplicationFailure && (cause.type === FAILURE.unavailable || cause.type === FAILURE.authFailed)
  );
}

function outageType(error: unknown): string {
  const cause = (error as ActivityFailure).cause;
  return cause instanceof ApplicationFailure && cause.type ? cause.type : 'IamportTimeout';
}

function errorMessage(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
