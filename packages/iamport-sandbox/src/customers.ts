import type { Customer, IssueBillingKeyRequest } from '../../../src/iamport/types';
import { maskCardNumber } from '../../../src/logger';
import { checkCardFields } from './card-validation';
import type { SandboxCore } from './core';
import { businessError } from './envelope';
import type { StoredCustomer } from './state';
import { cardCompany, classifyCard } from './test-cards';

export const ISSUE_FAILED_MESSAGE = '카드정보 인증 및 빌키 발급에 실패하였습니다.';

export type BillingKeyInput = Omit<IssueBillingKeyRequest, 'card_number' | 'expiry'> & {
  card_number?: string;
  expiry?: string;
};

/**
 * Issues (or replaces) the billing key of a customer_uid. Re-issuing replaces the card, as iamport does; a
 * failed issuance leaves the existing key untouched. Only the masked card number is kept.
 */
export function issueBillingKey(core: SandboxCore, customerUid: string, input: BillingKeyInput): Customer {
  const check = checkCardFields(input, core.clock.now());
  if (!check.ok) throw businessError(`${ISSUE_FAILED_MESSAGE} (${check.reason})`, -1);
  const classification = classifyCard(check.digits);
  if (!classification.issuable) throw businessError(`${ISSUE_FAILED_MESSAGE} (${classification.reason})`, -1);

  const now = core.clock.nowSeconds();
  const previous = core.state.customers.get(customerUid);
  const [pgProvider, pgId] = splitPg(input.pg, core);
  const customer: Customer = {
    customer_uid: customerUid,
    pg_provider: pgProvider,
    pg_id: pgId,
    sandbox: true,
    customer_id: input.customer_id ?? null,
    ...cardCompany(check.digits),
    card_number: maskCardNumber(check.digits),
    card_type: 0,
    customer_name: input.customer_name ?? null,
    customer_tel: input.customer_tel ?? null,
    customer_email: input.customer_email ?? null,
    customer_addr: input.customer_addr ?? null,
    customer_postcode: input.customer_postcode ?? null,
    inserted: previous?.customer.inserted ?? now,
    updated: now,
  };
  const stored: StoredCustomer = { customer, behaviour: classification.behaviour, charges: 0 };
  core.state.customers.set(customerUid, stored);
  core.changed();
  core.logger.info(previous ? 'billing key replaced' : 'billing key issued', {
    customer_uid: customerUid,
    card: customer.card_number,
    behaviour: classification.behaviour.kind,
  });
  return customer;
}

/** `pg` is `{pg}` or `{pg}.{MID}`; without it the sandbox's default channel is used. */
function splitPg(pg: string | undefined, core: SandboxCore): [string, string] {
  if (!pg) return [core.config.pgProvider, core.config.pgId];
  const dot = pg.indexOf('.');
  return dot < 0 ? [pg, core.config.pgId] : [pg.slice(0, dot), pg.slice(dot + 1)];
}
