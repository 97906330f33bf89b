/** The checks every form submit passes before it does anything: rate limits, one submit at a time, CSRF. */
import type { Context } from 'koa';
import { clientIp } from '../server/client-ip';
import type { Csrf } from './csrf';
import { PageError } from './page';
import { RateLimiter, type RateLimit } from './rate-limit';

export interface SubmitLimits {
  perSession: RateLimit;
  perAddress: RateLimit;
}

export const DEFAULT_SUBMIT_LIMITS: SubmitLimits = {
  perSession: { limit: 10, windowMs: 15 * 60_000 },
  perAddress: { limit: 30, windowMs: 15 * 60_000 },
};

export class SubmitGuard {
  private readonly bySession: RateLimiter;
  private readonly byAddress: RateLimiter;
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly csrf: Csrf,
    limits: SubmitLimits,
    private readonly trustProxy: boolean,
    now: () => number,
  ) {
    this.bySession = new RateLimiter(limits.perSession, now);
    this.byAddress = new RateLimiter(limits.perAddress, now);
  }

  /** Runs `submit` once the request passed every check; a second submit of the session meanwhile is refused. */
  async run<T>(ctx: Context, sessionId: string, submit: () => Promise<T>): Promise<T> {
    const address = clientIp(ctx.req, this.trustProxy);
    for (const check of [this.byAddress.take(`ip:${address}`), this.bySession.take(`session:${sessionId}`)]) {
      if (!check.allowed) {
        ctx.state.logger.warn('page submit rate-limited', { session_id: sessionId, ip: address });
        throw new PageError(429, (m) => m.tooMany(check.retryAfterS), { 'Retry-After': String(check.retryAfterS) });
      }
    }
    const body = (ctx.request as { body?: Record<string, unknown> }).body ?? {};
    if (!this.csrf.verify(ctx, sessionId, body.csrf)) throw new PageError(403, (m) => m.csrf);
    if (this.inFlight.has(sessionId)) {
      throw new PageError(429, (m) => m.tooMany(5), { 'Retry-After': '5' });
    }
    this.inFlight.add(sessionId);
    try {
      return await submit();
    } finally {
      this.inFlight.delete(sessionId);
    }
  }
}
