import Router from '@koa/router';
import { z } from 'zod';
import { requireToken } from './auth';
import type { SandboxCore } from './core';
import { customerFields } from './customer-fields';
import { issueBillingKey } from './customers';
import { notFound, respond } from './envelope';
import { bodyObject, parseRequest, pathParam } from './request-parsing';

const issueSchema = z.object(customerFields);

export function customerRoutes(core: SandboxCore): Router {
  const router = new Router();
  const auth = requireToken(core);

  router.post('/subscribe/customers/:customer_uid', auth, (ctx) => {
    const customerUid = pathParam(ctx.params.customer_uid, 'customer_uid', 80);
    const input = parseRequest(issueSchema, bodyObject(ctx.request.body));
    respond(ctx, issueBillingKey(core, customerUid, input));
  });

  router.get('/subscribe/customers/:customer_uid', auth, (ctx) => {
    const stored = core.state.customers.get(ctx.params.customer_uid);
    if (!stored) throw notFound(unknownCustomerMessage(ctx.params.customer_uid));
    respond(ctx, { ...stored.customer });
  });

  // iamport does not revoke the customer's schedules here: they fail when they run (see README).
  router.delete('/subscribe/customers/:customer_uid', auth, (ctx) => {
    const customerUid = ctx.params.customer_uid;
    const stored = core.state.customers.get(customerUid);
    if (!stored) throw notFound(unknownCustomerMessage(customerUid));
    core.state.customers.delete(customerUid);
    core.changed();
    core.logger.info('billing key deleted', { customer_uid: customerUid, reason: ctx.query.reason });
    respond(ctx, { ...stored.customer });
  });

  return router;
}

function unknownCustomerMessage(customerUid: string): string {
  return `요청하신 customer_uid(${customerUid})로 등록된 정보를 찾을 수 없습니다.`;
}
