// The worker's workflowsPath: every workflow type this project runs.
export { subscriptionWorkflow } from './subscription';
export { eventsEndpointWorkflow } from './events-endpoint';
