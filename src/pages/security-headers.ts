import type { Context } from 'koa';

/**
 * Headers of every page: nothing but our own stylesheet may load (no scripts at all), forms post only to us (and,
 * for checkout, redirect to the merchant's success_url, which Chromium checks against form-action), no framing, no
 * Referer (the session token is in the URL), nothing cached (a page may show the buyer's details).
 */
export function setPageHeaders(ctx: Context, options: { formActionOrigins?: string[] } = {}): void {
  const formAction = ["'self'", ...(options.formActionOrigins ?? [])].join(' ');
  ctx.set({
    'Content-Security-Policy': [
      "default-src 'none'",
      "style-src 'self'",
      "img-src 'self'",
      `form-action ${formAction}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; '),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
    'Cache-Control': 'no-store',
    ...(ctx.secure ? { 'Strict-Transport-Security': 'max-age=31536000' } : {}),
  });
}
