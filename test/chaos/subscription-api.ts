import type { SubscriptionView } from '../../workflows/view';
import { call, errorText, isTransient, retryTransient, sleep, type Answer } from './http';
import { signupBody, type PlannedSubscription } from './population';

export interface SignupResult {
  id: string;
  attempts: number;
  /** set when the subscription could not be signed up */
  error?: string;
}

export interface CancelRecord {
  id: string;
  at_period_end: boolean;
  requested_at_ms: number;
  /** when the API answered with the cancel applied, or a lookup after a lost answer showed it applied */
  confirmed_at_ms: number;
  attempts: number;
  /** when the workflow accepted the first cancel update (from its history; filled in after the cancel rounds) */
  accepted_at_ms?: number;
  /** the state that showed the cancel (the update's answer, or the lookup's) */
  confirmed?: SubscriptionView;
  error?: string;
}

/** The subscription API of the stack's HTTP server, as the merchant's backend uses it, repeating what may be repeated. */
export class SubscriptionApi {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  private send(method: string, path: string, body?: unknown, idempotencyKey?: string): Promise<Answer> {
    return call(`${this.baseUrl}${path}`, { method, token: this.token, body, idempotencyKey });
  }

  /** Repeats after a lost answer with the same Idempotency-Key: the repeat gets the first attempt's answer. */
  async signUp(planned: PlannedSubscription): Promise<SignupResult> {
    const key = `signup-${planned.id}`;
    const { answer, attempts } = await retryTransient(() =>
      this.send('POST', '/subscriptions', signupBody(planned), key),
    );
    if (answer.status === 201) return { id: planned.id, attempts };
    return { id: planned.id, attempts, error: errorText(answer) };
  }

  /**
   * Cancels the way the API asks a client to: an answer that did not come (503: "the request may still take effect")
   * is repeated with the same Idempotency-Key, which attaches to the same update and answers what it saved.
   */
  async cancel(id: string, atPeriodEnd: boolean, refund?: 'full'): Promise<CancelRecord> {
    let key = `cancel-${id}-${atPeriodEnd ? 'period-end' : 'now'}`;
    const body = { at_period_end: atPeriodEnd, ...(refund ? { refund } : {}) };
    const requestedAt = Date.now();
    const deadline = requestedAt + 240_000;
    let attempts = 0;
    let answer: Answer = { status: 0, body: undefined };
    const confirmed = (state: SubscriptionView): CancelRecord => ({
      id,
      at_period_end: atPeriodEnd,
      requested_at_ms: requestedAt,
      confirmed_at_ms: Date.now(),
      attempts,
      confirmed: state,
    });
    while (attempts < 8 && Date.now() < deadline) {
      attempts += 1;
      answer = await this.send('POST', `/subscriptions/${id}/cancel`, body, key);
      if (answer.status === 200) return confirmed(answer.body as SubscriptionView);
      if (refund && isBusyCharging(answer)) {
        // A cancel with a refund while iamport runs the pending charge is refused ("try the refund again"): that
        // answer is saved under its key, so the repeat is a new request.
        key = `${key}-again${attempts}`;
        await sleep(5_000);
        continue;
      }
      if (!isTransient(answer)) break;
      await sleep(3_000);
    }
    return {
      id,
      at_period_end: atPeriodEnd,
      requested_at_ms: requestedAt,
      confirmed_at_ms: Date.now(),
      attempts,
      error: errorText(answer),
    };
  }

  /** Sends again every event of the subscription still pending (what an operator does after an outage). */
  async redeliverPending(id: string): Promise<number> {
    const { answer } = await retryTransient(() => this.send('GET', `/events?subscription_id=${id}&status=pending`), {
      tries: 3,
      withinMs: 20_000,
    });
    if (answer.status !== 200) return 0;
    const pending = (answer.body as { events: { id: string }[] }).events;
    for (const event of pending) await this.send('POST', `/events/${event.id}/redeliver`);
    return pending.length;
  }

  async state(id: string): Promise<SubscriptionView | undefined> {
    const { answer } = await retryTransient(() => this.send('GET', `/subscriptions/${id}`), {
      tries: 5,
      withinMs: 60_000,
    });
    return answer.status === 200 ? (answer.body as SubscriptionView) : undefined;
  }

  /**
   * Asks for a refund, repeating a lost answer with the same Idempotency-Key; the final answer's status (200
   * refunded, 409 nothing left to refund or iamport busy with a charge, …).
   */
  async refund(id: string, body: { amount?: number; reason: string }, key: string): Promise<RefundAnswer> {
    const { answer, attempts } = await retryTransient(() =>
      this.send('POST', `/subscriptions/${id}/refunds`, body, key),
    );
    return { id, key, reason: body.reason, status: answer.status, attempts };
  }
}

/** The 409 of a refund asked for while iamport executes the pending charge. */
function isBusyCharging(answer: Answer): boolean {
  const message = (answer.body as { error?: { message?: string } } | undefined)?.error?.message ?? '';
  return answer.status === 409 && message.includes('try the refund again');
}

export interface RefundAnswer {
  id: string;
  key: string;
  reason: string;
  status: number;
  attempts: number;
}
