import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { IamportClient } from './iamport';

export interface BillingWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue: string;
  iamport: IamportClient;
  /** PUBLIC_URL + /iamport-callback/schedule */
  noticeUrl?: string;
  channelKey?: string;
  /** a prebuilt workflow bundle (tests build it once); otherwise workflows/ is bundled at start */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** extra Worker options (e.g. shutdownGraceTime) */
  overrides?: Partial<WorkerOptions>;
}

export const WORKFLOWS_PATH = require.resolve('../workflows');

/** A worker that runs SubscriptionWorkflow and the iamport activities on one task queue. */
export async function createBillingWorker(options: BillingWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities({
      iamport: options.iamport,
      noticeUrl: options.noticeUrl,
      channelKey: options.channelKey,
    }),
    ...options.overrides,
  });
}
