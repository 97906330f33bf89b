import Router from '@koa/router';
import { issueBillingKey, requireBillingKey, type BillingKeyChannel } from '../billing-key';
import type { SubscriptionClient } from '../client';
import type { IamportClient } from '../iamport';
import { parseWith, readBody } from './body';
import type { AppMiddleware, RequestState } from './context';
import { HttpError, invalidRequest, notFound } from './errors';
import { paymentMethodSchema, signupSchema } from './schemas';
import { cancelRequestSchema, planChangeSchema, strictObject, subscriptionIdSchema } from '../subscription-requests';

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

  router.post('/subscriptions', auth, json, async (ctx) => {
    const { card, ...request } = parseWith(signupSchema(now), ctx.request.body);
    if (card) {
      // Refuse a duplicate before the card is sent anywhere: re-issuing a customer_uid replaces its card.
      if (request.subscription_id && (await subscriptions.lifecycle(request.subscription_id)) === 'running') {
        throw new HttpError(
          409,
          'already_exists',
          `subscription ${request.subscription_id} already exists and is running`,
        );
      }
      await issueBillingKey(iamport, { customer_uid: request.customer_uid, card, buyer: request.buyer }, channel);
      ctx.state.logger.info('billing key issued', { customer_uid: request.customer_uid });
    } else {
      await requireBillingKey(iamport, request.customer_uid);
    }
    const started = await subscriptions.start(request);
    ctx.state.logger.info('subscription started', {
      subscription_id: started.subscription_id,
      customer_uid: started.customer_uid,
      next_charge_at: started.next_charge_at,
    });
    ctx.status = 201;
    ctx.set('Location', `/subscriptions/${started.subscription_id}`);
    ctx.body = {
      subscription_id: started.subscription_id,
      customer_uid: started.customer_uid,
      status: started.status,
      next_charge_at: started.next_charge_at,
    };
  });

  router.get('/subscriptions/:id', auth, async (ctx) => {
    ctx.body = await subscriptions.getState(subscriptionIdOf(ctx));
  });

  router.post('/subscriptions/:id/cancel', auth, json, async (ctx) => {
    const id = subscriptionIdOf(ctx);
    ctx.body = await subscriptions.cancel(id, parseWith(cancelRequestSchema, ctx.request.body));
  });

  // Commands without arguments: the body must be empty (or {}), so a misspelt field is refused, not ignored.
  const commandsWithoutBody = {
    'undo-cancel': (id: string) => subscriptions.undoCancel(id),
    pause: (id: string) => subscriptions.pause(id),
    resume: (id: string) => subscriptions.resume(id),
  };
  for (const [path, run] of Object.entries(commandsWithoutBody)) {
    router.post(`/subscriptions/:id/${path}`, auth, json, async (ctx) => {
      const id = subscriptionIdOf(ctx);
      parseWith(emptyBody, ctx.request.body);
      ctx.body = await run(id);
    });
  }

  router.post('/subscriptions/:id/plan', auth, json, async (ctx) => {
    const id = subscriptionIdOf(ctx);
    ctx.body = await subscriptions.changePlan(id, parseWith(planChangeSchema, ctx.request.body));
  });

  router.post('/subscriptions/:id/payment-method', auth, json, async (ctx) => {
    const id = subscriptionIdOf(ctx);
    const { customer_uid, card } = parseWith(paymentMethodSchema, ctx.request.body);
    if (card) {
      // Only for a live subscription: a card for one that does not exist (or has ended) is not sent to iamport.
      const lifecycle = await subscriptions.lifecycle(id);
      if (lifecycle === 'none') throw notFound(`subscription ${id} not found`);
      if (lifecycle === 'ended') throw new HttpError(409, 'conflict', 'the subscription is canceled');
      await issueBillingKey(iamport, { customer_uid, card }, channel);
      ctx.state.logger.info('billing key issued', { customer_uid, subscription_id: id });
    } else {
      await requireBillingKey(iamport, customer_uid);
    }
    ctx.body = await subscriptions.updatePaymentMethod(id, { customer_uid });
  });

  return router;
}

function subscriptionIdOf(ctx: { params: Record<string, string | undefined> }): string {
  const result = subscriptionIdSchema.safeParse(ctx.params.id);
  if (!result.success) throw invalidRequest(`the subscription id in the path ${result.error.issues[0].message}`);
  return result.data;
}
