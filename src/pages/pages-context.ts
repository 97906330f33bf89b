import type Router from '@koa/router';
import type { BillingKeyChannel } from '../billing-key';
import type { SubscriptionClient } from '../client';
import type { IamportClient } from '../iamport';
import type { AppMiddleware, RequestState } from '../server/context';
import type { Csrf } from './csrf';
import type { SubmitGuard } from './guards';
import type { TokenSealer } from './sealed-token';

/** What the page and session routes share. */
export interface PagesContext {
  router: Router<RequestState>;
  subscriptions: SubscriptionClient;
  iamport: IamportClient;
  channel: BillingKeyChannel;
  /** signs the redirect to success_url */
  apiToken: string;
  publicUrl?: string;
  sealer: TokenSealer;
  csrf: Csrf;
  guard: SubmitGuard;
  /** bearer-token authentication of the session-creating API */
  auth: AppMiddleware;
  /** renders errors as pages */
  html: AppMiddleware;
  /** reads an application/x-www-form-urlencoded body */
  form: AppMiddleware;
  now: () => number;
}
