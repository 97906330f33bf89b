import Router from '@koa/router';
import type { RequestState } from './context';
import { HttpError } from './errors';

/**
 * Probes, without authentication (they reveal nothing): /healthz answers while the process runs, /readyz only
 * while Temporal is reachable.
 */
export function healthRoutes(temporalReachable: () => Promise<boolean>): Router<RequestState> {
  const router = new Router<RequestState>();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    if (!(await temporalReachable())) {
      throw new HttpError(503, 'temporal_unavailable', 'Temporal is not reachable', undefined, { 'Retry-After': '5' });
    }
    ctx.body = { status: 'ready' };
  });
  return router;
}
