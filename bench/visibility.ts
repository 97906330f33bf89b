import type { Client } from '@temporalio/client';

/** Visibility query for the runs of `workflowType` that continued as new at or after `sinceMs`: verified cycles. */
export function continuedSince(workflowType: string, sinceMs: number): string {
  const since = new Date(sinceMs).toISOString();
  return `WorkflowType="${workflowType}" AND ExecutionStatus="ContinuedAsNew" AND CloseTime >= "${since}"`;
}

export async function countRuns(client: Client, query: string): Promise<number> {
  return (await client.workflow.count(query)).count;
}

export interface ClosedRun {
  workflowId: string;
  runId: string;
  closedAt: number;
}

/** The runs the query matches, one per workflow (its earliest), in the order they closed. */
export async function closedRuns(client: Client, query: string): Promise<ClosedRun[]> {
  const earliest = new Map<string, ClosedRun>();
  for await (const run of client.workflow.list({ query, pageSize: 1000 })) {
    const closedAt = run.closeTime?.getTime();
    if (closedAt === undefined) continue;
    const seen = earliest.get(run.workflowId);
    if (!seen || closedAt < seen.closedAt)
      earliest.set(run.workflowId, { workflowId: run.workflowId, runId: run.runId, closedAt });
  }
  return [...earliest.values()].sort((a, b) => a.closedAt - b.closedAt);
}
