import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { Client } from '@temporalio/client';
import { createActivities } from '../activities';
import { endpointSwitch } from './events-endpoint';
import type { IamportClient } from './iamport';
import type { EncryptionKey } from './temporal/encryption-keys';
import { billingDataConverter } from './temporal/data-converter';

export interface BillingWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue: string;
  iamport: IamportClient;
  /** PUBLIC_URL + /iamport-callback/schedule */
  noticeUrl?: string;
  channelKey?: string;
  /** look payments up with include_sandbox=true (IAMPORT_INCLUDE_SANDBOX); default false */
  includeSandbox?: boolean;
  /** "charge now" is scheduled this far ahead (IAMPORT_SCHEDULE_LEAD); default 0 */
  scheduleLeadMs?: number;
  /** PAYLOAD_ENCRYPTION_KEYS: payloads are encrypted with the first, decrypted with any (src/temporal/codec.ts) */
  encryptionKeys?: readonly EncryptionKey[];
  /**
   * Subscriptions kept in memory between steps (WORKER_CACHED_WORKFLOWS). A subscription sleeps for a whole period
   * between charges, so caching every one would pin memory for nothing; one that falls out of the cache is replayed
   * from its current run's short history when it wakes.
   */
  cachedWorkflows?: number;
  /** a prebuilt workflow bundle (tests build it once); otherwise workflows/ is bundled at start */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** merchant events (EVENTS_URL, EVENTS_SECRET[, EVENTS_SECRET_PREVIOUS]); undefined = this worker sends none */
  events?: { url: string; secrets: string[] };
  /** extra Worker options (e.g. shutdownGraceTime) */
  overrides?: Partial<WorkerOptions>;
}

export const HEARTBEAT_THROTTLE = '1 second';

export const WORKFLOWS_PATH = require.resolve('../workflows');
/** Written by `npm run build` (src/bundle-workflows.ts) next to the compiled code. */
export const PREBUILT_WORKFLOW_BUNDLE = join(__dirname, '..', 'workflow-bundle.js');

/** The bundle `npm run build` made, unless it is missing or older than the workflows it was made from. */
function prebuiltBundle(): WorkerOptions['workflowBundle'] | undefined {
  if (!WORKFLOWS_PATH.endsWith('.js') || !existsSync(PREBUILT_WORKFLOW_BUNDLE)) return undefined;
  if (statSync(PREBUILT_WORKFLOW_BUNDLE).mtimeMs < statSync(WORKFLOWS_PATH).mtimeMs) return undefined;
  return { codePath: PREBUILT_WORKFLOW_BUNDLE };
}

/** A worker that runs SubscriptionWorkflow and the iamport activities on one task queue. */
export async function createBillingWorker(options: BillingWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue,
    // The codec runs in the worker's main thread, outside the workflow sandbox: the prebuilt bundle is unaffected.
    dataConverter: billingDataConverter(options.encryptionKeys),
    ...workflowCode(options.workflowBundle ?? prebuiltBundle()),
    activities: createActivities({
      iamport: options.iamport,
      noticeUrl: options.noticeUrl,
      channelKey: options.channelKey,
      includeSandbox: options.includeSandbox,
      scheduleLeadMs: options.scheduleLeadMs,
      events: options.events && {
        ...options.events,
        // 410 Gone disables the endpoint for every subscription: a singleton workflow holds the flag.
        endpoint: endpointSwitch(
          new Client({
            connection: options.connection,
            namespace: options.namespace ?? 'default',
            dataConverter: billingDataConverter(options.encryptionKeys),
          }),
          options.taskQueue,
        ),
      },
    }),
    // Cancellation reaches an activity only with a heartbeat's answer: send them often, so a command that interrupts
    // a registration stops its HTTP request within about a second (the SDK default waits up to 30 s).
    defaultHeartbeatThrottleInterval: HEARTBEAT_THROTTLE,
    maxHeartbeatThrottleInterval: HEARTBEAT_THROTTLE,
    ...(options.cachedWorkflows !== undefined ? { maxCachedWorkflows: options.cachedWorkflows } : {}),
    ...options.overrides,
  });
}

function workflowCode(bundle: WorkerOptions['workflowBundle'] | undefined): Partial<WorkerOptions> {
  return bundle ? { workflowBundle: bundle } : { workflowsPath: WORKFLOWS_PATH };
}
