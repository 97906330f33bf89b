import type { Logger } from '../../../src/logger';
import type { AdjustableClock } from './clock';
import type { FaultSettings } from './faults';
import type { SandboxState } from './state';
import type { WebhookDispatcher } from './webhooks';

export interface SandboxConfig {
  apiKey: string;
  apiSecret: string;
  tokenLifetimeSec: number;
  defaultNoticeUrl: string | null;
  pgProvider: string;
  pgId: string;
  /** like iamport: GET /payments/{imp_uid} answers 404 for sandbox payments unless include_sandbox=true */
  hideSandboxPayments: boolean;
  /** a schedule_at before the sandbox's now: 'run' at the next tick (default) or 'refuse' with HTTP 400 */
  pastScheduleAt: PastScheduleAt;
  /** DELETE of a billing key with pending schedules: 'keep' them (default; they fail when run), 'refuse', 'revoke' */
  deleteWithSchedules: DeleteWithSchedules;
}

export type PastScheduleAt = 'run' | 'refuse';
export type DeleteWithSchedules = 'keep' | 'refuse' | 'revoke';

/** Everything the route handlers and the schedule runner share. */
export interface SandboxCore {
  config: SandboxConfig;
  state: SandboxState;
  clock: AdjustableClock;
  faults: FaultSettings;
  webhooks: WebhookDispatcher;
  logger: Logger;
  random: () => number;
  /** call after every state mutation (persists when a file is configured) */
  changed(): void;
}

export function nextSeq(core: SandboxCore): number {
  core.state.seq += 1;
  return core.state.seq;
}
