import { condition, defineQuery, defineSignal, setCurrentDetails, setHandler } from '@temporalio/workflow';

/**
 * The merchant endpoint's "disabled" flag (issue 11: 410 Gone disables the endpoint until an operator enables it).
 * One workflow per namespace, id EVENTS_ENDPOINT_WORKFLOW_ID: while it runs, the endpoint is disabled; the
 * `enableEvents` signal (POST /events/endpoint/enable, or Temporal UI) ends it. A workflow rather than a flag in
 * each subscription: the endpoint is one for every subscription, so one 410 stops them all and one action enables
 * them all; it is durable and visible in Temporal UI; and reading it costs no billed action (the deliverEvent
 * activity reads it with DescribeWorkflowExecution, cached for a few seconds per worker).
 */
export const EVENTS_ENDPOINT_WORKFLOW_ID = 'merchant-events-endpoint';

export interface EndpointDisabled {
  reason: string;
}

export const enableEvents = defineSignal('enableEvents');
export const endpointState = defineQuery<EndpointDisabled & { disabled: boolean }>('endpointState');

export async function eventsEndpointWorkflow(disabled: EndpointDisabled): Promise<{ enabled: true }> {
  let enabled = false;
  setHandler(enableEvents, () => {
    enabled = true;
  });
  setHandler(endpointState, () => ({ ...disabled, disabled: !enabled }));
  setCurrentDetails(`**merchant events disabled**: ${disabled.reason}. Signal \`enableEvents\` to enable them again.`);
  await condition(() => enabled);
  return { enabled: true };
}
