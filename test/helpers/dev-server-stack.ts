import { workflowIdFor } from '../../workflows/ids';
import { startBillingStack, type BillingStack } from './stack';
import { SUBSCRIPTION_SEARCH_ATTRIBUTES } from './subscriptions';
import { startDevServer } from './temporal';

export interface DevServerStack {
  /** set once the file's beforeAll has run */
  readonly stack: BillingStack;
  handleOf(subscriptionId: string): ReturnType<BillingStack['client']['workflow']['getHandle']>;
  /** what the sandbox charged the billing key */
  chargesOf(customerUid: string): ReturnType<BillingStack['sandbox']['ledger']>['charges'];
}

/**
 * Registers the file's beforeAll/afterAll: a dev server with the subscription search attributes and a billing stack
 * on it (the sandbox checking for due schedules every 100 ms), stopped after the file's tests. `events` is the
 * merchant-events setting, read each time the worker starts (a test may fill it in an earlier beforeAll, or rotate it).
 */
export function useDevServerStack(
  options: { events?: NonNullable<Parameters<typeof startBillingStack>[1]>['events'] } = {},
): DevServerStack {
  let stack: BillingStack | undefined;
  beforeAll(async () => {
    const env = await startDevServer({ searchAttributes: SUBSCRIPTION_SEARCH_ATTRIBUTES });
    try {
      stack = await startBillingStack(env, { sandbox: { tickMs: 100 }, events: options.events });
    } catch (error) {
      await env.teardown();
      throw error;
    }
  });
  afterAll(async () => {
    await stack?.teardown();
    await stack?.env.teardown();
  });
  const running = (): BillingStack => {
    if (!stack) throw new Error('the billing stack is not running (used outside a test?)');
    return stack;
  };
  return {
    get stack() {
      return running();
    },
    handleOf: (subscriptionId) => running().client.workflow.getHandle(workflowIdFor(subscriptionId)),
    chargesOf: (customerUid) =>
      running()
        .sandbox.ledger()
        .charges.filter((charge) => charge.customer_uid === customerUid),
  };
}
