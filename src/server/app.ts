import Router from '@koa/router';
import Koa from 'koa';
import type { BillingKeyChannel } from '../billing-key';
import type { SubscriptionClient } from '../client';
import type { IamportClient } from '../iamport';
import type { Logger } from '../logger';
import { pagesRoutes, pagesSettings, redactPagePath, type PagesSettings } from '../pages';
import { requireBearerToken } from './auth';
import type { RequestState } from './context';
import { errorResponses } from './error-responses';
import { HttpError, notFound } from './errors';
import { eventRoutes } from './events';
import { healthRoutes } from './health';
import { requestLog } from './request-log';
import { subscriptionRoutes } from './subscriptions';
import { webhookRoutes } from './webhook';

export interface AppDependencies {
  subscriptions: SubscriptionClient;
  iamport: IamportClient;
  /** the bearer token of the subscription API */
  apiToken: string;
  /** accepted beside apiToken while a rotation is under way */
  previousApiToken?: string;
  /** the channel billing keys are issued on (IAMPORT_CHANNEL_KEY / IAMPORT_PG) */
  channel: BillingKeyChannel;
  /** webhook source addresses; undefined = anyone */
  webhookAllowedIps?: string[];
  trustProxy: boolean;
  logger: Logger;
  /** the hosted pages' secret and public URL; default: a secret derived from apiToken (src/pages/settings.ts) */
  pages?: PagesSettings;
  now?: () => number;
}

/** The HTTP server: iamport's webhook, the subscription API and the probes. */
export function createApp(deps: AppDependencies): Koa<RequestState> {
  const app = new Koa<RequestState>();
  // Every error is answered (and, when it is a bug, logged) by errorResponses; Koa's own printing would duplicate it.
  app.silent = true;

  const root = new Router<RequestState>();
  const auth = requireBearerToken(deps.apiToken, deps.previousApiToken);
  root.use(healthRoutes(() => deps.subscriptions.isTemporalReachable()).routes());
  root.use(
    webhookRoutes({
      subscriptions: deps.subscriptions,
      allowedIps: deps.webhookAllowedIps,
      trustProxy: deps.trustProxy,
    }).routes(),
  );
  root.use(
    subscriptionRoutes({
      auth,
      subscriptions: deps.subscriptions,
      iamport: deps.iamport,
      channel: deps.channel,
      now: deps.now,
    }).routes(),
  );
  root.use(eventRoutes({ auth, subscriptions: deps.subscriptions }).routes());
  // The hosted checkout and portal pages (src/pages), and the routes that create their sessions.
  root.use(
    pagesRoutes({
      settings: deps.pages ?? pagesSettings({}, deps.apiToken),
      auth,
      subscriptions: deps.subscriptions,
      iamport: deps.iamport,
      channel: deps.channel,
      apiToken: deps.apiToken,
      trustProxy: deps.trustProxy,
      now: deps.now,
    }).routes(),
  );

  app.use(requestLog(deps.logger, redactPagePath));
  app.use(errorResponses());
  app.use(root.routes());
  app.use(async (ctx, next) => {
    await next();
    // The router's answer to a known path with another method (it has set the Allow header).
    if (ctx.status === 405 || ctx.status === 501) {
      ctx.status = 405;
      ctx.body = new HttpError(405, 'method_not_allowed', 'this method is not allowed here').toBody();
    }
  });
  app.use(root.allowedMethods());
  app.use((ctx) => {
    ctx.status = 404;
    ctx.body = notFound('no such route').toBody();
  });
  return app;
}
