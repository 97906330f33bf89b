import { executeCharge } from './charges';
import type { SandboxCore } from './core';
import type { WebhookJob } from './webhooks';

/**
 * Executes schedules whose time has come on the sandbox clock, like iamport's scheduler: charge, mark the
 * schedule executed, then notify. Execution is synchronous, so a schedule can never run twice.
 */
export class ScheduleRunner {
  private ticker: NodeJS.Timeout | undefined;

  constructor(private readonly core: SandboxCore) {}

  /** Runs every due schedule now and starts (does not await) their webhook batch. Returns how many ran. */
  executeDue(): number {
    const { state, clock, config } = this.core;
    const nowMs = clock.now();
    const due = [...state.schedules.values()]
      .filter((s) => s.result.schedule_status === 'scheduled' && s.result.schedule_at * 1000 <= nowMs)
      .sort((a, b) => a.result.schedule_at - b.result.schedule_at);
    const webhooks: WebhookJob[] = [];
    for (const stored of due) {
      const schedule = stored.result;
      const { payment } = executeCharge(this.core, {
        source: 'schedule',
        customer_uid: schedule.customer_uid,
        merchant_uid: schedule.merchant_uid,
        amount: schedule.amount,
        currency: schedule.currency ?? 'KRW',
        name: schedule.name,
        buyer_name: schedule.buyer_name,
        buyer_email: schedule.buyer_email,
        buyer_tel: schedule.buyer_tel,
        custom_data: schedule.custom_data,
        notice_url: stored.notice_url,
      });
      schedule.schedule_status = 'executed';
      schedule.imp_uid = payment.imp_uid;
      schedule.executed_at = clock.nowSeconds();
      schedule.payment_status = payment.status === 'paid' ? 'paid' : 'failed';
      schedule.fail_reason = payment.fail_reason ?? null;
      const url = stored.notice_url ?? config.defaultNoticeUrl;
      if (url) {
        webhooks.push({
          url,
          body: { imp_uid: payment.imp_uid, merchant_uid: payment.merchant_uid, status: payment.status },
        });
      }
    }
    if (due.length > 0) this.core.changed();
    this.core.webhooks.send(webhooks);
    return due.length;
  }

  /** Executes due schedules; resolves once every webhook delivery started so far has been attempted. */
  async runDue(): Promise<void> {
    this.executeDue();
    await this.core.webhooks.settled();
  }

  /** Earliest pending schedule time, unix ms. */
  nextScheduledAt(): number | undefined {
    let earliest: number | undefined;
    for (const { result } of this.core.state.schedules.values()) {
      if (result.schedule_status !== 'scheduled') continue;
      if (earliest === undefined || result.schedule_at < earliest) earliest = result.schedule_at;
    }
    return earliest === undefined ? undefined : earliest * 1000;
  }

  /** Checks for due schedules every tickMs of real time; 0 disables the ticker. */
  start(tickMs: number): void {
    if (tickMs <= 0) return;
    this.ticker = setInterval(() => this.tick(), tickMs);
    this.ticker.unref();
  }

  stop(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
  }

  tick(): void {
    try {
      this.executeDue();
    } catch (err) {
      this.core.logger.error('executing due schedules failed', { err });
    }
  }
}
