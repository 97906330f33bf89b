/** Request bodies of the HTTP API that SubscriptionClient does not know: the ones carrying a card, and the webhook. */
import { z } from 'zod';
import {
  checkSchedule,
  IMP_UID_PATTERN,
  IMP_UID_RULE,
  MERCHANT_UID_PATTERN,
  MERCHANT_UID_RULE,
  customerUidSchema,
  newSubscriptionFields,
  requiredOr,
  strictObject,
} from '../subscription-requests';

/**
 * Card details as a card form sends them. The messages describe the expected format only: zod never quotes the
 * value, and neither do these.
 */
export const cardSchema = strictObject({
  card_number: z
    .string({ error: requiredOr('a string') })
    .refine((value) => /^\d+(-\d+)*$/.test(value) && /^\d{15,16}$/.test(value.replace(/-/g, '')), {
      error: 'must be 15 or 16 digits, optionally grouped with "-"',
    }),
  expiry: z
    .string({ error: requiredOr('a string') })
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, { error: 'must be the expiry month as YYYY-MM' }),
  birth: z
    .string({ error: requiredOr('a string') })
    .regex(/^(\d{6}|\d{10})$/, { error: 'must be the birth date as YYMMDD, or a 10-digit business number' }),
  pwd_2digit: z
    .string({ error: requiredOr('a string') })
    .regex(/^\d{2}$/, { error: 'must be the first 2 digits of the card password' }),
});

/** POST /subscriptions */
export function signupSchema(now: () => number = Date.now) {
  return strictObject({ ...newSubscriptionFields, card: cardSchema.optional() }).superRefine((request, ctx) =>
    checkSchedule(request, now(), ctx),
  );
}

/** POST /subscriptions/:id/payment-method */
export const paymentMethodSchema = strictObject({
  customer_uid: customerUidSchema,
  card: cardSchema.optional(),
  /** true: use a customer_uid another running subscription bills (refused otherwise) */
  allow_shared_customer_uid: z.boolean({ error: 'must be true or false' }).optional(),
});

/**
 * The webhook iamport posts: only a hint, verified by the workflow; extra fields (cancellation_id…) are ignored. The
 * ids are checked against iamport's forms here, so a malformed one (`..`, `a/b`, 100 digits) is a 400 that never
 * reaches a workflow, whose activities would put it in a URL path.
 */
export const webhookSchema = z.object(
  {
    imp_uid: z.string({ error: requiredOr('a string') }).regex(IMP_UID_PATTERN, { error: `must be ${IMP_UID_RULE}` }),
    merchant_uid: z
      .string({ error: requiredOr('a string') })
      .regex(MERCHANT_UID_PATTERN, { error: `must be ${MERCHANT_UID_RULE}` }),
    status: z
      .string({ error: requiredOr('a string') })
      .regex(/^[a-z_]{1,40}$/, { error: 'must be an iamport payment status such as "paid"' }),
  },
  { error: 'must be an object' },
);
