/**
 * Floors that hold only against the live iamport (IAMPORT_MODE=live): a billing interval of at least one day and
 * dunning delays of at least one hour. A `PT1M` typed for `P1M` would otherwise bill a real card every minute. The
 * sandbox keeps allowing short ones, which is what makes demos and tests fast.
 */
import { durationToMs, InvalidIntervalError, parseInterval } from '../workflows/calendar';
import type { FieldProblem } from './subscription-requests';

/** Which iamport the deployment talks to (src/config.ts, IAMPORT_MODE). */
export type IamportMode = 'live' | 'sandbox';

export const LIVE_MIN_INTERVAL_MS = 86_400_000;
export const LIVE_MIN_DUNNING_DELAY_MS = 3_600_000;

/** The problems of a plan interval and dunning delays against the live iamport; [] when they are fine (or invalid). */
export function productionFloorProblems(
  mode: IamportMode,
  request: { interval?: string; intervalField?: string; retryDelays?: string[] },
): FieldProblem[] {
  if (mode !== 'live') return [];
  const problems: FieldProblem[] = [];
  if (request.interval !== undefined) {
    const millis = exactMillis(() => parseInterval(request.interval!, { minExactMs: 1 }).millis);
    if (millis !== undefined && millis > 0 && millis < LIVE_MIN_INTERVAL_MS) {
      problems.push({
        field: request.intervalField ?? 'plan.interval',
        message:
          `${request.interval} is ${describeMillis(millis)}; against the live iamport a billing interval must be at ` +
          `least one day (P1D), or a calendar interval such as P1M or P1Y${suggestion(request.interval)}`,
      });
    }
  }
  (request.retryDelays ?? []).forEach((delay, i) => {
    const millis = exactMillis(() => durationToMs(delay));
    if (millis !== undefined && millis < LIVE_MIN_DUNNING_DELAY_MS) {
      problems.push({
        field: `dunning.retry_delays[${i}]`,
        message: `${delay} is ${describeMillis(millis)}; against the live iamport a dunning delay must be at least one hour (PT1H)`,
      });
    }
  });
  return problems;
}

function exactMillis(parse: () => number): number | undefined {
  try {
    return parse();
  } catch (error) {
    // a malformed value is the schema's business, reported there
    if (error instanceof InvalidIntervalError) return undefined;
    throw error;
  }
}

/** `PT1M` → `; did you mean P1M?` (minutes typed for months); nothing for other forms. */
function suggestion(interval: string): string {
  const minutes = /^PT(\d+)M$/.exec(interval.trim().toUpperCase());
  return minutes ? `; did you mean P${minutes[1]}M?` : '';
}

/** 60 000 → `one minute`, 5 400 000 → `90 minutes`, 7 200 000 → `2 hours`, 1 500 → `1.5 seconds`. */
export function describeMillis(millis: number): string {
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1000, 'second'],
  ];
  for (const [size, name] of units) {
    if (millis >= size && millis % size === 0) {
      const n = millis / size;
      return n === 1 ? `one ${name}` : `${n} ${name}s`;
    }
  }
  return `${millis / 1000} seconds`;
}
