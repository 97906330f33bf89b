/**
 * Hosted pages: checkout (card registration) and the customer portal, served by the HTTP server so a merchant
 * integrates by redirecting. Mounted by src/server/app.ts; see README, Hosted pages.
 */
import Router from '@koa/router';
import type { BillingKeyChannel } from '../billing-key';
import type { SubscriptionClient } from '../client';
import type { IamportClient } from '../iamport';
import { readBody } from '../server/body';
import type { AppMiddleware, RequestState } from '../server/context';
import { registerCheckoutRoutes } from './checkout-routes';
import { Csrf } from './csrf';
import { DEFAULT_SUBMIT_LIMITS, SubmitGuard, type SubmitLimits } from './guards';
import { htmlErrors } from './page';
import type { PagesContext } from './pages-context';
import { registerPortalRoutes } from './portal-routes';
import { TokenSealer } from './sealed-token';
import { registerSessionRoutes } from './session-routes';
import type { PagesSettings } from './settings';
import { STYLESHEET, STYLESHEET_PATH } from './stylesheet';

export { pagesSettings, PagesSettingsError, type PagesSettings } from './settings';
export { verifySuccessRedirect, successSignature } from './success-signature';

export interface PagesOptions {
  settings: PagesSettings;
  subscriptions: SubscriptionClient;
  iamport: IamportClient;
  channel: BillingKeyChannel;
  apiToken: string;
  auth: AppMiddleware;
  trustProxy: boolean;
  limits?: SubmitLimits;
  now?: () => number;
}

export function pagesRoutes(options: PagesOptions): Router<RequestState> {
  const now = options.now ?? Date.now;
  const router = new Router<RequestState>();
  const csrf = new Csrf(options.settings.secret);
  const context: PagesContext = {
    router,
    subscriptions: options.subscriptions,
    iamport: options.iamport,
    channel: options.channel,
    apiToken: options.apiToken,
    publicUrl: options.settings.publicUrl,
    sealer: new TokenSealer(options.settings.secret),
    csrf,
    guard: new SubmitGuard(csrf, options.limits ?? DEFAULT_SUBMIT_LIMITS, options.trustProxy, now),
    auth: options.auth,
    html: htmlErrors(),
    form: readBody('form'),
    now,
  };

  router.get(STYLESHEET_PATH, (ctx) => {
    ctx.type = 'text/css; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.body = STYLESHEET;
  });
  registerSessionRoutes(context);
  registerCheckoutRoutes(context);
  registerPortalRoutes(context);
  return router;
}

/** For the request log: a session token in a path is a credential, so only the route's name is logged. */
export function redactPagePath(path: string): string {
  const match = /^\/(checkout|portal)\/[^/]+(\/.*)?$/.exec(path);
  return match ? `/${match[1]}/[session]${match[2] ?? ''}` : path;
}
