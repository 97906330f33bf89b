import type { Logger } from '../../../src/logger';
import type { SandboxClock } from './clock';
import type { DeleteWithSchedules, PastScheduleAt } from './core';
import type { SandboxFaults, SandboxFaultsPatch } from './faults';
import type { SandboxLedger } from './ledger';
import type { SandboxRule, SandboxRuleInput } from './route-rules';

export interface SandboxOptions {
  /** 0 (default) = a free port */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  apiKey: string;
  apiSecret: string;
  /** default 1800 (iamport: 30 minutes) */
  tokenLifetimeSec?: number;
  /** where webhooks go when a schedule or charge has no notice_url (iamport's console setting); none = no webhook */
  defaultNoticeUrl?: string;
  /** startAt: unix ms the sandbox clock starts at (default: real time); frozen: start frozen */
  clock?: { startAt?: number; frozen?: boolean };
  /** real-time interval of the due-schedule check; default 250, 0 = only on clock jumps and runDue() */
  tickMs?: number;
  faults?: SandboxFaultsPatch;
  /** per-route answer and latency rules to start with (route-rules.ts) */
  rules?: SandboxRuleInput[];
  /** mount /__sandbox admin routes; default false */
  admin?: boolean;
  /** JSON file to load at start and save after every change */
  persistPath?: string;
  logger?: Logger;
  /** default 'nice' / 'nictest04m' (NICE's billing test MID) */
  pgProvider?: string;
  pgId?: string;
  /** answer 404 for payments unless ?include_sandbox=true, as iamport does for test-channel payments; default false */
  hideSandboxPayments?: boolean;
  /**
   * POST /subscribe/payments/schedule with a schedule_at before the sandbox's now: 'run' (default) registers it and
   * runs it at the next tick; 'refuse' answers HTTP 400 and registers nothing.
   */
  pastScheduleAt?: PastScheduleAt;
  /**
   * DELETE /subscribe/customers/{uid} while the customer has pending schedules: 'keep' (default) deletes the key and
   * leaves the schedules, which fail when they run; 'refuse' answers code 1 and deletes nothing; 'revoke' revokes them.
   */
  deleteWithSchedules?: DeleteWithSchedules;
  /** timeout of one webhook delivery; default 10000 */
  webhookTimeoutMs?: number;
  /** source of fault decisions, for reproducible runs; default Math.random */
  random?: () => number;
}

export interface SandboxHandle {
  /** e.g. http://127.0.0.1:54321 (no trailing slash) */
  url: string;
  port: number;
  clock: SandboxClock;
  faults: { get(): SandboxFaults; set(patch: SandboxFaultsPatch): SandboxFaults };
  /** per-route answers and latency; add() validates and throws a ZodError on bad input */
  rules: {
    add(rule: SandboxRuleInput): SandboxRule;
    list(): SandboxRule[];
    remove(id: string): boolean;
    clear(): void;
  };
  /** a deep copy of everything charged, refunded and notified so far */
  ledger(): SandboxLedger;
  /** executes due schedules; resolves once their webhook deliveries (delayed, duplicated…) have been attempted */
  runDue(): Promise<void>;
  /** resolves when no webhook delivery is in flight */
  webhooksIdle(): Promise<void>;
  /** earliest pending schedule time, unix ms */
  nextScheduledAt(): number | undefined;
  close(): Promise<void>;
}
