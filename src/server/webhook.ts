import Router from '@koa/router';
import type { SubscriptionClient } from '../client';
import { parseWith, readBody } from './body';
import { allowOnlyFrom } from './client-ip';
import type { RequestState } from './context';
import { WEBHOOK_PATH } from './paths';
import { webhookSchema } from './schemas';

export interface WebhookOptions {
  subscriptions: SubscriptionClient;
  /** undefined: from anywhere */
  allowedIps?: string[];
  trustProxy: boolean;
}

/**
 * iamport's payment notification. Routed to its subscription by the merchant_uid alone and answered at once: the
 * workflow verifies the payment with iamport, so the body is not trusted here. 200 also for a notification no
 * subscription wants (else iamport resends it forever); 503 when Temporal is down, so iamport's resend retries.
 */
export function webhookRoutes({ subscriptions, allowedIps, trustProxy }: WebhookOptions): Router<RequestState> {
  const router = new Router<RequestState>();
  router.post(WEBHOOK_PATH, allowOnlyFrom(allowedIps, trustProxy), readBody('json', 'form'), async (ctx) => {
    const notification = parseWith(webhookSchema, ctx.request.body);
    const { imp_uid, merchant_uid, status } = notification;
    const routing = await subscriptions.signalPaymentNotification({ imp_uid, merchant_uid, status });
    if (routing.routed) {
      ctx.state.logger.info('webhook routed', { ...routing, imp_uid, merchant_uid, status });
    } else {
      ctx.state.logger.warn('webhook not routed', { ...routing, imp_uid, merchant_uid, status });
    }
    ctx.body = { received: true, routed: routing.routed };
  });
  return router;
}
