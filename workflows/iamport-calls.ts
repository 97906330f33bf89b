import {
  ActivityCancellationType,
  ActivityFailure,
  type ActivityOptions,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  TimeoutFailure,
} from '@temporalio/workflow';
import type { BillingActivities } from '../activities';
import { FAILURE, NON_RETRYABLE_FAILURES } from './failure-types';
import type { SubscriptionModel } from './model';

/**
 * Every iamport call of the workflow: the activity proxies, their retry policy, what an outage or an unexpected
 * answer does, and how a command (or a webhook) interrupts a call.
 */

// Each call retries with backoff for a few minutes; past that the workflow records the outage in its state and keeps
// trying, so a long iamport outage never loses the cycle and operators can see it.
const ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '45 seconds',
  scheduleToCloseTimeout: '3 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    nonRetryableErrorTypes: NON_RETRYABLE_FAILURES,
  },
};

/** Reads: a command abandons one at once (a read changes nothing, so nothing has to be waited for). */
export const reads = proxyActivities<BillingActivities>({
  ...ACTIVITY_OPTIONS,
  cancellationType: ActivityCancellationType.ABANDON,
});

/**
 * Registrations: cancelling one waits until its attempt has stopped (the activity passes the cancellation to its
 * HTTP request and heartbeats so it learns of it), so no request of it starts after the workflow moved on. The
 * heartbeat timeout is what makes an attempt heartbeat (activities/attempt.ts).
 */
export const registrations = proxyActivities<BillingActivities>({
  ...ACTIVITY_OPTIONS,
  heartbeatTimeout: '15 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/**
 * Revokes are the work of a command itself: never interrupted. The caller of the command is waiting for its answer, so
 * a failed attempt is repeated within seconds, not after the half-minute pauses of the other calls.
 */
export const revokes = proxyActivities<BillingActivities>({
  ...ACTIVITY_OPTIONS,
  retry: { ...ACTIVITY_OPTIONS.retry, maximumInterval: '5 seconds' },
  heartbeatTimeout: '15 seconds',
});

/** Refunds are the work of a command too: never interrupted (the checksum makes a retry safe). */
export const refunds = proxyActivities<BillingActivities>({ ...ACTIVITY_OPTIONS, heartbeatTimeout: '15 seconds' });

/**
 * Merchant event deliveries: one attempt per activity (the workflow retries on the Standard Webhooks schedule with
 * its own timers), the HTTP request bounded at 15 s inside it.
 */
export const deliveries = proxyActivities<BillingActivities>({
  startToCloseTimeout: '20 seconds',
  retry: { maximumAttempts: 1 },
  // continue-as-new does not wait for a delivery: the next run sends the event again, same id
  cancellationType: ActivityCancellationType.ABANDON,
});

export const OUTAGE_BACKOFF_MS = [60_000, 120_000, 300_000, 600_000, 1_800_000];

export const INTERRUPTED = Symbol('interrupted');
export type Interrupted = typeof INTERRUPTED;

export type Attempt<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'interrupted' }
  /** iamport unreachable or failing (5xx, timeouts, refused credentials, a proxy's 4xx): retry later */
  | { kind: 'outage' }
  /** an answer that cannot be classified: the subscription needs attention; retry later */
  | { kind: 'unexpected' };

export class IamportCalls {
  constructor(
    private readonly model: SubscriptionModel,
    private readonly waitingFor: (text: string) => void,
    /** shows the state to operators (search attributes) before a backoff: an outage or needs_attention is visible */
    private readonly publish: () => void,
  ) {}

  /** One try (the activity's own retries included). Records an outage or an unexpected answer in the state. */
  async attempt<T>(what: string, run: () => Promise<T>, interruptWhen?: () => boolean): Promise<Attempt<T>> {
    if (interruptWhen?.()) return { kind: 'interrupted' };
    const scope = new CancellationScope();
    const watch = new CancellationScope();
    let interrupted = false;
    if (interruptWhen) {
      watch
        .run(() => condition(interruptWhen))
        .then(
          () => {
            interrupted = true;
            scope.cancel();
          },
          () => undefined, // the call finished first and cancelled the watch
        );
    }
    try {
      const value = await scope.run(run);
      this.model.callSucceeded();
      return { kind: 'ok', value };
    } catch (error) {
      if (interrupted && isCancellation(error)) return { kind: 'interrupted' };
      if (!(error instanceof ActivityFailure)) throw error; // the workflow itself is being cancelled
      const message = error.cause?.message ?? error.message;
      if (isOutage(error)) {
        this.model.outage(what, message, outageType(error), Date.now());
        return { kind: 'outage' };
      }
      this.model.enterAttention('unexpected', `${what}: ${message}`, Date.now());
      return { kind: 'unexpected' };
    } finally {
      watch.cancel();
    }
  }

  /** Tries until the call succeeds, sleeping through outages; returns INTERRUPTED when interruptWhen() came true. */
  async retrying<T>(what: string, run: () => Promise<T>, interruptWhen?: () => boolean): Promise<T | Interrupted> {
    for (let failures = 0; ; failures++) {
      const result = await this.attempt(what, run, interruptWhen);
      if (result.kind === 'ok') return result.value;
      if (result.kind === 'interrupted') return INTERRUPTED;
      if (await this.backoff(what, failures, interruptWhen)) return INTERRUPTED;
    }
  }

  /** Sleeps after a failed try; true when interrupted meanwhile. */
  async backoff(what: string, failures: number, interruptWhen?: () => boolean): Promise<boolean> {
    this.waitingFor(`iamport unavailable while ${what}; retrying`);
    this.publish();
    const ms = OUTAGE_BACKOFF_MS[Math.min(failures, OUTAGE_BACKOFF_MS.length - 1)];
    return condition(interruptWhen ?? (() => false), ms);
  }
}

function isOutage(error: ActivityFailure): boolean {
  const cause = error.cause;
  if (cause instanceof TimeoutFailure) return true;
  return (
    cause instanceof ApplicationFailure && (cause.type === FAILURE.unavailable || cause.type === FAILURE.authFailed)
  );
}

function outageType(error: ActivityFailure): string {
  const cause = error.cause;
  return cause instanceof ApplicationFailure && cause.type ? cause.type : 'IamportTimeout';
}
