import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { workflowIdFor } from '../../workflows/ids';
import { mapLimit } from './http';

const UPDATE_ACCEPTED = temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED;

/**
 * When each subscription's workflow accepted its first cancel update that it did not refuse, from the workflow
 * histories (every run). From
 * that moment the workflow has the cancel; the client's request time can be earlier (Temporal was down, the request
 * failed and was repeated), so this is the fair moment after which no new charge may begin.
 */
export async function cancelsAcceptedAt(
  temporalAddress: string,
  subscriptionIds: string[],
  /** the stack's payload codec: listing decodes memos and search attributes */
  dataConverter?: DataConverter,
): Promise<Map<string, number>> {
  const connection = await Connection.connect({ address: temporalAddress });
  try {
    const client = new Client({ connection, dataConverter });
    const accepted = await mapLimit(subscriptionIds, 8, async (id) => {
      let earliest: number | undefined;
      for await (const run of client.workflow.list({ query: `WorkflowId="${workflowIdFor(id)}"` })) {
        const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
        // A cancel the workflow refused after accepting it (a refund while iamport ran a charge) changed nothing.
        const refused = new Set(
          (history.events ?? []).flatMap((event) => {
            const completed = event.workflowExecutionUpdateCompletedEventAttributes;
            return completed?.outcome?.failure && completed.meta?.updateId ? [completed.meta.updateId] : [];
          }),
        );
        for (const event of history.events ?? []) {
          const request = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest;
          if (event.eventType !== UPDATE_ACCEPTED || request?.input?.name !== 'cancel' || !event.eventTime) continue;
          if (request.meta?.updateId && refused.has(request.meta.updateId)) continue;
          const seconds = event.eventTime.seconds;
          const ms = (typeof seconds === 'number' ? seconds : (seconds?.toNumber() ?? 0)) * 1000;
          const at = ms + Math.floor((event.eventTime.nanos ?? 0) / 1e6);
          earliest = Math.min(earliest ?? at, at);
        }
      }
      return [id, earliest] as const;
    });
    return new Map(accepted.filter((entry): entry is readonly [string, number] => entry[1] !== undefined));
  } finally {
    await connection.close();
  }
}
