import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { EndpointSwitch } from '../activities/deliver-event';
import { EVENTS_ENDPOINT_WORKFLOW_ID, enableEvents, type eventsEndpointWorkflow } from '../workflows/events-endpoint';

/** How long a worker trusts what it last read of the endpoint's flag. */
const CACHE_MS = 5_000;
/** A read that takes longer counts as "enabled": a busy Temporal must not hold up deliveries. */
const READ_DEADLINE_MS = 2_000;

/**
 * The endpoint's disabled flag as a singleton workflow (workflows/events-endpoint.ts): running = disabled. Read with
 * describe() and its memo (not a billed action), cached CACHE_MS per process; set on a 410 by starting the workflow (an existing
 * one is kept: one disable, however many subscriptions met the 410).
 */
export function endpointSwitch(client: Client, taskQueue: string): EndpointSwitch {
  let cached: { atMs: number; reason: string | undefined } | undefined;
  return {
    async disabledBecause() {
      if (cached && Date.now() - cached.atMs < CACHE_MS) return cached.reason;
      try {
        const reason = await client.connection.withDeadline(Date.now() + READ_DEADLINE_MS, () => readDisabled(client));
        cached = { atMs: Date.now(), reason };
        return reason;
      } catch {
        return cached?.reason; // unreadable now: what was last known
      }
    },
    async disable(reason: string) {
      await client.workflow.start<typeof eventsEndpointWorkflow>('eventsEndpointWorkflow', {
        workflowId: EVENTS_ENDPOINT_WORKFLOW_ID,
        taskQueue,
        args: [{ reason }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        memo: { reason },
      });
      cached = { atMs: Date.now(), reason };
    },
  };
}

/** The reason the endpoint is disabled, or undefined when it is enabled. */
export async function readDisabled(client: Client): Promise<string | undefined> {
  const handle = client.workflow.getHandle<typeof eventsEndpointWorkflow>(EVENTS_ENDPOINT_WORKFLOW_ID);
  try {
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING') return undefined;
    // The memo, not a query: describe() is not a billed action.
    const reason = description.memo?.reason;
    return typeof reason === 'string' ? reason : 'disabled';
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

/** Enables the endpoint again (the operator's act after fixing it); true when it was disabled. */
export async function enableEndpoint(client: Client): Promise<boolean> {
  try {
    await client.workflow.getHandle(EVENTS_ENDPOINT_WORKFLOW_ID).signal(enableEvents);
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}
