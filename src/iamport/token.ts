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

  async getToken(): Promise<string> {
    const cached = this.cached;
    if (cached && Date.now() < cached.refreshAt) return cached.accessToken;
    return (await this.refresh()).accessToken;
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
