/**
 * Issues a billing key with iamport from card details, outside Temporal: the card goes from the merchant's request
 * straight to iamport and is forgotten. Only the customer_uid (the key's name) travels on to the subscription.
 */
import { isIamportError, type IamportClient } from './iamport';
import type { Buyer } from '../workflows/types';

export interface CardDetails {
  /** 15 or 16 digits, with or without '-' */
  card_number: string;
  /** YYYY-MM */
  expiry: string;
  /** YYMMDD, or a 10-digit business registration number for corporate cards */
  birth: string;
  /** the first two digits of the card password */
  pwd_2digit: string;
}

export interface BillingKeyChannel {
  /** IAMPORT_CHANNEL_KEY */
  channelKey?: string;
  /** IAMPORT_PG (legacy consoles) */
  pg?: string;
}

/**
 * - card_declined: iamport or the card company refused the card; `message` is iamport's, for the customer (402)
 * - no_billing_key: iamport holds no billing key under the customer_uid (400: a subscription on it could never be
 *   charged)
 * - gateway_unavailable: iamport did not answer (network, timeout, 5xx); trying again is safe, a key issued twice
 *   under one customer_uid is simply replaced (503)
 * - gateway_error: iamport refused our request itself (credentials, configuration) (502)
 */
export type BillingKeyErrorCode = 'card_declined' | 'no_billing_key' | 'gateway_unavailable' | 'gateway_error';

export class BillingKeyError extends Error {
  override name = 'BillingKeyError';
  constructor(
    readonly code: BillingKeyErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface IssuedBillingKey {
  customer_uid: string;
  /** e.g. 신한카드 */
  card_name: string;
}

export async function issueBillingKey(
  iamport: IamportClient,
  request: { customer_uid: string; card: CardDetails; buyer?: Buyer },
  channel: BillingKeyChannel,
): Promise<IssuedBillingKey> {
  const { card, buyer } = request;
  try {
    const customer = await iamport.issueBillingKey(request.customer_uid, {
      card_number: formatCardNumber(card.card_number),
      expiry: card.expiry,
      birth: card.birth,
      pwd_2digit: card.pwd_2digit,
      channel_key: channel.channelKey,
      pg: channel.pg,
      customer_name: buyer?.name,
      customer_email: buyer?.email,
      customer_tel: buyer?.tel,
    });
    return { customer_uid: customer.customer_uid, card_name: customer.card_name };
  } catch (error) {
    if (isIamportError(error, 'business')) {
      // iamport's message is already masked (IamportError); it is meant for the customer, e.g. 한도초과.
      throw new BillingKeyError('card_declined', error.iamportMessage ?? 'the card was declined');
    }
    throw gatewayError(error, 'issue a billing key');
  }
}

/**
 * Checks that iamport holds a billing key under the customer_uid, for a subscription given no card (its key was
 * issued earlier, e.g. through iamport's payment window).
 */
export async function requireBillingKey(iamport: IamportClient, customerUid: string): Promise<void> {
  try {
    await iamport.getBillingKey(customerUid);
  } catch (error) {
    // iamport answers an unknown customer_uid with a 404, or (observed) a 200 with code -1.
    if (isIamportError(error, 'not_found') || isIamportError(error, 'business')) {
      throw new BillingKeyError(
        'no_billing_key',
        'iamport has no billing key under this customer_uid; send the card to issue one',
      );
    }
    throw gatewayError(error, 'look up the billing key');
  }
}

function gatewayError(error: unknown, what: string): unknown {
  if (!isIamportError(error)) return error;
  if (error.retryable)
    return new BillingKeyError('gateway_unavailable', 'iamport is unavailable; try again in a moment');
  return new BillingKeyError('gateway_error', `iamport refused the request to ${what}`);
}

/** iamport wants `dddd-dddd-dddd-dddd`; 15-digit cards (AMEX) go as plain digits. */
export function formatCardNumber(cardNumber: string): string {
  const digits = cardNumber.replace(/-/g, '');
  return digits.length === 16 ? (digits.match(/\d{4}/g) ?? []).join('-') : digits;
}
