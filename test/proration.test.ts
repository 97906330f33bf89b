/** The pro-rata refund rule (workflows/proration.ts, README: Korean rules), case by case. */
import { prorate } from '../workflows/proration';

const kst = (local: string) => Date.parse(`${local}+09:00`);
const ZONE = 'Asia/Seoul';

describe('prorate: unused whole days from the next local midnight / days in the period, rounded down', () => {
  // Monthly periods anchored at 10:00 KST; 9 900 won does not divide evenly, so the rounding shows.
  const periods = {
    '31-day (Jan 2027)': ['2027-01-01T10:00:00', '2027-02-01T10:00:00'],
    '30-day (Apr 2027)': ['2027-04-01T10:00:00', '2027-05-01T10:00:00'],
    '28-day (Feb 2027)': ['2027-02-01T10:00:00', '2027-03-01T10:00:00'],
  } as const;
  it.each([
    // period, cancelled at (KST), unused days, days, refund = floor(9900 × unused / days)
    ['31-day (Jan 2027)', '2027-01-01T15:00:00', 30, 31, 9580],
    ['31-day (Jan 2027)', '2027-01-16T12:00:00', 15, 31, 4790],
    ['31-day (Jan 2027)', '2027-01-31T23:59:00', 0, 31, 0],
    ['30-day (Apr 2027)', '2027-04-01T10:00:00', 29, 30, 9570],
    ['30-day (Apr 2027)', '2027-04-15T09:00:00', 15, 30, 4950],
    ['30-day (Apr 2027)', '2027-04-30T08:00:00', 0, 30, 0],
    ['28-day (Feb 2027)', '2027-02-01T11:00:00', 27, 28, 9546],
    ['28-day (Feb 2027)', '2027-02-14T20:00:00', 14, 28, 4950],
    ['28-day (Feb 2027)', '2027-02-28T00:00:00', 0, 28, 0],
    // the morning of the end date, before the next charge: nothing unused
    ['31-day (Jan 2027)', '2027-02-01T09:00:00', 0, 31, 0],
  ] as const)('%s, cancelled %s KST → %i of %i days unused, ₩%i', (period, at, unused, days, refund) => {
    const [start, end] = periods[period];
    const result = prorate({
      paid_amount: 9900,
      refunded_amount: 0,
      period_start_ms: kst(start),
      period_end_ms: kst(end),
      at_ms: kst(at),
      time_zone: ZONE,
    });
    expect(result).toEqual({ amount: refund, unused_days: unused, period_days: days });
  });

  const jan = { period_start_ms: kst('2027-01-01T10:00:00'), period_end_ms: kst('2027-02-01T10:00:00') };

  it('counts days in the local zone: 23:59 KST and 00:00 KST the next day differ by one unused day', () => {
    const before = prorate({
      ...jan,
      paid_amount: 31000,
      refunded_amount: 0,
      at_ms: kst('2027-01-01T23:59:59'),
      time_zone: ZONE,
    });
    const after = prorate({
      ...jan,
      paid_amount: 31000,
      refunded_amount: 0,
      at_ms: kst('2027-01-02T00:00:00'),
      time_zone: ZONE,
    });
    expect([before.amount, after.amount]).toEqual([30000, 29000]);
  });

  it('never refunds more than is left of the payment', () => {
    const result = prorate({
      ...jan,
      paid_amount: 9900,
      refunded_amount: 9000,
      at_ms: kst('2027-01-01T12:00:00'),
      time_zone: ZONE,
    });
    expect(result.amount).toBe(900);
    const all = prorate({
      ...jan,
      paid_amount: 9900,
      refunded_amount: 9900,
      at_ms: kst('2027-01-01T12:00:00'),
      time_zone: ZONE,
    });
    expect(all.amount).toBe(0);
  });

  it('refunds every day when cancelled before the period started, and nothing for a period under a day', () => {
    const early = prorate({
      ...jan,
      paid_amount: 9900,
      refunded_amount: 0,
      at_ms: kst('2026-12-31T12:00:00'),
      time_zone: ZONE,
    });
    expect(early).toEqual({ amount: 9900, unused_days: 31, period_days: 31 });
    const short = prorate({
      paid_amount: 9900,
      refunded_amount: 0,
      period_start_ms: kst('2027-01-01T10:00:00'),
      period_end_ms: kst('2027-01-01T10:00:30'),
      at_ms: kst('2027-01-01T10:00:10'),
      time_zone: ZONE,
    });
    expect(short.amount).toBe(0);
  });
});
