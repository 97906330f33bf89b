import type { Context, Middleware } from 'koa';
import type { Logger } from '../logger';

/** What the request-log middleware puts on ctx.state for everything after it. */
export interface RequestState {
  requestId: string;
  logger: Logger;
}

export type AppContext = Context & { state: RequestState };
export type AppMiddleware = Middleware<RequestState>;
