import { readFileSync } from 'node:fs';
import type { SandboxFaultsPatch } from 'iamport-sandbox';
import type { SandboxLedger } from 'iamport-sandbox';
import { call } from './http';

/** The sandbox's admin routes (never subject to faults). */
export class SandboxAdmin {
  constructor(private readonly baseUrl: string) {}

  async setFaults(patch: SandboxFaultsPatch): Promise<void> {
    const answer = await call(`${this.baseUrl}/__sandbox/faults`, { method: 'POST', body: patch, timeoutMs: 10_000 });
    if (answer.status !== 200) throw new Error(`setting sandbox faults failed: HTTP ${answer.status}`);
  }

  async ledger(): Promise<SandboxLedger> {
    const answer = await call(`${this.baseUrl}/__sandbox/ledger`, { timeoutMs: 30_000 });
    if (answer.status !== 200) throw new Error(`reading the sandbox ledger failed: HTTP ${answer.status}`);
    return answer.body as SandboxLedger;
  }

  /** The sandbox's "now" (real time unless a test moved it), the clock every ledger time is on. */
  async now(): Promise<number> {
    const answer = await call(`${this.baseUrl}/__sandbox/clock`, { timeoutMs: 10_000 });
    if (answer.status !== 200) throw new Error(`reading the sandbox clock failed: HTTP ${answer.status}`);
    return (answer.body as { now_ms: number }).now_ms;
  }
}

/**
 * When the sandbox registered each schedule, by merchant_uid, read from its log: the ledger records charges, not
 * registrations, and only the registration time tells a charge begun before a cancel from one begun after it.
 */
export function scheduleRegistrations(sandboxLogFile: string): Map<string, number> {
  const registered = new Map<string, number>();
  for (const line of readFileSync(sandboxLogFile, 'utf8').split('\n')) {
    if (!line.includes('"schedules registered"')) continue;
    const entry = JSON.parse(line) as { time: string; merchant_uids: string[] };
    for (const merchantUid of entry.merchant_uids) registered.set(merchantUid, Date.parse(entry.time));
  }
  return registered;
}

/** How many requests the sandbox answered with an injected 5xx or hang, counted from its log. */
export function injectedFailures(sandboxLogFile: string): { before: number; after: number; hangs: number } {
  const counts = { before: 0, after: 0, hangs: 0 };
  for (const line of readFileSync(sandboxLogFile, 'utf8').split('\n')) {
    if (!line.includes('fault: ')) continue;
    const msg = (JSON.parse(line) as { msg?: string }).msg;
    if (msg === 'fault: 500 before handling') counts.before += 1;
    else if (msg === 'fault: 500 after handling') counts.after += 1;
    else if (msg === 'fault: request hangs') counts.hangs += 1;
  }
  return counts;
}
