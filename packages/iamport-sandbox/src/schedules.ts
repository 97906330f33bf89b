import type { Paged, ScheduleItem, ScheduleResult, ScheduleStatus } from '../../../src/iamport/types';
import type { SandboxCore } from './core';
import { badRequest, businessError } from './envelope';
import { isMerchantUidTaken, type StoredSchedule } from './state';

/** A schedule item as clients send it: iamport's ScheduleItem, with the name optional as the sandbox accepts it. */
export type ScheduleItemInput = Omit<ScheduleItem, 'name' | 'vat_amount'> & { name?: string };

export const NO_CUSTOMER_MESSAGE = '등록된 고객정보가 없습니다.';
export const NOTHING_TO_UNSCHEDULE_MESSAGE = '취소할 예약결제 기록이 존재하지 않습니다.';

export function duplicateMerchantUidMessage(merchantUid: string): string {
  return `이미 사용된 merchant_uid(${merchantUid})입니다. 동일한 주문번호로 중복 결제 또는 예약할 수 없습니다.`;
}

/** Throws code 1 naming the first merchant_uid already used by a schedule or payment (or twice in the request). */
export function assertMerchantUidsFree(core: SandboxCore, merchantUids: string[]): void {
  const seen = new Set<string>();
  for (const merchantUid of merchantUids) {
    if (seen.has(merchantUid) || isMerchantUidTaken(core.state, merchantUid)) {
      throw businessError(duplicateMerchantUidMessage(merchantUid));
    }
    seen.add(merchantUid);
  }
}

/** With the pastScheduleAt option 'refuse': HTTP 400 naming the first item whose schedule_at is before now. */
export function assertSchedulesInFuture(
  core: SandboxCore,
  items: { merchant_uid: string; schedule_at: number }[],
): void {
  if (core.config.pastScheduleAt !== 'refuse') return;
  const now = core.clock.nowSeconds();
  const past = items.find((item) => item.schedule_at < now);
  if (past) {
    throw badRequest(
      `merchant_uid(${past.merchant_uid})의 schedule_at(${past.schedule_at})이 현재 시각(${now})보다 이전입니다. 결제예약은 미래 시각으로만 요청할 수 있습니다.`,
    );
  }
}

/** Registers all items or none. The caller has checked merchant_uids and that the customer has a billing key. */
export function registerSchedules(
  core: SandboxCore,
  customerUid: string,
  customerId: string | undefined,
  items: ScheduleItemInput[],
): ScheduleResult[] {
  const customer = core.state.customers.get(customerUid)?.customer;
  if (!customer) throw businessError(NO_CUSTOMER_MESSAGE);
  const results = items.map((item): ScheduleResult => {
    const result: ScheduleResult = {
      customer_uid: customerUid,
      merchant_uid: item.merchant_uid,
      imp_uid: null,
      pg_provider: customer.pg_provider,
      pg_id: customer.pg_id,
      customer_id: customerId ?? customer.customer_id ?? null,
      schedule_at: item.schedule_at,
      executed_at: 0,
      revoked_at: 0,
      amount: item.amount,
      currency: item.currency ?? 'KRW',
      name: item.name ?? null,
      buyer_name: item.buyer_name ?? customer.customer_name ?? null,
      buyer_email: item.buyer_email ?? customer.customer_email ?? null,
      buyer_tel: item.buyer_tel ?? customer.customer_tel ?? null,
      buyer_addr: item.buyer_addr ?? customer.customer_addr ?? null,
      buyer_postcode: item.buyer_postcode ?? customer.customer_postcode ?? null,
      custom_data: item.custom_data ?? null,
      schedule_status: 'scheduled',
      payment_status: null,
      fail_reason: null,
    };
    const stored: StoredSchedule = { result, notice_url: item.notice_url ?? null, tax_free: item.tax_free ?? 0 };
    core.state.schedules.set(item.merchant_uid, stored);
    return result;
  });
  core.changed();
  core.logger.info('schedules registered', {
    customer_uid: customerUid,
    merchant_uids: items.map((i) => i.merchant_uid),
    schedule_at: items.map((i) => i.schedule_at),
  });
  return results.map((r) => ({ ...r }));
}

/**
 * Revokes `scheduled` items only: the listed merchant_uids (of customerUid when given), or all of
 * customerUid's when no merchant_uid is listed. Nothing revocable is iamport's code 1.
 */
export function unschedule(core: SandboxCore, customerUid?: string, merchantUids?: string[]): ScheduleResult[] {
  if (!customerUid && !merchantUids?.length) throw badRequest('customer_uid 또는 merchant_uid 중 하나는 필수입니다.');
  const candidates = merchantUids?.length
    ? merchantUids.flatMap((uid) => core.state.schedules.get(uid) ?? [])
    : [...core.state.schedules.values()];
  const revocable = candidates.filter(
    (s) =>
      s.result.schedule_status === 'scheduled' && (customerUid === undefined || s.result.customer_uid === customerUid),
  );
  if (revocable.length === 0) throw businessError(NOTHING_TO_UNSCHEDULE_MESSAGE);
  const now = core.clock.nowSeconds();
  for (const stored of revocable) {
    stored.result.schedule_status = 'revoked';
    stored.result.revoked_at = now;
  }
  core.changed();
  core.logger.info('schedules revoked', { merchant_uids: revocable.map((s) => s.result.merchant_uid) });
  return revocable.map((s) => ({ ...s.result }));
}

export interface ScheduleQuery {
  customerUid?: string;
  /** unix seconds, inclusive */
  from: number;
  /** unix seconds, exclusive */
  to: number;
  status?: ScheduleStatus;
  page: number;
  limit: number;
  /** `scheduled` = oldest first; default newest first */
  oldestFirst: boolean;
}

// iamport allows at most three months per query.
const MAX_WINDOW_SEC = 93 * 86_400;

export function listSchedules(core: SandboxCore, query: ScheduleQuery): Paged<ScheduleResult> {
  if (query.to < query.from) throw badRequest('조회 종료시각(to)이 시작시각(from)보다 앞설 수 없습니다.');
  if (query.to - query.from > MAX_WINDOW_SEC) throw badRequest('조회 기간은 최대 3개월입니다.');
  const matching = [...core.state.schedules.values()]
    .map((s) => s.result)
    .filter(
      (r) =>
        (query.customerUid === undefined || r.customer_uid === query.customerUid) &&
        r.schedule_at >= query.from &&
        r.schedule_at < query.to &&
        (query.status === undefined || r.schedule_status === query.status),
    )
    .sort((a, b) => (query.oldestFirst ? a.schedule_at - b.schedule_at : b.schedule_at - a.schedule_at));
  const start = (query.page - 1) * query.limit;
  return {
    total: matching.length,
    previous: query.page > 1 ? query.page - 1 : 0,
    next: start + query.limit < matching.length ? query.page + 1 : 0,
    list: matching.slice(start, start + query.limit).map((r) => ({ ...r })),
  };
}
