import Router from '@koa/router';
import { z } from 'zod';
import type { Payment } from '../../../src/iamport/types';
import { chargeAgain } from './again';
import { requireToken } from './auth';
import type { SandboxCore } from './core';
import { badRequest, notFound, respond } from './envelope';
import { refund } from './refunds';
import {
  bodyObject,
  booleanish,
  integerish,
  numberish,
  optionalText,
  parseRequest,
  pathParam,
  stringish,
} from './request-parsing';
import { paymentsByMerchantUid, type StoredPayment } from './state';

const againSchema = z.object({
  customer_uid: stringish.pipe(z.string().min(1).max(80)),
  merchant_uid: stringish.pipe(z.string().min(1).max(40)),
  amount: numberish.pipe(z.number().positive()),
  name: optionalText(40).transform((v) => v ?? null),
  currency: optionalText(3),
  buyer_name: optionalText(),
  buyer_email: optionalText(),
  buyer_tel: optionalText(),
  custom_data: optionalText(),
  notice_url: optionalText().pipe(z.url().optional()),
});

const cancelSchema = z.object({
  imp_uid: optionalText(32),
  merchant_uid: optionalText(40),
  amount: numberish.pipe(z.number().min(0)).optional(),
  // null = no check, as the spec says
  checksum: numberish.pipe(z.number().min(0)).nullable().optional(),
  reason: optionalText(),
  enable_webhook: booleanish.optional(),
});

const PAYMENT_STATUSES = ['ready', 'paid', 'failed', 'cancelled'] as const;
const SORTINGS = ['-started', 'started', '-paid', 'paid', '-updated', 'updated'] as const;
const findQuery = z.object({ sorting: z.enum(SORTINGS).default('-started') });
const findAllQuery = findQuery.extend({
  page: integerish.pipe(z.number().int().min(1)).default(1),
  limit: integerish.pipe(z.number().int().min(1).max(1000)).default(20),
});

export function paymentRoutes(core: SandboxCore): Router {
  const router = new Router();
  const auth = requireToken(core);

  router.post('/subscribe/payments/again', auth, (ctx) => {
    respond(ctx, chargeAgain(core, parseRequest(againSchema, bodyObject(ctx.request.body))));
  });

  router.post('/payments/cancel', auth, (ctx) => {
    respond(ctx, refund(core, parseRequest(cancelSchema, bodyObject(ctx.request.body))));
  });

  router.get('/payments/find/:merchant_uid{/:payment_status}', auth, (ctx) => {
    const { sorting } = parseRequest(findQuery, ctx.query);
    const found = findPayments(core, ctx.params.merchant_uid, ctx.params.payment_status, sorting)[0];
    if (!found) throw notFound(`merchant_uid(${ctx.params.merchant_uid})에 해당하는 거래건이 존재하지 않습니다.`);
    respond(ctx, { ...found.payment });
  });

  router.get('/payments/findAll/:merchant_uid{/:payment_status}', auth, (ctx) => {
    const query = parseRequest(findAllQuery, ctx.query);
    const found = findPayments(core, ctx.params.merchant_uid, ctx.params.payment_status, query.sorting);
    if (found.length === 0) {
      throw notFound(`merchant_uid(${ctx.params.merchant_uid})에 해당하는 거래건이 존재하지 않습니다.`);
    }
    const start = (query.page - 1) * query.limit;
    respond(ctx, {
      total: found.length,
      previous: query.page > 1 ? query.page - 1 : 0,
      next: start + query.limit < found.length ? query.page + 1 : 0,
      list: found.slice(start, start + query.limit).map((p) => ({ ...p.payment })),
    });
  });

  router.get('/payments/:imp_uid', auth, (ctx) => {
    const impUid = pathParam(ctx.params.imp_uid, 'imp_uid', 32);
    const stored = core.state.payments.get(impUid);
    const includeSandbox = ctx.query.include_sandbox === 'true' || ctx.query.include_sandbox === '1';
    if (!stored || (core.config.hideSandboxPayments && !includeSandbox)) {
      throw notFound('존재하지 않는 결제정보입니다.');
    }
    respond(ctx, { ...stored.payment });
  });

  return router;
}

function findPayments(
  core: SandboxCore,
  merchantUid: string,
  status: string | undefined,
  sorting: (typeof SORTINGS)[number],
): StoredPayment[] {
  if (status !== undefined && !(PAYMENT_STATUSES as readonly string[]).includes(status)) {
    throw badRequest(`payment_status는 ${PAYMENT_STATUSES.join(', ')} 중 하나여야 합니다.`);
  }
  const key = sortKey(sorting);
  const descending = sorting.startsWith('-');
  return paymentsByMerchantUid(core.state, merchantUid)
    .filter((p) => status === undefined || p.payment.status === status)
    .sort((a, b) => {
      const diff = key(a.payment) - key(b.payment) || a.seq - b.seq;
      return descending ? -diff : diff;
    });
}

function sortKey(sorting: (typeof SORTINGS)[number]): (p: Payment) => number {
  if (sorting.endsWith('paid')) return (p) => p.paid_at;
  if (sorting.endsWith('updated')) {
    return (p) =>
      Math.max(
        p.started_at ?? 0,
        p.paid_at,
        p.failed_at,
        p.cancelled_at,
        ...(p.cancel_history ?? []).map((c) => c.cancelled_at),
      );
  }
  return (p) => p.started_at ?? 0;
}
