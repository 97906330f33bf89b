import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger';
import type { AppMiddleware } from './context';

const INCOMING_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * One log line per request, with a request id (the caller's X-Request-Id when it is sane, else a new one) that is
 * echoed in the response and attached to every line logged while handling it. Bodies are never logged.
 */
export function requestLog(logger: Logger): AppMiddleware {
  return async (ctx, next) => {
    const incoming = ctx.get('x-request-id');
    const requestId = INCOMING_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.logger = logger.child({ request_id: requestId });
    ctx.set('X-Request-Id', requestId);
    const started = performance.now();
    try {
      await next();
    } finally {
      ctx.state.logger.info('request', {
        method: ctx.method,
        path: ctx.path.length > 200 ? `${ctx.path.slice(0, 200)}…` : ctx.path,
        status: ctx.status,
        duration_ms: Math.round(performance.now() - started),
      });
    }
  };
}
