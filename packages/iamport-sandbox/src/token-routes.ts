import Router from '@koa/router';
import { issueToken } from './auth';
import type { SandboxCore } from './core';
import { respond } from './envelope';
import { bodyObject } from './request-parsing';

export function tokenRoutes(core: SandboxCore): Router {
  const router = new Router();
  router.post('/users/getToken', (ctx) => {
    const body = bodyObject(ctx.request.body);
    respond(ctx, issueToken(core, body.imp_key, body.imp_secret));
  });
  return router;
}
