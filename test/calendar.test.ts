import fc from 'fast-check';
import { DateTime } from 'luxon';
import {
  BillingInterval,
  InvalidIntervalError,
  describeInterval,
  durationToMs,
  firstPeriodAfter,
  parseInterval,
  periodBounds,
  periodStart,
} from '../workflows/calendar';

// Expected values are written by hand as ISO strings with explicit offsets; Date.parse only decodes them.
const at = (iso: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad test literal ${iso}`);
  return ms;
};
const SEOUL = 'Asia/Seoul';
const NEW_YORK = 'America/New_York';
const P1M = parseInterval('P1M');

/** Period starts 0..expected.length-1, as ISO strings in the given zone, for readable failure diffs. */
function starts(anchorIso: string, interval: BillingInterval, count: number, zone: string): string[] {
  return Array.from(
    { length: count },
    (_, n) => DateTime.fromMillis(periodStart(at(anchorIso), interval, n, zone), { zone }).toISO() ?? 'invalid',
  );
}
function expectStarts(anchorIso: string, iso: string, zone: string, expected: string[]): void {
  const interval = parseInterval(iso);
  expect(starts(anchorIso, interval, expected.length, zone)).toEqual(expected);
  expected.forEach((e, n) => expect(periodStart(at(anchorIso), interval, n, zone)).toBe(at(e)));
}

describe('periodStart: calendar intervals (Asia/Seoul)', () => {
  it('Jan 31 2024 10:00 KST monthly: clamps to month end, keeps the time, never drifts (16 periods)', () => {
    expectStarts('2024-01-31T10:00:00.000+09:00', 'P1M', SEOUL, [
      '2024-01-31T10:00:00.000+09:00',
      '2024-02-29T10:00:00.000+09:00',
      '2024-03-31T10:00:00.000+09:00',
      '2024-04-30T10:00:00.000+09:00',
      '2024-05-31T10:00:00.000+09:00',
      '2024-06-30T10:00:00.000+09:00',
      '2024-07-31T10:00:00.000+09:00',
      '2024-08-31T10:00:00.000+09:00',
      '2024-09-30T10:00:00.000+09:00',
      '2024-10-31T10:00:00.000+09:00',
      '2024-11-30T10:00:00.000+09:00',
      '2024-12-31T10:00:00.000+09:00',
      '2025-01-31T10:00:00.000+09:00',
      '2025-02-28T10:00:00.000+09:00',
      '2025-03-31T10:00:00.000+09:00',
      '2025-04-30T10:00:00.000+09:00',
    ]);
  });

  it('period 2 of a Jan 31 anchor is Mar 31, not Mar 29 (derived from the anchor, not from Feb 29)', () => {
    expect(periodStart(at('2024-01-31T10:00:00+09:00'), P1M, 2, SEOUL)).toBe(at('2024-03-31T10:00:00+09:00'));
    expect(periodStart(at('2025-01-31T10:00:00+09:00'), P1M, 2, SEOUL)).toBe(at('2025-03-31T10:00:00+09:00'));
  });

  it('anchor on the 29th: Feb 29 in leap years, Feb 28 otherwise, back to the 29th', () => {
    expectStarts('2024-01-29T09:15:00.000+09:00', 'P1M', SEOUL, [
      '2024-01-29T09:15:00.000+09:00',
      '2024-02-29T09:15:00.000+09:00',
      '2024-03-29T09:15:00.000+09:00',
    ]);
    expectStarts('2025-01-29T09:15:00.000+09:00', 'P1M', SEOUL, [
      '2025-01-29T09:15:00.000+09:00',
      '2025-02-28T09:15:00.000+09:00',
      '2025-03-29T09:15:00.000+09:00',
    ]);
  });

  it('anchor on the 30th', () => {
    expectStarts('2024-01-30T12:00:00.000+09:00', 'P1M', SEOUL, [
      '2024-01-30T12:00:00.000+09:00',
      '2024-02-29T12:00:00.000+09:00',
      '2024-03-30T12:00:00.000+09:00',
      '2024-04-30T12:00:00.000+09:00',
      '2024-05-30T12:00:00.000+09:00',
    ]);
  });

  it('anchor on the 31st of a 31-day month in the middle of the year', () => {
    expectStarts('2025-08-31T00:00:00.000+09:00', 'P1M', SEOUL, [
      '2025-08-31T00:00:00.000+09:00',
      '2025-09-30T00:00:00.000+09:00',
      '2025-10-31T00:00:00.000+09:00',
      '2025-11-30T00:00:00.000+09:00',
      '2025-12-31T00:00:00.000+09:00',
      '2026-01-31T00:00:00.000+09:00',
      '2026-02-28T00:00:00.000+09:00',
      '2026-03-31T00:00:00.000+09:00',
    ]);
  });

  it('Feb 29 yearly: Feb 28 in non-leap years, Feb 29 again in 2028', () => {
    expectStarts('2024-02-29T08:00:00.000+09:00', 'P1Y', SEOUL, [
      '2024-02-29T08:00:00.000+09:00',
      '2025-02-28T08:00:00.000+09:00',
      '2026-02-28T08:00:00.000+09:00',
      '2027-02-28T08:00:00.000+09:00',
      '2028-02-29T08:00:00.000+09:00',
      '2029-02-28T08:00:00.000+09:00',
    ]);
  });

  it('P3M quarterly from Nov 30', () => {
    expectStarts('2023-11-30T10:00:00.000+09:00', 'P3M', SEOUL, [
      '2023-11-30T10:00:00.000+09:00',
      '2024-02-29T10:00:00.000+09:00',
      '2024-05-30T10:00:00.000+09:00',
      '2024-08-30T10:00:00.000+09:00',
      '2024-11-30T10:00:00.000+09:00',
      '2025-02-28T10:00:00.000+09:00',
      '2025-05-30T10:00:00.000+09:00',
    ]);
  });

  it('P1Y6M (18 months) from Aug 31', () => {
    expectStarts('2022-08-31T10:00:00.000+09:00', 'P1Y6M', SEOUL, [
      '2022-08-31T10:00:00.000+09:00',
      '2024-02-29T10:00:00.000+09:00',
      '2025-08-31T10:00:00.000+09:00',
      '2027-02-28T10:00:00.000+09:00',
      '2028-08-31T10:00:00.000+09:00',
    ]);
  });

  it('23:30 KST on the last day of the month follows the KST calendar', () => {
    expectStarts('2024-01-31T23:30:00.000+09:00', 'P1M', SEOUL, [
      '2024-01-31T23:30:00.000+09:00',
      '2024-02-29T23:30:00.000+09:00',
      '2024-03-31T23:30:00.000+09:00',
      '2024-04-30T23:30:00.000+09:00',
    ]);
    // Same instants in UTC: the 14:30Z times sit on the same dates.
    expect(periodStart(at('2024-01-31T14:30:00Z'), P1M, 3, SEOUL)).toBe(at('2024-04-30T14:30:00Z'));
  });

  it('a KST month start that is still the previous month-end in UTC follows KST (the classic UTC bug)', () => {
    // 2024-03-01 00:30 KST is 2024-02-29 15:30 UTC: computing in UTC would clamp to the 29th/31st.
    expectStarts('2024-03-01T00:30:00.000+09:00', 'P1M', SEOUL, [
      '2024-03-01T00:30:00.000+09:00',
      '2024-04-01T00:30:00.000+09:00',
      '2024-05-01T00:30:00.000+09:00',
    ]);
    expect(periodStart(at('2024-03-01T00:30:00+09:00'), P1M, 1, SEOUL)).toBe(at('2024-03-31T15:30:00Z'));
    // 2024-01-31 08:00 KST is 2024-01-30 23:00 UTC: the KST day (31st) is the anchor day.
    expect(periodStart(at('2024-01-31T08:00:00+09:00'), P1M, 2, SEOUL)).toBe(at('2024-03-30T23:00:00Z'));
  });

  it('keeps milliseconds of the anchor', () => {
    expect(periodStart(at('2024-01-31T10:00:00.123+09:00'), P1M, 1, SEOUL)).toBe(at('2024-02-29T10:00:00.123+09:00'));
  });

  it('far future: period 1200 of a Jan 31 monthly anchor is Jan 31 2124', () => {
    expect(periodStart(at('2024-01-31T10:00:00+09:00'), P1M, 1200, SEOUL)).toBe(at('2124-01-31T10:00:00+09:00'));
    expect(periodStart(at('2024-01-31T10:00:00+09:00'), P1M, 1201, SEOUL)).toBe(at('2124-02-29T10:00:00+09:00'));
  });
});

describe('periodStart: exact intervals', () => {
  const anchor = at('2024-01-31T10:00:00+09:00');
  it('n = 0 returns the anchor for every kind', () => {
    for (const iso of ['P1M', 'P1Y', 'PT30S', 'P7D'])
      expect(periodStart(anchor, parseInterval(iso), 0, SEOUL)).toBe(anchor);
  });
  it('PT30S adds 30 000 ms per period', () => {
    const i = parseInterval('PT30S');
    expect(periodStart(anchor, i, 1, SEOUL)).toBe(anchor + 30_000);
    expect(periodStart(anchor, i, 2, SEOUL)).toBe(at('2024-01-31T10:01:00+09:00'));
    expect(periodStart(anchor, i, 10, SEOUL)).toBe(anchor + 300_000);
  });
  it('P7D and P1W add exactly 604 800 000 ms', () => {
    for (const iso of ['P7D', 'P1W']) {
      expect(periodStart(anchor, parseInterval(iso), 1, SEOUL)).toBe(anchor + 604_800_000);
      expect(periodStart(anchor, parseInterval(iso), 4, SEOUL)).toBe(at('2024-02-28T10:00:00+09:00'));
    }
  });
  it('does not depend on the time zone', () => {
    const i = parseInterval('PT1H30M');
    expect(periodStart(anchor, i, 3, NEW_YORK)).toBe(periodStart(anchor, i, 3, SEOUL));
    expect(periodStart(anchor, i, 3, 'UTC')).toBe(anchor + 16_200_000);
  });
});

describe('America/New_York DST', () => {
  it('monthly from a 02:30 anchor: the non-existent 02:30 on Mar 10 2024 moves forward to 03:30 EDT', () => {
    expectStarts('2024-01-10T02:30:00.000-05:00', 'P1M', NEW_YORK, [
      '2024-01-10T02:30:00.000-05:00',
      '2024-02-10T02:30:00.000-05:00',
      '2024-03-10T03:30:00.000-04:00',
      '2024-04-10T02:30:00.000-04:00',
      '2024-05-10T02:30:00.000-04:00',
    ]);
  });
  it('an ambiguous local time (fall back) takes the earlier offset, whatever the anchor offset', () => {
    // Summer anchor → Nov 3 01:30 EDT.
    expect(periodStart(at('2024-10-03T01:30:00-04:00'), P1M, 1, NEW_YORK)).toBe(at('2024-11-03T01:30:00-04:00'));
    // Winter anchor (EST) → still the earlier Nov 3 01:30 EDT.
    expect(periodStart(at('2024-01-03T01:30:00-05:00'), parseInterval('P10M'), 1, NEW_YORK)).toBe(
      at('2024-11-03T01:30:00-04:00'),
    );
    expect(periodStart(at('2023-11-03T01:30:00-04:00'), parseInterval('P1Y'), 1, NEW_YORK)).toBe(
      at('2024-11-03T01:30:00-04:00'),
    );
  });
  it('an anchor at the later of two ambiguous instants is period 0 unchanged; later periods keep 01:30', () => {
    const anchor = at('2024-11-03T01:30:00-05:00');
    expect(periodStart(anchor, P1M, 0, NEW_YORK)).toBe(anchor);
    expect(periodStart(anchor, P1M, 1, NEW_YORK)).toBe(at('2024-12-03T01:30:00-05:00'));
    expect(periodStart(anchor, P1M, 5, NEW_YORK)).toBe(at('2025-04-03T01:30:00-04:00'));
  });
  it('P1D across spring-forward and fall-back is exactly 86 400 000 ms (local time shifts)', () => {
    const d = parseInterval('P1D');
    expect(periodStart(at('2024-03-09T12:00:00-05:00'), d, 1, NEW_YORK)).toBe(at('2024-03-10T13:00:00-04:00'));
    expect(periodStart(at('2024-11-02T12:00:00-04:00'), d, 1, NEW_YORK)).toBe(at('2024-11-03T11:00:00-05:00'));
    const b = periodBounds(at('2024-03-09T12:00:00-05:00'), d, 0, NEW_YORK);
    expect(b.end - b.start).toBe(86_400_000);
  });
  it('a calendar month across spring-forward is one hour shorter than wall-clock days suggest', () => {
    const b = periodBounds(at('2024-03-01T12:00:00-05:00'), P1M, 0, NEW_YORK);
    expect(b).toEqual({ start: at('2024-03-01T12:00:00-05:00'), end: at('2024-04-01T12:00:00-04:00') });
    expect(b.end - b.start).toBe(31 * 86_400_000 - 3_600_000);
  });
});

describe('argument validation', () => {
  it('rejects an unknown time zone with a clear error', () => {
    expect(() => periodStart(0, P1M, 1, 'Asia/Seol')).toThrow('Unknown IANA time zone "Asia/Seol"');
    expect(() => periodStart(0, parseInterval('P7D'), 1, 'KST')).toThrow(RangeError);
    expect(() => firstPeriodAfter(0, P1M, 5, 'Mars/Olympus')).toThrow('Unknown IANA time zone');
    expect(() => periodStart(0, P1M, 1, 'UTC')).not.toThrow();
  });
  it('firstPeriodAfter rejects a non-finite time and a non-positive interval instead of looping', () => {
    expect(() => firstPeriodAfter(0, P1M, NaN, SEOUL)).toThrow('Time must be finite');
    expect(() => firstPeriodAfter(0, { iso: 'P0M', kind: 'calendar', months: 0, millis: 0 }, 5, SEOUL)).toThrow(
      'Interval must be positive',
    );
  });
  it('rejects negative or fractional period numbers', () => {
    expect(() => periodStart(0, P1M, -1, SEOUL)).toThrow('non-negative integer');
    expect(() => periodStart(0, P1M, 1.5, SEOUL)).toThrow('non-negative integer');
  });
});

describe('periodBounds', () => {
  it('returns [start, end) of a period', () => {
    expect(periodBounds(at('2024-01-31T10:00:00+09:00'), P1M, 1, SEOUL)).toEqual({
      start: at('2024-02-29T10:00:00+09:00'),
      end: at('2024-03-31T10:00:00+09:00'),
    });
  });

  const zones = [SEOUL, NEW_YORK, 'UTC', 'Europe/London', 'Australia/Lord_Howe', 'America/St_Johns'];
  const intervals = ['P1M', 'P2M', 'P3M', 'P6M', 'P1Y', 'P1Y6M', 'P2Y', 'PT30S', 'P1D', 'P7D', 'PT1H30M'];
  const anchorArb = fc.integer({ min: at('2000-01-01T00:00:00Z'), max: at('2100-01-01T00:00:00Z') });
  const args = fc.record({
    anchor: anchorArb,
    interval: fc.constantFrom(...intervals).map((iso) => parseInterval(iso)),
    n: fc.integer({ min: 0, max: 300 }),
    zone: fc.constantFrom(...zones),
  });

  it('tiles: end(n) === start(n + 1) and starts strictly increase (property)', () => {
    fc.assert(
      fc.property(args, ({ anchor, interval, n, zone }) => {
        const a = periodBounds(anchor, interval, n, zone);
        const b = periodBounds(anchor, interval, n + 1, zone);
        expect(a.end).toBe(b.start);
        expect(a.start).toBeLessThan(a.end);
        expect(b.start).toBeLessThan(b.end);
      }),
      { numRuns: 500 },
    );
  });

  it('period n is derived from the anchor: n monthly steps equal one n-month step (property)', () => {
    fc.assert(
      fc.property(anchorArb, fc.integer({ min: 1, max: 60 }), fc.constantFrom(...zones), (anchor, n, zone) => {
        expect(periodStart(anchor, P1M, n, zone)).toBe(periodStart(anchor, parseInterval(`P${n}M`), 1, zone));
      }),
      { numRuns: 300 },
    );
  });

  it('calendar period n falls on min(anchor day, last day of month) at the anchor time of day (property)', () => {
    fc.assert(
      fc.property(anchorArb, fc.integer({ min: 0, max: 240 }), fc.constantFrom(SEOUL, 'UTC'), (anchor, n, zone) => {
        const a = DateTime.fromMillis(anchor, { zone });
        const s = DateTime.fromMillis(periodStart(anchor, P1M, n, zone), { zone });
        const expectedMonth = a.startOf('month').plus({ months: n });
        expect([s.year, s.month]).toEqual([expectedMonth.year, expectedMonth.month]);
        expect(s.day).toBe(Math.min(a.day, expectedMonth.daysInMonth!));
        expect(s.toFormat('HH:mm:ss.SSS')).toBe(a.toFormat('HH:mm:ss.SSS'));
      }),
      { numRuns: 300 },
    );
  });
});

describe('firstPeriodAfter', () => {
  const anchor = at('2024-01-31T10:00:00+09:00');
  const feb29 = at('2024-02-29T10:00:00+09:00');

  it('before the anchor → 0', () => {
    expect(firstPeriodAfter(anchor, P1M, anchor - 1, SEOUL)).toBe(0);
    expect(firstPeriodAfter(anchor, P1M, at('2020-01-01T00:00:00Z'), SEOUL)).toBe(0);
  });
  it('exactly at the anchor: exclusive → 1, inclusive → 0', () => {
    expect(firstPeriodAfter(anchor, P1M, anchor, SEOUL)).toBe(1);
    expect(firstPeriodAfter(anchor, P1M, anchor, SEOUL, { inclusive: true })).toBe(0);
  });
  it('exactly at a boundary: exclusive → next, inclusive → that period', () => {
    expect(firstPeriodAfter(anchor, P1M, feb29, SEOUL)).toBe(2);
    expect(firstPeriodAfter(anchor, P1M, feb29, SEOUL, { inclusive: true })).toBe(1);
    expect(firstPeriodAfter(anchor, P1M, feb29, SEOUL, { inclusive: false })).toBe(2);
  });
  it('just before and just after a boundary', () => {
    expect(firstPeriodAfter(anchor, P1M, feb29 - 1, SEOUL)).toBe(1);
    expect(firstPeriodAfter(anchor, P1M, feb29 - 1, SEOUL, { inclusive: true })).toBe(1);
    expect(firstPeriodAfter(anchor, P1M, feb29 + 1, SEOUL)).toBe(2);
    expect(firstPeriodAfter(anchor, P1M, feb29 + 1, SEOUL, { inclusive: true })).toBe(2);
  });
  it('late in a KST day whose UTC date is earlier (Mar 31 08:00 KST is Mar 30 UTC)', () => {
    expect(firstPeriodAfter(anchor, P1M, at('2024-03-31T08:00:00+09:00'), SEOUL)).toBe(2);
    expect(firstPeriodAfter(anchor, P1M, at('2024-03-31T10:00:00+09:00'), SEOUL)).toBe(3);
  });
  it('far in the future: 1200 months', () => {
    const far = at('2124-01-31T10:00:00+09:00');
    expect(firstPeriodAfter(anchor, P1M, far, SEOUL, { inclusive: true })).toBe(1200);
    expect(firstPeriodAfter(anchor, P1M, far, SEOUL)).toBe(1201);
    expect(firstPeriodAfter(anchor, P1M, far - 1, SEOUL)).toBe(1200);
    expect(firstPeriodAfter(anchor, parseInterval('P1Y'), far, SEOUL)).toBe(101);
  });
  it('exact intervals, including ~3 billion periods (only feasible by estimating, not scanning)', () => {
    const s30 = parseInterval('PT30S');
    expect(firstPeriodAfter(anchor, s30, anchor + 60_000, SEOUL)).toBe(3);
    expect(firstPeriodAfter(anchor, s30, anchor + 60_000, SEOUL, { inclusive: true })).toBe(2);
    expect(firstPeriodAfter(anchor, s30, anchor + 59_999, SEOUL)).toBe(2);
    const oneSecond = parseInterval('PT1S');
    expect(firstPeriodAfter(anchor, oneSecond, anchor + 3_000_000_000_000, SEOUL)).toBe(3_000_000_001);
  });
  it('across the New York spring-forward gap', () => {
    const ny = at('2024-01-10T02:30:00-05:00');
    expect(firstPeriodAfter(ny, P1M, at('2024-03-10T03:29:59-04:00'), NEW_YORK)).toBe(2);
    expect(firstPeriodAfter(ny, P1M, at('2024-03-10T03:30:00-04:00'), NEW_YORK)).toBe(3);
  });
  it('returns the smallest n with start(n) > at (or >=) for random inputs (property)', () => {
    const intervals = ['P1M', 'P3M', 'P1Y', 'P1Y6M', 'P7D', 'PT30S', 'PT1H30M'].map((iso) => parseInterval(iso));
    fc.assert(
      fc.property(
        fc.integer({ min: at('2000-01-01T00:00:00Z'), max: at('2050-01-01T00:00:00Z') }),
        fc.constantFrom(...intervals),
        fc.integer({ min: -86_400_000, max: 10 * 365 * 86_400_000 }),
        fc.constantFrom(SEOUL, NEW_YORK, 'UTC'),
        fc.boolean(),
        (anchor, interval, offset, zone, inclusive) => {
          const t = anchor + offset;
          const n = firstPeriodAfter(anchor, interval, t, zone, { inclusive });
          const after = (s: number) => (inclusive ? s >= t : s > t);
          expect(after(periodStart(anchor, interval, n, zone))).toBe(true);
          if (n > 0) expect(after(periodStart(anchor, interval, n - 1, zone))).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('parseInterval', () => {
  it.each([
    ['P1M', 'calendar', 1, 0],
    ['P3M', 'calendar', 3, 0],
    ['P1Y', 'calendar', 12, 0],
    ['P1Y6M', 'calendar', 18, 0],
    ['P7D', 'exact', 0, 604_800_000],
    ['P1W', 'exact', 0, 604_800_000],
    ['PT30S', 'exact', 0, 30_000],
    ['PT1H30M', 'exact', 0, 5_400_000],
    ['P1DT12H', 'exact', 0, 129_600_000],
    ['PT1.5S', 'exact', 0, 1_500],
  ])('%s → %s months=%d millis=%d', (iso, kind, months, millis) => {
    expect(parseInterval(iso)).toEqual({ iso, kind, months, millis });
  });

  it.each([
    ['P1M15D', 'Invalid billing interval "P1M15D": calendar units (Y/M) cannot be mixed with W/D/H/M/S'],
    ['P0D', 'Invalid billing interval "P0D": it must be positive, not zero'],
    ['P0M', 'Invalid billing interval "P0M": it must be positive, not zero'],
    ['-P1M', 'Invalid billing interval "-P1M": it must be positive'],
    ['PT0S', 'Invalid billing interval "PT0S": it must be positive, not zero'],
    ['P1.5M', 'Invalid billing interval "P1.5M": years and months must be whole numbers'],
    ['1 month', 'Invalid billing interval "1 month": not an ISO-8601 duration'],
    ['', 'Invalid billing interval "": not an ISO-8601 duration'],
    ['P', 'Invalid billing interval "P": not an ISO-8601 duration'],
    ['PT', 'Invalid billing interval "PT": not an ISO-8601 duration'],
    ['P1DT', 'Invalid billing interval "P1DT": not an ISO-8601 duration'],
    ['P1D1M', 'Invalid billing interval "P1D1M": not an ISO-8601 duration'],
    ['PT0.5S', 'Invalid billing interval "PT0.5S": it must be at least 1000 ms'],
  ])('rejects %j', (iso, message) => {
    const call = () => parseInterval(iso);
    expect(call).toThrow(InvalidIntervalError);
    expect(call).toThrow(message);
    // Every message tells the user which forms are allowed.
    expect(call).toThrow('Allowed: either years and/or months, e.g. P1M, P3M, P1Y, P1Y6M; or weeks, days');
  });

  it('honours minExactMs', () => {
    expect(() => parseInterval('PT30S', { minExactMs: 60_000 })).toThrow('it must be at least 60000 ms');
    expect(parseInterval('PT0.5S', { minExactMs: 100 }).millis).toBe(500);
    expect(parseInterval('P1M', { minExactMs: 10 ** 12 }).months).toBe(1);
  });

  it('InvalidIntervalError is an Error with its own name', () => {
    try {
      parseInterval('P1M15D');
      throw new Error('unreachable');
    } catch (e) {
      expect(e).toBeInstanceOf(Error);
      expect(e).toBeInstanceOf(InvalidIntervalError);
      expect((e as Error).name).toBe('InvalidIntervalError');
    }
  });
});

describe('durationToMs', () => {
  it.each([
    ['P1D', 86_400_000],
    ['P2W', 1_209_600_000],
    ['PT1H30M', 5_400_000],
    ['PT30S', 30_000],
    ['PT0.5S', 500],
    ['P3DT12H', 302_400_000],
  ])('%s → %d ms', (iso, ms) => expect(durationToMs(iso)).toBe(ms));

  it.each([
    ['P1M', 'Invalid duration "P1M": years and months are not exact time'],
    ['P1Y', 'Invalid duration "P1Y": years and months are not exact time'],
    ['P0D', 'Invalid duration "P0D": it must be positive, not zero'],
    ['-PT1H', 'Invalid duration "-PT1H": it must be positive'],
    ['', 'Invalid duration "": not an ISO-8601 duration'],
    ['3 days', 'Invalid duration "3 days": not an ISO-8601 duration'],
  ])('rejects %j', (iso, message) => {
    expect(() => durationToMs(iso)).toThrow(InvalidIntervalError);
    expect(() => durationToMs(iso)).toThrow(message);
    expect(() => durationToMs(iso)).toThrow('Allowed: weeks, days, hours, minutes and/or seconds');
  });
});

describe('describeInterval', () => {
  it.each([
    ['P1M', 'monthly'],
    ['P1Y', 'yearly'],
    ['P12M', 'yearly'],
    ['P3M', 'every 3 months'],
    ['P1Y6M', 'every 18 months'],
    ['P2Y', 'every 2 years'],
    ['P7D', 'every 7 days'],
    ['P1W', 'every 7 days'],
    ['P1D', 'daily'],
    ['PT1H', 'hourly'],
    ['PT1H30M', 'every 90 minutes'],
    ['PT1M', 'every minute'],
    ['PT30S', 'every 30 seconds'],
    ['PT1.5S', 'every 1500 milliseconds'],
  ])('%s → %s', (iso, label) => expect(describeInterval(parseInterval(iso))).toBe(label));
});
