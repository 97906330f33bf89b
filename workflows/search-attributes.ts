import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes operators filter on in Temporal UI, e.g. SubscriptionStatus="past_due". */
export const SubscriptionStatusKey = defineSearchAttributeKey('SubscriptionStatus', SearchAttributeType.KEYWORD);
export const CustomerUidKey = defineSearchAttributeKey('CustomerUid', SearchAttributeType.KEYWORD);
export const NextChargeAtKey = defineSearchAttributeKey('NextChargeAt', SearchAttributeType.DATETIME);
export const PlanAmountKey = defineSearchAttributeKey('PlanAmount', SearchAttributeType.INT);

export const SUBSCRIPTION_SEARCH_ATTRIBUTES = [SubscriptionStatusKey, CustomerUidKey, NextChargeAtKey, PlanAmountKey];
