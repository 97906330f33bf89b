/**
 * Checkout and portal sessions: what the merchant's backend asks for (validated with the API's own schemas) and what
 * the sealed token carries. A checkout session fixes its subscription_id when it is created, so the subscription it
 * starts is known in advance and a second submit finds it started (single use, across replicas: Temporal refuses a
 * second workflow with that id).
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { generateSubscriptionId } from '../client';
import {
  checkSchedule,
  customerUidSchema,
  newSubscriptionFields,
  strictObject,
  subscriptionIdSchema,
  type NewSubscription,
} from '../subscription-requests';
import { DEFAULT_CHECKOUT_TTL_S, DEFAULT_PORTAL_TTL_S, MAX_SESSION_TTL_S, MIN_SESSION_TTL_S } from './settings';
import type { TokenSealer } from './sealed-token';

export const CHECKOUT = 'checkout';
export const PORTAL = 'portal';

const redirectUrl = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
  .max(2000, { error: 'must be at most 2000 characters' })
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '';
      } catch {
        return false;
      }
    },
    { error: 'must be an absolute http(s) URL' },
  );

const expiresIn = (defaultS: number) =>
  z
    .number({ error: 'must be a number of seconds' })
    .int({ error: 'must be a whole number of seconds' })
    .min(MIN_SESSION_TTL_S, { error: `must be at least ${MIN_SESSION_TTL_S} seconds` })
    .max(MAX_SESSION_TTL_S, { error: `must be at most ${MAX_SESSION_TTL_S} seconds` })
    .default(defaultS);

/** POST /checkout-sessions: the signup fields of POST /subscriptions without `card`, customer_uid optional. */
export function checkoutSessionRequestSchema(now: () => number) {
  return strictObject({
    ...newSubscriptionFields,
    customer_uid: customerUidSchema.optional(),
    success_url: redirectUrl,
    cancel_url: redirectUrl,
    expires_in: expiresIn(DEFAULT_CHECKOUT_TTL_S),
  }).superRefine((request, ctx) => checkSchedule(request, now(), ctx));
}

/** POST /portal-sessions */
export const portalSessionRequestSchema = strictObject({
  subscription_id: subscriptionIdSchema,
  return_url: redirectUrl,
  expires_in: expiresIn(DEFAULT_PORTAL_TTL_S),
});

type SignupFields = Omit<NewSubscription, 'subscription_id'>;

export interface CheckoutSession {
  id: string;
  subscription_id: string;
  signup: SignupFields;
  success_url: string;
  cancel_url: string;
}

export interface PortalSession {
  id: string;
  subscription_id: string;
  return_url: string;
}

export interface CreatedSession {
  id: string;
  token: string;
  expires_at: string;
}

export function createCheckoutSession(
  sealer: TokenSealer,
  request: z.output<ReturnType<typeof checkoutSessionRequestSchema>>,
  nowMs: number,
): CreatedSession & { session: CheckoutSession } {
  const { success_url, cancel_url, expires_in, subscription_id, customer_uid, ...rest } = request;
  const id = `cs_${randomBytes(12).toString('hex')}`;
  const subscriptionId = subscription_id ?? generateSubscriptionId();
  const session: CheckoutSession = {
    id,
    subscription_id: subscriptionId,
    signup: { ...rest, customer_uid: customer_uid ?? `cus-${subscriptionId}` },
    success_url,
    cancel_url,
  };
  const expiresAtMs = nowMs + expires_in * 1000;
  return { id, session, token: sealer.seal(CHECKOUT, session, expiresAtMs), expires_at: iso(expiresAtMs) };
}

export function createPortalSession(
  sealer: TokenSealer,
  request: z.output<typeof portalSessionRequestSchema>,
  nowMs: number,
): CreatedSession {
  const id = `ps_${randomBytes(12).toString('hex')}`;
  const session: PortalSession = { id, subscription_id: request.subscription_id, return_url: request.return_url };
  const expiresAtMs = nowMs + request.expires_in * 1000;
  return { id, token: sealer.seal(PORTAL, session, expiresAtMs), expires_at: iso(expiresAtMs) };
}

const iso = (ms: number) => new Date(ms).toISOString();
