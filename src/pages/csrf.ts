/**
 * CSRF: a double-submit token bound to the session. The browser gets a random nonce in an HttpOnly, SameSite=Strict
 * cookie; each form carries HMAC(secret, session id + nonce). A forged form from another site has neither the cookie
 * (SameSite) nor a token matching it, and a token copied from one session does not fit another.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';

export const CSRF_COOKIE = 'pages_csrf';
const NONCE = /^[A-Za-z0-9_-]{22,64}$/;

export class Csrf {
  constructor(private readonly secret: string) {}

  /** The token for the forms of this page; sets the cookie when the browser has none. */
  tokenFor(ctx: Context, sessionId: string): string {
    let nonce = ctx.cookies.get(CSRF_COOKIE);
    if (!nonce || !NONCE.test(nonce)) {
      nonce = randomBytes(18).toString('base64url');
      ctx.cookies.set(CSRF_COOKIE, nonce, {
        httpOnly: true,
        sameSite: 'strict',
        secure: ctx.secure,
        path: '/',
        overwrite: true,
      });
    }
    return this.sign(sessionId, nonce);
  }

  verify(ctx: Context, sessionId: string, submitted: unknown): boolean {
    const nonce = ctx.cookies.get(CSRF_COOKIE);
    if (!nonce || !NONCE.test(nonce) || typeof submitted !== 'string') return false;
    const expected = Buffer.from(this.sign(sessionId, nonce));
    const offered = Buffer.from(submitted);
    return offered.length === expected.length && timingSafeEqual(offered, expected);
  }

  private sign(sessionId: string, nonce: string): string {
    return createHmac('sha256', this.secret).update(`csrf.${sessionId}.${nonce}`).digest('base64url');
  }
}
