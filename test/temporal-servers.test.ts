import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startDevServer, startTimeSkippingServer } from './helpers/temporal';
import { greetingWorkflow, sleepThirtyDays } from './fixtures/workflows/smoke';

const workflowsPath = require.resolve('./fixtures/workflows/smoke');

describe('Temporal dev server (Temporal CLI)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await startDevServer();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('runs a workflow that calls an activity', async () => {
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'smoke',
      workflowsPath,
      activities: { greet: async (name: string) => `hello, ${name}` },
    });
    const result = await worker.runUntil(
      env.client.workflow.execute(greetingWorkflow, { taskQueue: 'smoke', workflowId: 'smoke-greet', args: ['kim'] }),
    );
    expect(result).toBe('hello, kim');
    const description = await env.client.workflow.getHandle('smoke-greet').describe();
    expect(description.status.name).toBe('COMPLETED');
  });
});

describe('Temporal time-skipping test server', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await startTimeSkippingServer();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('sleeps 30 days of workflow time in a few seconds of wall time', async () => {
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'smoke',
      workflowsPath,
      activities: {},
    });
    const wallStart = Date.now();
    const slept = await worker.runUntil(
      env.client.workflow.execute(sleepThirtyDays, { taskQueue: 'smoke', workflowId: 'smoke-sleep' }),
    );
    expect(slept).toBeGreaterThanOrEqual(30 * 24 * 3600 * 1000);
    expect(Date.now() - wallStart).toBeLessThan(60_000);
  });
});
