/**
 * Fixed-window submit counters per key (a session id, an address). In memory, per replica: with N replicas an
 * address gets up to N times the limit. Good enough against a script trying cards; a shared limiter (a proxy's, or
 * a store) is the place for more.
 */
export interface RateLimit {
  /** submits allowed per window */
  limit: number;
  windowMs: number;
}

export class RateLimiter {
  private readonly windows = new Map<string, { startMs: number; count: number }>();

  constructor(
    private readonly rule: RateLimit,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 100_000,
  ) {}

  /** Counts one attempt; false (and no count) when the key has used up its window. */
  take(key: string): { allowed: boolean; retryAfterS: number } {
    const nowMs = this.now();
    let window = this.windows.get(key);
    if (!window || nowMs - window.startMs >= this.rule.windowMs) {
      if (!window && this.windows.size >= this.maxKeys) this.sweep(nowMs);
      window = { startMs: nowMs, count: 0 };
      this.windows.set(key, window);
    }
    const retryAfterS = Math.max(1, Math.ceil((window.startMs + this.rule.windowMs - nowMs) / 1000));
    if (window.count >= this.rule.limit) return { allowed: false, retryAfterS };
    window.count += 1;
    return { allowed: true, retryAfterS };
  }

  private sweep(nowMs: number): void {
    for (const [key, window] of this.windows) {
      if (nowMs - window.startMs >= this.rule.windowMs) this.windows.delete(key);
    }
    // Still full (an attack from many keys): forget the oldest rather than grow without bound.
    for (const key of this.windows.keys()) {
      if (this.windows.size < this.maxKeys) break;
      this.windows.delete(key);
    }
  }
}
