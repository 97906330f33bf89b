import axios from 'axios';
import type { WebhookNotification } from '../../../src/iamport/types';
import type { Logger } from '../../../src/logger';
import type { SandboxClock } from './clock';
import type { FaultSettings } from './faults';
import type { LedgerWebhook, SandboxLedger, WebhookForgery } from './ledger';

export interface WebhookJob {
  url: string;
  body: WebhookNotification;
}

interface Delivery extends WebhookJob {
  kind: 'sent' | 'duplicated' | 'forged';
  forgery?: WebhookForgery;
}

export interface WebhookDispatcherDeps {
  clock: SandboxClock;
  faults: FaultSettings;
  ledger: () => SandboxLedger;
  changed: () => void;
  logger: Logger;
  random: () => number;
  timeoutMs: number;
  /** a merchant_uid of some other payment, for forged notifications */
  otherMerchantUid: (exclude: string) => string | undefined;
  /** an imp_uid no payment has */
  unknownImpUid: () => string;
}

/**
 * Delivers iamport-style notifications (JSON POST, sent once, no retries: iamport's default) with the webhook
 * faults applied per batch. Tracks every delivery in flight so callers can wait for them.
 */
export class WebhookDispatcher {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();

  constructor(private readonly deps: WebhookDispatcherDeps) {}

  /** One batch: the notifications of one clock tick or one API call. */
  send(jobs: WebhookJob[]): void {
    if (jobs.length === 0 || this.abort.signal.aborted) return;
    const deliveries = this.plan(jobs);
    if (deliveries.length === 0) return;
    const run = this.deliverAll(deliveries).finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
  }

  /** Resolves when the deliveries already started have been attempted. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  /** Resolves when no delivery is in flight, including ones started while waiting. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await this.settled();
  }

  /** Cancels delays and requests in flight; later sends are ignored. */
  close(): void {
    this.abort.abort();
  }

  private plan(jobs: WebhookJob[]): Delivery[] {
    const faults = this.deps.faults.get();
    const deliveries: Delivery[] = [];
    for (const job of jobs) {
      if (this.deps.random() < faults.webhookDropRate) {
        this.record({ ...job, kind: 'dropped' }, null);
      } else {
        for (let copy = 0; copy < faults.webhookCopies; copy++) {
          deliveries.push({ ...job, kind: copy === 0 ? 'sent' : 'duplicated' });
        }
      }
      if (this.deps.random() < faults.webhookForgeRate) deliveries.push(this.forge(job));
    }
    return faults.webhookReorder ? shuffle(deliveries, this.deps.random) : deliveries;
  }

  private forge(job: WebhookJob): Delivery {
    const variants: WebhookForgery[] = ['status', 'imp_uid', 'merchant_uid'];
    const forgery = variants[Math.floor(this.deps.random() * variants.length)];
    const otherMerchantUid = this.deps.otherMerchantUid(job.body.merchant_uid);
    const body: WebhookNotification = { ...job.body };
    if (forgery === 'imp_uid') {
      body.imp_uid = this.deps.unknownImpUid();
    } else if (forgery === 'merchant_uid' && otherMerchantUid) {
      body.merchant_uid = otherMerchantUid;
    } else {
      body.status = job.body.status === 'paid' ? 'failed' : 'paid';
      return { url: job.url, body, kind: 'forged', forgery: 'status' };
    }
    return { url: job.url, body, kind: 'forged', forgery };
  }

  private async deliverAll(deliveries: Delivery[]): Promise<void> {
    const { webhookDelayMs } = this.deps.faults.get();
    if (webhookDelayMs > 0) await abortableSleep(webhookDelayMs, this.abort.signal);
    for (const delivery of deliveries) {
      if (this.abort.signal.aborted) return;
      await this.deliver(delivery);
    }
  }

  private async deliver(delivery: Delivery): Promise<void> {
    try {
      const res = await axios.post(delivery.url, delivery.body, {
        timeout: this.deps.timeoutMs,
        signal: this.abort.signal,
        validateStatus: () => true,
        // the receiver is the merchant's server, reached directly like iamport does
        proxy: false,
        headers: { 'content-type': 'application/json' },
      });
      this.record(delivery, res.status);
    } catch (err) {
      this.record(delivery, null, (err as Error).message);
    }
  }

  private record(delivery: Omit<LedgerWebhook, 'at_ms' | 'http_status'>, httpStatus: number | null, error?: string) {
    const entry: LedgerWebhook = {
      at_ms: this.deps.clock.now(),
      url: delivery.url,
      body: delivery.body,
      kind: delivery.kind,
      ...(delivery.forgery ? { forgery: delivery.forgery } : {}),
      http_status: httpStatus,
      ...(error ? { error } : {}),
    };
    this.deps.ledger().webhooks.push(entry);
    this.deps.changed();
    this.deps.logger.info('webhook', {
      url: entry.url,
      kind: entry.kind,
      forgery: entry.forgery,
      merchant_uid: entry.body.merchant_uid,
      imp_uid: entry.body.imp_uid,
      status: entry.body.status,
      http_status: entry.http_status,
      error: entry.error,
    });
  }
}

function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
