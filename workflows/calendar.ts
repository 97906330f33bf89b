/**
 * Pure billing calendar: ISO-8601 billing intervals and period boundaries, in epoch milliseconds.
 * Deterministic (safe in workflow code): no clock reads, every time zone is explicit.
 *
 * Calendar periods are always derived from the anchor (period n = anchor + n*months, day clamped to the
 * month's last day), never from the previous period, so Jan 31 → Feb 29 → Mar 31 → Apr 30 (Stripe), and a
 * clamp never sticks (Kill Bill #127, Lago #1567/#6173). The anchor's local time of day is kept.
 */
import { DateTime, IANAZone } from 'luxon';

export type IntervalKind = 'calendar' | 'exact';
/** `months` is set for calendar intervals (years*12+months), `millis` for exact ones; the other is 0. */
export interface BillingInterval {
  iso: string;
  kind: IntervalKind;
  months: number;
  millis: number;
}

export class InvalidIntervalError extends Error {
  override name = 'InvalidIntervalError';
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const EXACT_UNITS = { W: 7 * DAY, D: DAY, H: HOUR, M: MINUTE, S: SECOND } as const;
const NUM = String.raw`(\d+(?:[.,]\d+)?)`;
const ISO_DURATION = new RegExp(
  `^P(?:${NUM}Y)?(?:${NUM}M)?(?:${NUM}W)?(?:${NUM}D)?(?:T(?:${NUM}H)?(?:${NUM}M)?(?:${NUM}S)?)?$`,
);
const CALENDAR_FORMS = 'years and/or months, e.g. P1M, P3M, P1Y, P1Y6M';
const EXACT_FORMS = 'weeks, days, hours, minutes and/or seconds, e.g. P7D, P1W, PT1H30M, PT30S';

function parse(iso: string, what: string, allowCalendar: boolean, minExactMs: number): BillingInterval {
  const allowed = allowCalendar ? `either ${CALENDAR_FORMS}; or ${EXACT_FORMS}` : EXACT_FORMS;
  const fail = (why: string) => new InvalidIntervalError(`Invalid ${what} "${iso}": ${why}. Allowed: ${allowed}.`);
  if (iso.trim().startsWith('-')) throw fail('it must be positive');
  const text = iso.trim().toUpperCase();
  const m = ISO_DURATION.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) throw fail('not an ISO-8601 duration');
  const [y, mo, w, d, h, mi, s] = m.slice(1).map((v) => (v === undefined ? undefined : Number(v.replace(',', '.'))));
  const hasCalendar = y !== undefined || mo !== undefined;
  const exactParts: [number | undefined, number][] = [
    [w, EXACT_UNITS.W],
    [d, EXACT_UNITS.D],
    [h, EXACT_UNITS.H],
    [mi, EXACT_UNITS.M],
    [s, EXACT_UNITS.S],
  ];
  const hasExact = exactParts.some(([v]) => v !== undefined);
  if (hasCalendar && !allowCalendar) throw fail('years and months are not exact time');
  if (hasCalendar && hasExact) throw fail('calendar units (Y/M) cannot be mixed with W/D/H/M/S');
  if (hasCalendar) {
    if (!Number.isInteger(y ?? 0) || !Number.isInteger(mo ?? 0)) throw fail('years and months must be whole numbers');
    const months = (y ?? 0) * 12 + (mo ?? 0);
    if (months === 0) throw fail('it must be positive, not zero');
    if (months > 12 * 1000) throw fail('it must be at most 1000 years');
    return { iso, kind: 'calendar', months, millis: 0 };
  }
  const millis = Math.round(exactParts.reduce((sum, [v, unit]) => sum + (v ?? 0) * unit, 0));
  if (millis === 0) throw fail('it must be positive, not zero');
  if (!Number.isSafeInteger(millis)) throw fail('it is too large');
  if (millis < minExactMs) throw fail(`it must be at least ${minExactMs} ms`);
  return { iso, kind: 'exact', months: 0, millis };
}

/** Parses a billing interval: calendar (Y/M only) or exact (W/D/H/M/S only, ≥ minExactMs, default 1 s). */
export function parseInterval(iso: string, options: { minExactMs?: number } = {}): BillingInterval {
  return parse(iso, 'billing interval', true, options.minExactMs ?? SECOND);
}

/** Parses a positive exact duration (grace period, dunning delay) to milliseconds; P1D = 24 h. */
export function durationToMs(iso: string): number {
  return parse(iso, 'duration', false, 1).millis;
}

function zoneOf(timeZone: string): IANAZone {
  const zone = IANAZone.create(timeZone);
  if (!zone.isValid) throw new RangeError(`Unknown IANA time zone "${timeZone}" (expected e.g. "Asia/Seoul")`);
  return zone;
}

/**
 * Converts a wall-clock time (encoded as if it were UTC) in `zone` to an instant. Offsets are taken a day
 * either side, assuming at most one transition in between (true of all IANA zones).
 * - Ambiguous local time (fall-back overlap): the earlier instant, i.e. the pre-transition offset.
 * - Non-existent local time (spring-forward gap): read with the pre-transition offset, which moves it forward
 *   by the gap (02:30 on a New York spring-forward day → 03:30 EDT), the same as luxon's `plus`.
 * We resolve explicitly because luxon's `plus` resolves overlaps with the *source* date's offset, which would
 * make the result depend on whether the anchor was in summer or winter time.
 */
function localToInstant(zone: IANAZone, localMs: number): number {
  const before = zone.offset(localMs - DAY) * MINUTE;
  const after = zone.offset(localMs + DAY) * MINUTE;
  const candidates = [localMs - before, localMs - after].filter((t) => zone.offset(t) * MINUTE === localMs - t);
  return candidates.length > 0 ? Math.min(...candidates) : localMs - before;
}

function monthIndex(dt: DateTime): number {
  return dt.year * 12 + dt.month - 1;
}

/** Start of period n (n = 0, 1, …): anchor + n*interval, calendar periods on the anchor's wall clock in `timeZone`. */
export function periodStart(anchorMs: number, interval: BillingInterval, n: number, timeZone: string): number {
  const zone = zoneOf(timeZone);
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`Period number must be a non-negative integer: ${n}`);
  if (!Number.isFinite(anchorMs)) throw new RangeError(`Anchor must be finite epoch milliseconds: ${anchorMs}`);
  if (n === 0) return anchorMs;
  if (interval.kind === 'exact') return anchorMs + n * interval.millis;
  const a = DateTime.fromMillis(anchorMs, { zone });
  const target = monthIndex(a) + n * interval.months;
  const year = Math.floor(target / 12);
  const month = target - year * 12; // 0-based
  const lastDay = (Date.UTC(year, month + 1, 1) - Date.UTC(year, month, 1)) / DAY; // Date.UTC is pure arithmetic
  const localMs = Date.UTC(year, month, Math.min(a.day, lastDay), a.hour, a.minute, a.second, a.millisecond);
  const result = localToInstant(zone, localMs);
  if (!Number.isFinite(result)) throw new RangeError(`Period ${n} is out of the representable date range`);
  return result;
}

/** [start, end) of period n; end is exactly the start of period n+1, so periods tile without gap or overlap. */
export function periodBounds(
  anchorMs: number,
  interval: BillingInterval,
  n: number,
  timeZone: string,
): { start: number; end: number } {
  return { start: periodStart(anchorMs, interval, n, timeZone), end: periodStart(anchorMs, interval, n + 1, timeZone) };
}

/** Smallest n with periodStart(n) > atMs (>= when inclusive). Estimates n, then adjusts by a step or two. */
export function firstPeriodAfter(
  anchorMs: number,
  interval: BillingInterval,
  atMs: number,
  timeZone: string,
  options: { inclusive?: boolean } = {},
): number {
  const zone = zoneOf(timeZone);
  const ok = (n: number) => {
    const start = periodStart(anchorMs, interval, n, timeZone);
    return options.inclusive ? start >= atMs : start > atMs;
  };
  if (!Number.isFinite(atMs)) throw new RangeError(`Time must be finite epoch milliseconds: ${atMs}`);
  if (!(interval.kind === 'exact' ? interval.millis > 0 : interval.months > 0)) {
    throw new RangeError(`Interval must be positive; build it with parseInterval: ${JSON.stringify(interval)}`);
  }
  if (atMs < anchorMs) return 0;
  let n =
    interval.kind === 'exact'
      ? Math.floor((atMs - anchorMs) / interval.millis)
      : Math.floor(
          (monthIndex(DateTime.fromMillis(atMs, { zone })) - monthIndex(DateTime.fromMillis(anchorMs, { zone }))) /
            interval.months,
        );
  n = Math.max(0, n);
  while (!ok(n)) n++;
  while (n > 0 && ok(n - 1)) n--;
  return n;
}

const UNIT_LABELS: [number, string, string][] = [
  [DAY, 'day', 'daily'],
  [HOUR, 'hour', 'hourly'],
  [MINUTE, 'minute', 'every minute'],
  [SECOND, 'second', 'every second'],
  [1, 'millisecond', 'every millisecond'],
];

/** Human label: 'monthly', 'yearly', 'every 3 months', 'every 2 years', 'daily', 'every 7 days', 'every 90 minutes'. */
export function describeInterval(interval: BillingInterval): string {
  if (interval.kind === 'calendar') {
    const { months } = interval;
    if (months % 12 === 0) return months === 12 ? 'yearly' : `every ${months / 12} years`;
    return months === 1 ? 'monthly' : `every ${months} months`;
  }
  const [unit, name, single] = UNIT_LABELS.find(([ms]) => interval.millis % ms === 0) ?? UNIT_LABELS[4];
  const count = interval.millis / unit;
  return count === 1 ? single : `every ${count} ${name}s`;
}
