import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';

/**
 * Subscription workflows that ended other than by completing: nothing (no webhook, no iamport answer, no command)
 * may fail one, so any here is a finding. Listing reads only visibility, no payloads.
 */
export async function workflowsNotCompleted(
  temporalAddress: string,
  /** the stack's payload codec: listing decodes memos */
  dataConverter?: DataConverter,
): Promise<string[]> {
  const connection = await Connection.connect({ address: temporalAddress });
  try {
    const client = new Client({ connection, dataConverter });
    const found: string[] = [];
    const query =
      'WorkflowType="subscriptionWorkflow" AND ' +
      '(ExecutionStatus="Failed" OR ExecutionStatus="Terminated" OR ExecutionStatus="TimedOut")';
    for await (const run of client.workflow.list({ query })) {
      found.push(`${run.workflowId} (run ${run.runId}) ended ${run.status.name}`);
    }
    return found;
  } finally {
    await connection.close();
  }
}
