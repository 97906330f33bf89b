import { bodyParser } from '@koa/bodyparser';
import type Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import { adminRoutes } from './admin-routes';
import type { SandboxCore } from './core';
import { customerRoutes } from './customer-routes';
import { dashboardRoutes } from './dashboard-routes';
import { respondError, SandboxHttpError } from './envelope';
import { faultMiddleware, type HangingRequests } from './fault-middleware';
import { onetimeRoutes } from './onetime-routes';
import { paymentRoutes } from './payment-routes';
import { routeRulesMiddleware, type RouteRules } from './route-rules';
import type { ScheduleRunner } from './scheduler';
import { scheduleRoutes } from './schedule-routes';
import { tokenRoutes } from './token-routes';

export interface AppOptions {
  admin: boolean;
  runner: ScheduleRunner;
  hangs: HangingRequests;
  rules: RouteRules;
}

/** The iamport V1 API surface, plus /__sandbox admin routes when enabled (those skip route rules and faults). */
export function createApp(core: SandboxCore, options: AppOptions): Koa {
  const app = new Koa();
  app.silent = true;
  app.use(accessLog(core));
  app.use(errorEnvelope(core));
  app.use(bodyParser({ enableTypes: ['json', 'form'] }));
  if (options.admin) mount(app, adminRoutes(core, options.runner, options.rules));
  if (options.admin) mount(app, dashboardRoutes(core, options.runner));
  app.use(skipAdmin(routeRulesMiddleware(core, options.rules, options.hangs)));
  app.use(skipAdmin(faultMiddleware(core, options.hangs)));
  for (const router of [tokenRoutes(core), customerRoutes(core), scheduleRoutes(core), paymentRoutes(core)]) {
    mount(app, router);
  }
  mount(app, onetimeRoutes(core));
  app.use((ctx) => respondError(ctx, 404, -1, `Not Found: ${ctx.method} ${ctx.path}`));
  return app;
}

function mount(app: Koa, router: Router): void {
  app.use(router.routes());
}

function skipAdmin(middleware: Middleware): Middleware {
  return (ctx, next) => (ctx.path.startsWith('/__sandbox/') ? next() : middleware(ctx, next));
}

/** Every failure becomes iamport's envelope; malformed input is a 400, never a 500. */
function errorEnvelope(core: SandboxCore): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (err instanceof SandboxHttpError) return respondError(ctx, err.status, err.code, err.message);
      const status = (err as { status?: unknown }).status;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        return respondError(ctx, status, -1, `잘못된 요청입니다. (${(err as Error).message})`);
      }
      core.logger.error('sandbox request failed', { method: ctx.method, path: ctx.path, err });
      respondError(ctx, 500, -1, 'Internal Server Error');
    }
  };
}

function accessLog(core: SandboxCore): Middleware {
  return async (ctx, next) => {
    const started = Date.now();
    await next();
    core.logger.debug('request', { method: ctx.method, path: ctx.path, status: ctx.status, ms: Date.now() - started });
  };
}
