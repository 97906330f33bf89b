import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger';
import type { AppMiddleware } from './context';

const INCOMING_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * One log line per request, with a request id (the caller's X-Request-Id when it is sane, else a new one) that is
 * echoed in the response and attached to every line logged while handling it. Bodies are never logged;
 * `redactPath` hides what a path may carry (a hosted page's session token).
 */
export function requestLog(logger: Logger, redactPath: (path: string) => string = (path) => path): AppMiddleware {
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
        path: shorten(redactPath(ctx.path)),
        status: ctx.status,
        duration_ms: Math.round(performance.now() - started),
      });
    }
  };
}

function shorten(path: string): string {
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}
