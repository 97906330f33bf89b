import type { SubscriptionInput } from '../../workflows/types';

/** A fixed instant for tests of the subscription model without a server. */
export const T0 = Date.parse('2027-01-31T00:00:00.000Z');
export const DAY = 86_400_000;

/** A monthly subscription starting at T0, as the model's pure tests build it. */
export function modelInput(extra: Partial<SubscriptionInput> = {}): SubscriptionInput {
  return {
    subscription_id: 'sub-1',
    customer_uid: 'cust-1',
    plan: { name: 'Basic', amount: 9900, interval: 'P1M' },
    created_at: new Date(T0).toISOString(),
    start_at: new Date(T0).toISOString(),
    payment_result_grace: 'PT15M',
    timezone: 'Asia/Seoul',
    ...extra,
  };
}
