/** What every page handler shares: the language, the frame around the content, the headers, the HTML errors. */
import type { Context } from 'koa';
import { BillingKeyError } from '../billing-key';
import { SubscriptionError } from '../client-errors';
import type { AppMiddleware } from '../server/context';
import { toHttpError } from '../server/error-responses';
import { MESSAGES, pickLang, type Lang, type Messages } from './i18n';
import { setPageHeaders } from './security-headers';
import { STYLESHEET_PATH } from './stylesheet';
import { renderPage, type TemplateName } from './templates';

export interface Page {
  lang: Lang;
  m: Messages;
  /** `path?lang=xx`: links and form actions keep the language */
  href(path: string, query?: Record<string, string>): string;
  render(template: TemplateName, title: string, view: object, status?: number, formActionOrigins?: string[]): void;
}

export function pageOf(ctx: Context): Page {
  const lang = pickLang(ctx);
  const m = MESSAGES[lang];
  const href = (path: string, query: Record<string, string> = {}) =>
    `${path}?${new URLSearchParams({ ...query, lang }).toString()}`;
  return {
    lang,
    m,
    href,
    render(template, title, view, status = 200, formActionOrigins = []) {
      setPageHeaders(ctx, { formActionOrigins });
      ctx.status = status;
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = renderPage(
        template,
        {
          m,
          title,
          stylesheet: STYLESHEET_PATH,
          otherLangHref: `${ctx.path}?lang=${m.otherLang.code}`,
        },
        view,
      );
    },
  };
}

/** A refusal shown to the customer as a page: status and the words for it. */
export class PageError extends Error {
  override name = 'PageError';
  constructor(
    readonly status: number,
    readonly text: (m: Messages) => string,
    readonly headers: Record<string, string> = {},
  ) {
    super(`page error ${status}`);
  }
}

export const sessionRefused = (reason: 'invalid' | 'expired' | 'used') =>
  reason === 'invalid'
    ? new PageError(404, (m) => m.sessionInvalid)
    : new PageError(410, (m) => (reason === 'expired' ? m.sessionExpired : m.sessionUsed));

/** Errors on page routes become pages, not JSON: what went wrong in the customer's words, never a stack or a value. */
export function htmlErrors(): AppMiddleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const page = pageOf(ctx);
      const refusal = toPageError(error);
      if (refusal.status >= 500) {
        const http = toHttpError(error);
        if (http.code === 'internal_error') {
          ctx.state.logger.error('page request failed', {
            err: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : {},
          });
        } else {
          ctx.state.logger.warn('a service this page needs is unavailable', { code: http.code });
        }
      }
      ctx.set(refusal.headers);
      page.render(
        'message',
        page.m.errorTitle,
        { heading: page.m.errorTitle, text: refusal.text(page.m) },
        refusal.status,
      );
    }
  };
}

function toPageError(error: unknown): PageError {
  if (error instanceof PageError) return error;
  if (error instanceof SubscriptionError && error.code === 'not_found') return sessionRefused('invalid');
  const http = toHttpError(error);
  if (http.status === 503 || error instanceof BillingKeyError) {
    return new PageError(http.status >= 500 ? 503 : http.status, (m) => m.unavailable, { 'Retry-After': '5' });
  }
  if (http.status >= 500) return new PageError(500, (m) => m.internal);
  return new PageError(http.status, (m) => m.refusedBecause(http.message));
}
