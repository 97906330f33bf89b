import type { Client } from '@temporalio/client';
import { getState } from '../../workflows/messages';
import { workflowIdFor } from '../../workflows/ids';
import { CORE_VERSION } from '../../workflows/patches';
import { SUBSCRIPTION_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import type { SubscriptionInput } from '../../workflows/types';
import type { SubscriptionView } from '../../workflows/view';
import { subscriptionWorkflow } from '../../workflows';
import type { IamportClient } from '../../src/iamport';
import { eventually } from './stack';

export { SUBSCRIPTION_SEARCH_ATTRIBUTES };

let counter = 0;
/** A subscription id unique within the test run. */
export function uniqueId(prefix = 't'): string {
  counter += 1;
  return `${prefix}${counter}-${Math.random().toString(36).slice(2, 7)}`;
}

/** Issues a billing key for a (test) card in the sandbox, the way the signup flow does outside Temporal. */
export async function issueKey(iamport: IamportClient, customerUid: string, cardNumber = '4242-4242-4242-4242') {
  await iamport.issueBillingKey(customerUid, {
    card_number: cardNumber,
    expiry: '2099-12',
    birth: '900101',
    pwd_2digit: '00',
  });
  return customerUid;
}

export async function startSubscription(
  client: Client,
  taskQueue: string,
  input: Omit<SubscriptionInput, 'created_at'> & { created_at?: string },
) {
  return client.workflow.start(subscriptionWorkflow, {
    taskQueue,
    workflowId: workflowIdFor(input.subscription_id),
    args: [{ created_at: new Date().toISOString(), core_version: CORE_VERSION, ...input }],
  });
}

export async function stateOf(client: Client, subscriptionId: string): Promise<SubscriptionView> {
  return client.workflow.getHandle(workflowIdFor(subscriptionId)).query(getState);
}

/** Waits until the subscription's state satisfies `predicate`; returns that state. */
export function waitForState(
  client: Client,
  subscriptionId: string,
  predicate: (state: SubscriptionView) => boolean,
  timeoutMs = 30_000,
): Promise<SubscriptionView> {
  return eventually(async () => {
    const state = await stateOf(client, subscriptionId);
    return predicate(state) ? state : undefined;
  }, timeoutMs);
}
