import {
  defineSearchAttributeKey,
  SearchAttributeType,
  type SearchAttributePair,
  type SearchAttributeUpdatePair,
} from '@temporalio/common';
import type { SubscriptionStatus } from './types';

/** Custom search attributes operators filter on in Temporal UI, e.g. SubscriptionStatus="past_due". */
export const SubscriptionStatusKey = defineSearchAttributeKey('SubscriptionStatus', SearchAttributeType.KEYWORD);
export const CustomerUidKey = defineSearchAttributeKey('CustomerUid', SearchAttributeType.KEYWORD);
export const NextChargeAtKey = defineSearchAttributeKey('NextChargeAt', SearchAttributeType.DATETIME);
export const PlanAmountKey = defineSearchAttributeKey('PlanAmount', SearchAttributeType.INT);

export const SUBSCRIPTION_SEARCH_ATTRIBUTES = [SubscriptionStatusKey, CustomerUidKey, NextChargeAtKey, PlanAmountKey];

/** What operators filter on, derived from what callers see; the workflow and the client both use this mapping. */
export interface SubscriptionSearchValues {
  status: SubscriptionStatus;
  customerUid: string;
  nextChargeAt?: string;
  planAmount: number;
}

export function searchValuesOf(view: {
  status: SubscriptionStatus;
  customer_uid: string;
  next_charge_at?: string;
  plan: { amount: number };
}): SubscriptionSearchValues {
  return {
    status: view.status,
    customerUid: view.customer_uid,
    nextChargeAt: view.next_charge_at,
    planAmount: view.plan.amount,
  };
}

/** The full set, for a start or a continue-as-new (an absent NextChargeAt is simply not set). */
export function searchAttributePairs(values: SubscriptionSearchValues): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [
    { key: SubscriptionStatusKey, value: values.status },
    { key: CustomerUidKey, value: values.customerUid },
    { key: PlanAmountKey, value: values.planAmount },
  ];
  if (values.nextChargeAt) pairs.push({ key: NextChargeAtKey, value: new Date(values.nextChargeAt) });
  return pairs;
}

/** Only what changed since `before`: each upsert is a billed action on Temporal Cloud. */
export function searchAttributeChanges(
  before: Partial<SubscriptionSearchValues>,
  after: SubscriptionSearchValues,
): SearchAttributeUpdatePair[] {
  const changes: SearchAttributeUpdatePair[] = [];
  if (after.status !== before.status) changes.push({ key: SubscriptionStatusKey, value: after.status });
  if (after.customerUid !== before.customerUid) changes.push({ key: CustomerUidKey, value: after.customerUid });
  if (after.planAmount !== before.planAmount) changes.push({ key: PlanAmountKey, value: after.planAmount });
  if (after.nextChargeAt !== before.nextChargeAt) {
    changes.push({
      key: NextChargeAtKey,
      value: after.nextChargeAt ? new Date(after.nextChargeAt) : null,
    } as SearchAttributeUpdatePair);
  }
  return changes;
}
