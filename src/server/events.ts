import Router from '@koa/router';
import { z } from 'zod';
import type { SubscriptionClient } from '../client';
import { describeIssues, subscriptionIdSchema, summarizeProblems } from '../subscription-requests';
import { EVENT_TYPES, type Delivery } from '../../workflows/events';
import { readBody } from './body';
import type { AppMiddleware, RequestState } from './context';
import { HttpError } from './errors';

export interface EventRoutesOptions {
  auth: AppMiddleware;
  subscriptions: SubscriptionClient;
}

const listQuery = z.strictObject({
  subscription_id: subscriptionIdSchema,
  type: z.enum(EVENT_TYPES, { error: `must be one of ${EVENT_TYPES.join(', ')}` }).optional(),
  status: z.enum(['pending', 'delivered', 'failed'], { error: 'must be pending, delivered or failed' }).optional(),
});

const EVENT_ID = /^evt_[A-Za-z0-9-]{1,20}_[0-9a-z]{1,11}_\d{1,10}$/;

/** The delivery log and replay of merchant events (issue 11); bearer token like the subscription API. */
export function eventRoutes({ auth, subscriptions }: EventRoutesOptions): Router<RequestState> {
  const router = new Router<RequestState>();
  const json = readBody('json');

  router.get('/events', auth, async (ctx) => {
    const parsed = listQuery.safeParse(ctx.query);
    if (!parsed.success) {
      const problems = describeIssues(parsed.error, []);
      throw new HttpError(400, 'invalid_request', summarizeProblems(problems), problems);
    }
    const { subscription_id: subscriptionId, type, status } = parsed.data;
    const [list, endpoint] = await Promise.all([
      subscriptions.listEvents(subscriptionId, { type, status }),
      subscriptions.eventsEndpoint(),
    ]);
    ctx.body = {
      subscription_id: subscriptionId,
      events_enabled: list.enabled,
      endpoint,
      events: list.deliveries.map(deliveryBody),
    };
  });

  router.get('/events/endpoint', auth, async (ctx) => {
    ctx.body = await subscriptions.eventsEndpoint();
  });

  router.post('/events/endpoint/enable', auth, json, async (ctx) => {
    const wasDisabled = await subscriptions.enableEventsEndpoint();
    ctx.body = { disabled: false, was_disabled: wasDisabled };
  });

  router.post('/events/:id/redeliver', auth, json, async (ctx) => {
    const eventId = ctx.params.id;
    if (!EVENT_ID.test(eventId)) {
      throw new HttpError(400, 'invalid_request', 'id: not an event id (evt_<subscription>_<tag>_<sequence>)', [
        { field: 'id', message: 'not an event id' },
      ]);
    }
    ctx.status = 202;
    ctx.body = deliveryBody(await subscriptions.redeliverEvent(eventId));
  });

  return router;
}

/** A delivery as GET /events shows it: the event (id, type, sequence, body) and what became of it. */
function deliveryBody(delivery: Delivery) {
  const { event } = delivery;
  return {
    id: event.id,
    type: event.type,
    sequence: event.data.sequence,
    timestamp: event.timestamp,
    status: delivery.status,
    attempts: delivery.attempts,
    last_answer: delivery.last_answer ?? null,
    last_attempt_at: delivery.last_attempt_at ?? null,
    next_attempt_at: delivery.next_attempt_at ?? null,
    delivered_at: delivery.delivered_at ?? null,
    data: event.data,
  };
}
