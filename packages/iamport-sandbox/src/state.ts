import type { Customer, Payment, ScheduleResult } from '../../../src/iamport/types';
import type { ClockSnapshot } from './clock';
import { emptyLedger, type SandboxLedger } from './ledger';
import type { CardBehaviour } from './test-cards';

/** A billing key: what iamport returns, plus the test-card behaviour. The card number is kept only masked. */
export interface StoredCustomer {
  customer: Customer;
  behaviour: CardBehaviour;
  /** charges attempted with this key; drives the "decline first N" test cards */
  charges: number;
}

export interface StoredSchedule {
  result: ScheduleResult;
  notice_url: string | null;
  tax_free: number;
}

export interface StoredPayment {
  payment: Payment;
  /** creation order, to break ties between payments started in the same second */
  seq: number;
  notice_url: string | null;
}

export interface IssuedToken {
  access_token: string;
  /** unix seconds */
  expired_at: number;
}

export interface SandboxState {
  seq: number;
  token: IssuedToken | null;
  customers: Map<string, StoredCustomer>;
  schedules: Map<string, StoredSchedule>;
  /** by imp_uid, in creation order */
  payments: Map<string, StoredPayment>;
  ledger: SandboxLedger;
}

export function emptyState(): SandboxState {
  return {
    seq: 0,
    token: null,
    customers: new Map(),
    schedules: new Map(),
    payments: new Map(),
    ledger: emptyLedger(),
  };
}

/** The JSON file format (see persistence.ts). */
export interface SerializedState {
  version: 1;
  seq: number;
  token: IssuedToken | null;
  clock: ClockSnapshot;
  customers: StoredCustomer[];
  schedules: StoredSchedule[];
  payments: StoredPayment[];
  ledger: SandboxLedger;
}

export function serializeState(state: SandboxState, clock: ClockSnapshot): SerializedState {
  return {
    version: 1,
    seq: state.seq,
    token: state.token,
    clock,
    customers: [...state.customers.values()],
    schedules: [...state.schedules.values()],
    payments: [...state.payments.values()],
    ledger: state.ledger,
  };
}

export function deserializeState(data: SerializedState): SandboxState {
  return {
    seq: data.seq,
    token: data.token,
    customers: new Map(data.customers.map((c) => [c.customer.customer_uid, c])),
    schedules: new Map(data.schedules.map((s) => [s.result.merchant_uid, s])),
    payments: new Map([...data.payments].sort((a, b) => a.seq - b.seq).map((p) => [p.payment.imp_uid, p])),
    ledger: data.ledger,
  };
}

export function isMerchantUidTaken(state: SandboxState, merchantUid: string): boolean {
  if (state.schedules.has(merchantUid)) return true;
  for (const stored of state.payments.values()) if (stored.payment.merchant_uid === merchantUid) return true;
  return false;
}

export function paymentsByMerchantUid(state: SandboxState, merchantUid: string): StoredPayment[] {
  return [...state.payments.values()].filter((p) => p.payment.merchant_uid === merchantUid);
}
