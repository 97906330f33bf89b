import Router from '@koa/router';
import { z } from 'zod';
import { requireToken } from './auth';
import type { SandboxCore } from './core';
import { customerFields } from './customer-fields';
import { issueBillingKey } from './customers';
import { businessError, notFound, respond } from './envelope';
import { bodyObject, parseRequest, pathParam } from './request-parsing';
import { unschedule } from './schedules';

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

  // By default, as iamport documents, the customer's schedules stay: they fail when they run (see README).
  router.delete('/subscribe/customers/:customer_uid', auth, (ctx) => {
    const customerUid = ctx.params.customer_uid;
    const stored = core.state.customers.get(customerUid);
    if (!stored) throw notFound(unknownCustomerMessage(customerUid));
    applyDeleteRule(core, customerUid);
    core.state.customers.delete(customerUid);
    core.changed();
    core.logger.info('billing key deleted', { customer_uid: customerUid, reason: ctx.query.reason });
    respond(ctx, { ...stored.customer });
  });

  return router;
}

/** The deleteWithSchedules option: what a DELETE does to the customer's pending schedules. */
function applyDeleteRule(core: SandboxCore, customerUid: string): void {
  const pending = [...core.state.schedules.values()].filter(
    (s) => s.result.customer_uid === customerUid && s.result.schedule_status === 'scheduled',
  );
  if (pending.length === 0 || core.config.deleteWithSchedules === 'keep') return;
  if (core.config.deleteWithSchedules === 'refuse') {
    throw businessError(
      `customer_uid(${customerUid})에 예약된 결제(${pending.length}건)가 있어 빌링키를 삭제할 수 없습니다. 예약을 먼저 취소해주세요.`,
    );
  }
  unschedule(core, customerUid);
}

function unknownCustomerMessage(customerUid: string): string {
  return `요청하신 customer_uid(${customerUid})로 등록된 정보를 찾을 수 없습니다.`;
}
