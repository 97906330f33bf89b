import type { Context, Middleware } from 'koa';
import type { Logger } from '../logger';

/** What the request-log middleware puts on ctx.state for everything after it. */
export interface RequestState {
  requestId: string;
  logger: Logger;
  /** the request's Idempotency-Key header, once idempotencyKey() has checked it */
  idempotencyKey?: string;
}

export type AppContext = Context & { state: RequestState };
export type AppMiddleware = Middleware<RequestState>;
