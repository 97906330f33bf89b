/**
 * The subscriptions the chaos suite signs up: most renew every cycle, some recover from declines through dunning, some
 * are canceled during the chaos (at once or at the period's end). All charge on one calendar whose anchors are spread
 * over the first ANCHOR_SPREAD_MS of each period, so the rest of every period is quiet and can be checked.
 */
export const INTERVAL = 'PT40S';
export const INTERVAL_MS = 40_000;
export const ANCHOR_SPREAD_MS = 10_000;
export const DUNNING_DELAY = 'PT2S';

export type Role = 'renews' | 'recovers' | 'cancels-now' | 'cancels-at-period-end';

export interface PlannedSubscription {
  id: string;
  customer_uid: string;
  role: Role;
  amount: number;
  card_number: string;
  /** how many charges the card declines before it pays (decline-then-pass test cards) */
  declines: number;
  /** the first charge: the calendar's anchor */
  start_at_ms: number;
  /** which cancel round cancels it (cancelling roles only) */
  cancel_round?: 1 | 2;
}

const ROLE_BY_REMAINDER: Record<number, Role> = { 0: 'recovers', 2: 'cancels-now', 3: 'cancels-at-period-end' };

export function planPopulation(count: number, runTag: string, firstChargeMs: number): PlannedSubscription[] {
  return Array.from({ length: count }, (_, i) => {
    const role = ROLE_BY_REMAINDER[i % 10] ?? 'renews';
    const declines = role === 'recovers' ? 1 + (Math.floor(i / 10) % 3) : 0;
    const id = `c${runTag}-${i}`;
    return {
      id,
      customer_uid: `cust-${id}`,
      role,
      amount: 1000 + (i % 7) * 100,
      card_number: declines > 0 ? `4000-0000-0000-01${declines}0` : '4242-4242-4242-4242',
      declines,
      start_at_ms: firstChargeMs + ((i + Math.floor(i / 10)) % (ANCHOR_SPREAD_MS / 1000)) * 1000,
      cancel_round:
        role === 'cancels-now' || role === 'cancels-at-period-end'
          ? (((Math.floor(i / 10) % 2) + 1) as 1 | 2)
          : undefined,
    };
  });
}

/** POST /subscriptions for a planned subscription. */
export function signupBody(planned: PlannedSubscription) {
  return {
    subscription_id: planned.id,
    customer_uid: planned.customer_uid,
    card: { card_number: planned.card_number, expiry: '2099-12', birth: '900101', pwd_2digit: '00' },
    plan: { name: `Chaos ${planned.amount}`, amount: planned.amount, interval: INTERVAL },
    start_at: new Date(planned.start_at_ms).toISOString(),
    dunning: { retry_delays: Array(4).fill(DUNNING_DELAY), final_action: 'unpaid' },
  };
}

/** When cycle `cycle` (1-based) of a subscription that was never paused or re-anchored is due. */
export function dueAtMs(planned: PlannedSubscription, cycle: number): number {
  return planned.start_at_ms + (cycle - 1) * INTERVAL_MS;
}

/** How many cycles of the subscription are due at `atMs`. */
export function cyclesDueBy(planned: PlannedSubscription, atMs: number): number {
  return atMs < planned.start_at_ms ? 0 : Math.floor((atMs - planned.start_at_ms) / INTERVAL_MS) + 1;
}
