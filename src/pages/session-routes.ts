/** The merchant's side: POST /checkout-sessions and POST /portal-sessions (bearer token, JSON). */
import { parseWith, readBody } from '../server/body';
import { HttpError, notFound } from '../server/errors';
import type { PagesContext } from './pages-context';
import {
  checkoutSessionRequestSchema,
  createCheckoutSession,
  createPortalSession,
  portalSessionRequestSchema,
} from './sessions';

export function registerSessionRoutes(pages: PagesContext): void {
  const { router, auth, now } = pages;
  const json = readBody('json');
  const base = (origin: string) => pages.publicUrl ?? origin;

  router.post('/checkout-sessions', auth, json, async (ctx) => {
    const request = parseWith(checkoutSessionRequestSchema(now), ctx.request.body);
    if (request.subscription_id && (await pages.subscriptions.lifecycle(request.subscription_id)) !== 'none') {
      throw new HttpError(409, 'already_exists', `subscription ${request.subscription_id} already exists`);
    }
    const created = createCheckoutSession(pages.sealer, request, now());
    ctx.state.logger.info('checkout session created', {
      checkout_session_id: created.id,
      subscription_id: created.session.subscription_id,
      expires_at: created.expires_at,
    });
    ctx.status = 201;
    ctx.body = {
      id: created.id,
      url: `${base(ctx.origin)}/checkout/${created.token}`,
      expires_at: created.expires_at,
      subscription_id: created.session.subscription_id,
      customer_uid: created.session.signup.customer_uid,
    };
  });

  router.post('/portal-sessions', auth, json, async (ctx) => {
    const request = parseWith(portalSessionRequestSchema, ctx.request.body);
    if ((await pages.subscriptions.lifecycle(request.subscription_id)) === 'none') {
      throw notFound(`subscription ${request.subscription_id} not found`);
    }
    const created = createPortalSession(pages.sealer, request, now());
    ctx.state.logger.info('portal session created', {
      portal_session_id: created.id,
      subscription_id: request.subscription_id,
      expires_at: created.expires_at,
    });
    ctx.status = 201;
    ctx.body = { id: created.id, url: `${base(ctx.origin)}/portal/${created.token}`, expires_at: created.expires_at };
  });
}
