import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { requireToken } from './auth';
import type { SandboxCore } from './core';
import { cardFields } from './customer-fields';
import { issueBillingKey } from './customers';
import { businessError, notFound, respond } from './envelope';
import {
  arrayFromForm,
  bodyObject,
  integerish,
  numberish,
  optionalText,
  parseRequest,
  stringish,
} from './request-parsing';
import {
  assertMerchantUidsFree,
  assertSchedulesInFuture,
  listSchedules,
  NO_CUSTOMER_MESSAGE,
  registerSchedules,
  unschedule,
  type ScheduleQuery,
} from './schedules';

const scheduleItem = z.object({
  merchant_uid: stringish.pipe(z.string().min(1).max(40)),
  schedule_at: integerish.pipe(z.number().min(0)),
  amount: numberish.pipe(z.number().positive()),
  currency: optionalText(3),
  name: optionalText(40),
  tax_free: numberish.pipe(z.number().min(0)).optional(),
  buyer_name: optionalText(),
  buyer_email: optionalText(),
  buyer_tel: optionalText(),
  buyer_addr: optionalText(),
  buyer_postcode: optionalText(),
  custom_data: optionalText(),
  notice_url: optionalText().pipe(z.url().optional()),
});

const scheduleSchema = z.object({
  ...cardFields,
  customer_uid: stringish.pipe(z.string().min(1).max(80)),
  customer_id: optionalText(),
  pg: optionalText(),
  channel_key: optionalText(55),
  schedules: z.preprocess(arrayFromForm, z.array(scheduleItem).min(1)),
});

const unscheduleSchema = z.object({
  customer_uid: optionalText(80),
  merchant_uid: z.preprocess(arrayFromForm, z.array(stringish).optional()),
});

const statusFilter = z.enum(['scheduled', 'executed', 'revoked']).optional();
const page = integerish.pipe(z.number().int().min(1)).default(1);

const customerListQuery = z.object({
  from: integerish,
  to: integerish,
  page,
  'schedule-status': statusFilter,
});

const rangeListQuery = z.object({
  schedule_from: integerish,
  schedule_to: integerish,
  schedule_status: statusFilter,
  page,
  limit: integerish.pipe(z.number().int().min(1).max(1000)).default(20),
  sorting: z.enum(['scheduled', '-scheduled']).optional(),
});

const CUSTOMER_PAGE_SIZE = 20;

export function scheduleRoutes(core: SandboxCore): Router {
  const router = new Router();
  const auth = requireToken(core);

  router.post('/subscribe/payments/schedule', auth, (ctx) => {
    const input = parseRequest(scheduleSchema, bodyObject(ctx.request.body));
    const merchantUids = input.schedules.map((item) => item.merchant_uid);
    assertMerchantUidsFree(core, merchantUids);
    assertSchedulesInFuture(core, input.schedules);
    if (!core.state.customers.has(input.customer_uid)) {
      // iamport issues the key first when card data comes with the request.
      if (!input.card_number) throw businessError(NO_CUSTOMER_MESSAGE);
      issueBillingKey(core, input.customer_uid, input);
    }
    respond(ctx, registerSchedules(core, input.customer_uid, input.customer_id, input.schedules));
  });

  router.post('/subscribe/payments/unschedule', auth, (ctx) => {
    const input = parseRequest(unscheduleSchema, bodyObject(ctx.request.body));
    respond(ctx, unschedule(core, input.customer_uid, input.merchant_uid));
  });

  router.get('/subscribe/payments/schedule', auth, (ctx) => {
    const query = parseRequest(rangeListQuery, ctx.query);
    respond(
      ctx,
      listSchedules(core, {
        from: query.schedule_from,
        to: query.schedule_to,
        status: query.schedule_status,
        page: query.page,
        limit: query.limit,
        oldestFirst: query.sorting === 'scheduled',
      }),
    );
  });

  router.get('/subscribe/payments/schedule/:merchant_uid', auth, (ctx) => {
    const stored = core.state.schedules.get(ctx.params.merchant_uid);
    if (!stored) throw notFound(`merchant_uid(${ctx.params.merchant_uid})로 조회되는 예약결제건이 존재하지 않습니다.`);
    respond(ctx, { ...stored.result });
  });

  const byCustomer = (ctx: Context & { params: Record<string, string> }) => {
    const query = parseRequest(customerListQuery, ctx.query);
    const filter: ScheduleQuery = {
      customerUid: ctx.params.customer_uid,
      from: query.from,
      to: query.to,
      status: query['schedule-status'],
      page: query.page,
      limit: CUSTOMER_PAGE_SIZE,
      oldestFirst: false,
    };
    respond(ctx, listSchedules(core, filter));
  };
  router.get('/subscribe/payments/schedule/customers/:customer_uid', auth, byCustomer);
  router.get('/subscribe/customers/:customer_uid/schedules', auth, byCustomer);

  return router;
}
