import type { AuthToken } from './types';

export const DEFAULT_REFRESH_MARGIN_MS = 60_000;

interface CachedToken {
  accessToken: string;
  /** When to fetch a new one, local clock, ms. */
  refreshAt: number;
}

/**
 * Caches iamport's access token, refreshes it before it expires, and lets concurrent callers share one getToken.
 * Expiry is computed from the server's own `now`, so a skewed local clock does not matter.
 */
export class TokenManager {
  private cached?: CachedToken;
  private inFlight?: Promise<CachedToken>;

  constructor(
    private readonly fetchToken: () => Promise<AuthToken>,
    private readonly refreshMarginMs = DEFAULT_REFRESH_MARGIN_MS,
  ) {}

  /**
   * `signal` ends this caller's wait only: the shared fetch goes on for the others (it is bounded by its own timeout),
   * and the abort reaches the caller as `onAbort()`'s error.
   */
  async getToken(signal?: AbortSignal, onAbort?: () => Error): Promise<string> {
    const cached = this.cached;
    if (cached && Date.now() < cached.refreshAt) return cached.accessToken;
    return (await untilAborted(this.refresh(), signal, onAbort)).accessToken;
  }

  /** Forget the token a request was rejected with; a no-op if a newer one has replaced it meanwhile. */
  invalidate(accessToken: string): void {
    if (this.cached?.accessToken === accessToken) this.cached = undefined;
  }

  private refresh(): Promise<CachedToken> {
    this.inFlight ??= this.fetchToken()
      .then((token) => {
        this.cached = toCached(token, this.refreshMarginMs);
        return this.cached;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}

function toCached(token: AuthToken, refreshMarginMs: number): CachedToken {
  const receivedAt = Date.now();
  const lifetimeMs = Math.max(0, (token.expired_at - token.now) * 1000);
  // Short-lived tokens (test servers) would otherwise be refreshed on every call.
  const margin = Math.min(refreshMarginMs, lifetimeMs / 2);
  return {
    accessToken: token.access_token,
    refreshAt: receivedAt + lifetimeMs - margin,
  };
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined, onAbort?: () => Error): Promise<T> {
  if (!signal) return promise;
  const abortError = () => onAbort?.() ?? new Error('aborted');
  if (signal.aborted) return Promise.reject(abortError());
  return new Promise<T>((resolve, reject) => {
    const aborted = () => reject(abortError());
    signal.addEventListener('abort', aborted, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', aborted));
  });
}
