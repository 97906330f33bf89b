import Router from '@koa/router';
import { z } from 'zod';
import { requireToken } from './auth';
import type { SandboxCore } from './core';
import { cardFields } from './customer-fields';
import { respond } from './envelope';
import { chargeOnetime } from './onetime';
import { bodyObject, numberish, optionalText, parseRequest, stringish } from './request-parsing';

const onetimeSchema = z.object({
  ...cardFields,
  merchant_uid: stringish.pipe(z.string().min(1).max(40)),
  amount: numberish.pipe(z.number().positive()),
  currency: optionalText(3),
  customer_uid: optionalText(80),
  pg: optionalText(),
  name: optionalText(40).transform((v) => v ?? null),
  buyer_name: optionalText(),
  buyer_email: optionalText(),
  buyer_tel: optionalText(),
  buyer_addr: optionalText(),
  buyer_postcode: optionalText(),
  custom_data: optionalText(),
  notice_url: optionalText().pipe(z.url().optional()),
});

/** POST /subscribe/payments/onetime (see onetime.ts). */
export function onetimeRoutes(core: SandboxCore): Router {
  const router = new Router();
  router.post('/subscribe/payments/onetime', requireToken(core), (ctx) => {
    respond(ctx, chargeOnetime(core, parseRequest(onetimeSchema, bodyObject(ctx.request.body))));
  });
  return router;
}
