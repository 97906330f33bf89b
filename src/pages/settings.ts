import { createHmac } from 'node:crypto';

export const DEFAULT_CHECKOUT_TTL_S = 30 * 60;
export const DEFAULT_PORTAL_TTL_S = 60 * 60;
export const MAX_SESSION_TTL_S = 24 * 60 * 60;
export const MIN_SESSION_TTL_S = 60;

export interface PagesSettings {
  /** seals the session tokens and the CSRF tokens (PAGES_SECRET, or derived from API_TOKEN) */
  secret: string;
  /** where the pages are served: PUBLIC_URL; else the request's own origin */
  publicUrl?: string;
}

export class PagesSettingsError extends Error {
  override name = 'PagesSettingsError';
}

/**
 * PAGES_SECRET (at least 32 characters) seals the sessions; every replica must have the same one. Without it, a
 * secret is derived from API_TOKEN (HMAC-SHA256), so a deployment works with no new variable; rotating API_TOKEN
 * then ends the open sessions, which live at most a day.
 */
export function pagesSettings(env: NodeJS.ProcessEnv, apiToken: string, publicUrl?: string): PagesSettings {
  const explicit = env.PAGES_SECRET;
  if (explicit !== undefined && explicit.length < 32) {
    throw new PagesSettingsError('PAGES_SECRET must be at least 32 characters (e.g. `openssl rand -hex 32`)');
  }
  const secret = explicit ?? createHmac('sha256', apiToken).update('hosted-pages secret').digest('hex');
  return { secret, publicUrl };
}
