import { Context, type Info } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { toActivityFailure } from './failures';

/** Outside a worker (a direct call, a script) an attempt still ends: this long. */
export const DEFAULT_ATTEMPT_BUDGET_MS = 40_000;
/** How often a running attempt heartbeats (the SDK throttles what it sends; cancellation arrives with heartbeats). */
export const HEARTBEAT_EVERY_MS = 1_000;

/**
 * One activity attempt's limits. The attempt ends, with every HTTP request in it (token fetch included), when the
 * activity is cancelled or its deadline passes. The deadline is the attempt's start-to-close timeout (or what is left
 * of schedule-to-close) minus a margin, so an attempt's worst case (token + request + a 401 retry) never outlives the
 * timeout Temporal enforces: a request can no longer reach iamport after Temporal has given the attempt up.
 */
export interface Attempt {
  signal: AbortSignal;
  heartbeat(): void;
}

export function attemptBudgetMs(
  info: Pick<Info, 'startToCloseTimeoutMs' | 'scheduleToCloseTimeoutMs' | 'scheduledTimestampMs'>,
  now = Date.now(),
): number {
  const limits = [info.startToCloseTimeoutMs];
  if (info.scheduleToCloseTimeoutMs > 0) limits.push(info.scheduledTimestampMs + info.scheduleToCloseTimeoutMs - now);
  const limit = Math.min(...limits.filter((ms) => Number.isFinite(ms) && ms > 0));
  if (!Number.isFinite(limit)) return DEFAULT_ATTEMPT_BUDGET_MS;
  const margin = Math.min(5_000, Math.max(250, limit * 0.2));
  // Whole milliseconds: AbortSignal.timeout throws a RangeError for a fraction (the attempt then failed before
  // sending anything, and its failure read as an unexpected answer).
  return Math.max(250, Math.floor(limit - margin));
}

function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/**
 * Runs one attempt: heartbeats while it runs, hands `fn` the signal to pass to every request, and turns whatever it
 * throws into a typed failure (cancellation stays a cancellation).
 */
export async function runAttempt<T>(fn: (attempt: Attempt) => Promise<T>): Promise<T> {
  const context = currentContext();
  const budget = context ? attemptBudgetMs(context.info) : DEFAULT_ATTEMPT_BUDGET_MS;
  const deadline = AbortSignal.timeout(budget);
  const signal = context ? AbortSignal.any([context.cancellationSignal, deadline]) : deadline;
  // Only an activity the workflow may cancel and wait for (registrations) or that must show it is alive (revokes,
  // refunds) has a heartbeat timeout. A read is abandoned, never waited for: its heartbeats would only be writes to
  // Temporal's database (each one is), two or three per read.
  const beats = (context?.info.heartbeatTimeoutMs ?? 0) > 0;
  const heartbeat = () => {
    if (!beats) return;
    try {
      context?.heartbeat();
    } catch {
      // a heartbeat that cannot be sent must not fail the attempt
    }
  };
  heartbeat();
  const timer = beats ? setInterval(heartbeat, HEARTBEAT_EVERY_MS) : undefined;
  timer?.unref();
  try {
    return await fn({ signal, heartbeat });
  } catch (error) {
    if (context?.cancellationSignal.aborted) {
      const reason: unknown = context.cancellationSignal.reason;
      throw reason instanceof CancelledFailure ? reason : new CancelledFailure('activity cancelled');
    }
    throw toActivityFailure(error);
  } finally {
    if (timer) clearInterval(timer);
  }
}
