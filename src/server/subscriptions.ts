import Router from '@koa/router';
import { issueBillingKey, requireBillingKey, type BillingKeyChannel } from '../billing-key';
import type { SubscriptionClient } from '../client';
import { keyedUpdateId, randomUpdateId, requestFingerprint, subscriptionIdForKey } from '../idempotency';
import type { IamportClient } from '../iamport';
import { parseWith, readBody } from './body';
import type { AppContext, AppMiddleware, RequestState } from './context';
import { HttpError, invalidRequest, notFound } from './errors';
import { idempotencyKey } from './idempotency-key';
import { paymentMethodSchema, signupSchema } from './schemas';
import {
  cancelRequestSchema,
  consentRequestSchema,
  planChangeSchema,
  refundRequestSchema,
  strictObject,
  subscriptionIdSchema,
} from '../subscription-requests';

export interface SubscriptionRoutesOptions {
  /** runs first on every route, before any body is read (bearer-token authentication) */
  auth: AppMiddleware;
  subscriptions: SubscriptionClient;
  iamport: IamportClient;
  channel: BillingKeyChannel;
  now?: () => number;
}

const emptyBody = strictObject({});

/** The subscription API for the merchant's backend. */
export function subscriptionRoutes({
  auth,
  subscriptions,
  iamport,
  channel,
  now = Date.now,
}: SubscriptionRoutesOptions): Router<RequestState> {
  const router = new Router<RequestState>();
  const json = readBody('json');
  const key = idempotencyKey();

  router.post('/subscriptions', auth, key, json, async (ctx) => {
    const body = parseWith(signupSchema(now), ctx.request.body);
    const { card, ...request } = body;
    // the schema and the production floors, before a card goes anywhere
    subscriptions.checkNewSubscription(request);
    const idempotency = ctx.state.idempotencyKey
      ? { key: ctx.state.idempotencyKey, fingerprint: requestFingerprint('POST /subscriptions', body) }
      : undefined;
    const subscriptionId = request.subscription_id ?? (idempotency && subscriptionIdForKey(idempotency.key));
    if (idempotency && subscriptionId) {
      // A retry: answer as the first time, without issuing the billing key again.
      const previous = await subscriptions.previousSignup(subscriptionId, idempotency);
      if (previous) {
        ctx.state.logger.info('signup replayed', { subscription_id: previous.subscription_id });
        return answerSignup(ctx, previous, true);
      }
    } else if (card && subscriptionId && (await subscriptions.lifecycle(subscriptionId)) === 'running') {
      // Refuse a duplicate before the card is sent anywhere: re-issuing a customer_uid replaces its card.
      throw new HttpError(409, 'already_exists', `subscription ${subscriptionId} already exists and is running`);
    }
    if (!request.allow_shared_customer_uid) {
      // Before the card is sent: issuing it under a customer_uid another subscription bills would replace that card.
      await subscriptions.refuseSharedCustomerUid(request.customer_uid, subscriptionId);
    }
    if (card) {
      await issueBillingKey(iamport, { customer_uid: request.customer_uid, card, buyer: request.buyer }, channel);
      ctx.state.logger.info('billing key issued', { customer_uid: request.customer_uid });
    } else {
      await requireBillingKey(iamport, request.customer_uid);
    }
    const started = await subscriptions.start(
      { ...request, subscription_id: subscriptionId, allow_shared_customer_uid: true },
      { idempotency },
    );
    ctx.state.logger.info(started.replayed ? 'signup replayed' : 'subscription started', {
      subscription_id: started.subscription_id,
      customer_uid: started.customer_uid,
      next_charge_at: started.next_charge_at,
    });
    answerSignup(ctx, started, started.replayed);
  });

  router.get('/subscriptions/:id', auth, async (ctx) => {
    ctx.body = await subscriptions.getState(subscriptionIdOf(ctx));
  });

  router.post('/subscriptions/:id/cancel', auth, key, json, async (ctx) => {
    const id = subscriptionIdOf(ctx);
    const args = parseWith(cancelRequestSchema, ctx.request.body);
    ctx.body = await subscriptions.cancel(id, args, { updateId: updateIdOf(ctx, `cancel ${id}`, args) });
  });

  router.post('/subscriptions/:id/refunds', auth, key, json, async (ctx) => {
    const id = subscriptionIdOf(ctx);
    const args = parseWith(refundRequestSchema, ctx.request.body);
    ctx.body = await subscriptions.refund(id, args, { updateId: updateIdOf(ctx, `refunds ${id}`, args) });
  });

  router.post('/subscriptions/:id/consents', auth, key, json, async (ctx) => {
    const id = subscriptionIdOf(ctx);
    const body = parseWith(consentRequestSchema, ctx.request.body);
    if (Date.parse(body.granted_at ?? body.declined_at!) > now() + 5 * 60_000) {
      throw invalidRequest(`${body.granted_at ? 'granted_at' : 'declined_at'}: must not be in the future`);
    }
    const decision = {
      change_id: body.change_id,
      decision: body.granted_at ? ('granted' as const) : ('declined' as const),
      channel: body.channel,
      at: body.granted_at ?? body.declined_at!,
    };
    ctx.body = await subscriptions.consent(id, decision, { updateId: updateIdOf(ctx, `consents ${id}`, body) });
  });

  // Commands without arguments: the body must be empty (or {}), so a misspelt field is refused, not ignored.
  const commandsWithoutBody = {
    'undo-cancel': (id: string, updateId: string) => subscriptions.undoCancel(id, { updateId }),
    pause: (id: string, updateId: string) => subscriptions.pause(id, { updateId }),
    resume: (id: string, updateId: string) => subscriptions.resume(id, { updateId }),
    retry: (id: string, updateId: string) => subscriptions.retry(id, { updateId }),
  };
  for (const [path, run] of Object.entries(commandsWithoutBody)) {
    router.post(`/subscriptions/:id/${path}`, auth, key, json, async (ctx) => {
      const id = subscriptionIdOf(ctx);
      const args = parseWith(emptyBody, ctx.request.body);
      ctx.body = await run(id, updateIdOf(ctx, `${path} ${id}`, args));
    });
  }

  router.post('/subscriptions/:id/plan', auth, key, json, async (ctx) => {
    const id = subscriptionIdOf(ctx);
    const args = parseWith(planChangeSchema, ctx.request.body);
    ctx.body = await subscriptions.changePlan(id, args, { updateId: updateIdOf(ctx, `plan ${id}`, args) });
  });

  router.post('/subscriptions/:id/payment-method', auth, key, json, async (ctx) => {
    const id = subscriptionIdOf(ctx);
    const body = parseWith(paymentMethodSchema, ctx.request.body);
    const { customer_uid, card, allow_shared_customer_uid: allowShared } = body;
    const updateId = updateIdOf(ctx, `payment-method ${id}`, body);
    // A retry whose first attempt was applied does not issue the card again; a reused key is refused first.
    const applied = ctx.state.idempotencyKey ? await seenOrNone(subscriptions, id, updateId) : false;
    // Issuing a card under a customer_uid another subscription bills would replace that subscription's card.
    if (!applied && !allowShared) await subscriptions.refuseSharedCustomerUid(customer_uid, id);
    if (card && !applied) {
      // Only for a live subscription: a card for one that does not exist (or has ended) is not sent to iamport.
      const lifecycle = await subscriptions.lifecycle(id);
      if (lifecycle === 'none') throw notFound(`subscription ${id} not found`);
      if (lifecycle === 'ended') throw new HttpError(409, 'conflict', 'the subscription is canceled');
      await issueBillingKey(iamport, { customer_uid, card }, channel);
      ctx.state.logger.info('billing key issued', { customer_uid, subscription_id: id });
    } else if (!applied) {
      await requireBillingKey(iamport, customer_uid);
    }
    ctx.body = await subscriptions.updatePaymentMethod(id, { customer_uid }, { updateId });
  });

  return router;
}

function answerSignup(
  ctx: AppContext,
  started: { subscription_id: string; customer_uid: string; status: string; next_charge_at: string },
  replayed: boolean,
): void {
  ctx.status = 201;
  ctx.set('Location', `/subscriptions/${started.subscription_id}`);
  if (replayed) ctx.set('Idempotent-Replayed', 'true');
  ctx.body = {
    subscription_id: started.subscription_id,
    customer_uid: started.customer_uid,
    status: started.status,
    next_charge_at: started.next_charge_at,
  };
}

/**
 * The Temporal update id of a command: from the Idempotency-Key and the request (operation, subscription, body, card
 * included) when there is a key, so a retry attaches to the same update; else a new one for this request.
 */
function updateIdOf(ctx: AppContext, operation: string, body: unknown): string {
  const key = ctx.state.idempotencyKey;
  return key ? keyedUpdateId(key, requestFingerprint(operation, body)) : randomUpdateId();
}

async function seenOrNone(subscriptions: SubscriptionClient, id: string, updateId: string): Promise<boolean> {
  try {
    return await subscriptions.updateSeen(id, updateId);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'not_found') return false;
    throw error;
  }
}

function subscriptionIdOf(ctx: { params: Record<string, string | undefined> }): string {
  const result = subscriptionIdSchema.safeParse(ctx.params.id);
  if (!result.success) throw invalidRequest(`the subscription id in the path ${result.error.issues[0].message}`);
  return result.data;
}
