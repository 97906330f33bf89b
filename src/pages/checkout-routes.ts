/**
 * The checkout page: GET shows the plan, the renewal terms and the card form; POST issues the billing key (outside
 * Temporal, as POST /subscriptions does), starts the subscription and redirects to success_url. The card goes from
 * the form to iamport and nowhere else: not into a log, not back into the page.
 */
import type { Context } from 'koa';
import { BillingKeyError, issueBillingKey } from '../billing-key';
import { SubscriptionError } from '../client-errors';
import { readCardForm, cardFieldViews, type CardField } from './card-form';
import { describeIntervalIn, formatDate, formatWon } from './format';
import { pageOf, sessionRefused, type Page } from './page';
import type { PagesContext } from './pages-context';
import { CHECKOUT, type CheckoutSession } from './sessions';
import { successRedirectUrl } from './success-signature';

export function openCheckout(pages: PagesContext, token: string): CheckoutSession {
  const opened = pages.sealer.open<CheckoutSession>(CHECKOUT, token, pages.now());
  if (!opened.ok) throw sessionRefused(opened.reason);
  return opened.value;
}

/** A session is used once its subscription exists (running or ended): checked before any card is sent. */
async function refuseIfUsed(pages: PagesContext, session: CheckoutSession): Promise<void> {
  if ((await pages.subscriptions.lifecycle(session.subscription_id)) !== 'none') throw sessionRefused('used');
}

interface FormProblems {
  alert?: { title: string; lines: string[] };
  fields?: Partial<Record<CardField, string>>;
  consentError?: string;
  consentChecked?: boolean;
}

function renderCheckout(
  ctx: Context,
  page: Page,
  pages: PagesContext,
  token: string,
  session: CheckoutSession,
  problems: FormProblems = {},
  status = 200,
): void {
  const { m, lang } = page;
  const { plan, trial_end, start_at } = session.signup;
  const nowIso = new Date(pages.now()).toISOString();
  const firstChargeIso = trial_end ?? (start_at && start_at > nowIso ? start_at : nowIso);
  const interval = describeIntervalIn(plan.interval ?? 'P1M', lang);
  const price = formatWon(plan.amount, lang);
  const firstCharge = formatDate(firstChargeIso, lang);
  page.render(
    'checkout',
    m.checkoutTitle,
    {
      plan: { name: plan.name, price, interval, firstCharge, trialEnd: trial_end ? formatDate(trial_end, lang) : '' },
      terms: m.autoRenew({ amount: price, interval, firstCharge }),
      action: page.href(`/checkout/${token}`),
      csrf: pages.csrf.tokenFor(ctx, session.id),
      cardFields: cardFieldViews(m, problems.fields),
      alert: problems.alert,
      consentError: problems.consentError,
      consentChecked: problems.consentChecked,
      cancelUrl: session.cancel_url,
    },
    status,
    // Chromium applies form-action to the redirect after the POST as well.
    [new URL(session.success_url).origin],
  );
}

export function registerCheckoutRoutes(pages: PagesContext): void {
  const { router, html, form } = pages;

  router.get('/checkout/:token', html, async (ctx) => {
    const page = pageOf(ctx);
    const token = ctx.params.token ?? '';
    const session = openCheckout(pages, token);
    await refuseIfUsed(pages, session);
    renderCheckout(ctx, page, pages, token, session);
  });

  router.post('/checkout/:token', html, form, async (ctx) => {
    const page = pageOf(ctx);
    const { m } = page;
    const token = ctx.params.token ?? '';
    const session = openCheckout(pages, token);
    const body = (ctx.request as { body?: Record<string, unknown> }).body ?? {};
    await pages.guard.run(ctx, session.id, async () => {
      await refuseIfUsed(pages, session);
      const consent = body.consent === 'yes';
      const card = readCardForm(body);
      if (!card.ok || !consent) {
        const fields = card.ok
          ? {}
          : Object.fromEntries(Object.keys(card.errors).map((field) => [field, m.fieldErrors[field]]));
        renderCheckout(
          ctx,
          page,
          pages,
          token,
          session,
          {
            alert: { title: m.fixErrors, lines: [m.reenterCard] },
            fields,
            consentError: consent ? undefined : m.consentRequired,
            consentChecked: consent,
          },
          422,
        );
        return;
      }
      const { signup } = session;
      try {
        await issueBillingKey(
          pages.iamport,
          { customer_uid: signup.customer_uid, card: card.card, buyer: signup.buyer },
          pages.channel,
        );
      } catch (error) {
        if (!(error instanceof BillingKeyError) || error.code !== 'card_declined') throw error;
        ctx.state.logger.info('checkout card declined', { checkout_session_id: session.id });
        renderCheckout(
          ctx,
          page,
          pages,
          token,
          session,
          {
            alert: { title: m.cardDeclined, lines: [error.message, m.reenterCard] },
            fields: { card_number: error.message },
            consentChecked: true,
          },
          402,
        );
        return;
      }
      ctx.state.logger.info('billing key issued', {
        customer_uid: signup.customer_uid,
        checkout_session_id: session.id,
      });
      let started;
      try {
        const times = startTimes(signup, pages.now());
        started = await pages.subscriptions.start({
          ...times,
          subscription_id: session.subscription_id,
          ...trialConversionConsent(times.trial_end, pages.now()),
        });
      } catch (error) {
        if (error instanceof SubscriptionError && error.code === 'already_exists') throw sessionRefused('used');
        throw error;
      }
      ctx.state.logger.info('subscription started', {
        subscription_id: started.subscription_id,
        customer_uid: started.customer_uid,
        checkout_session_id: session.id,
        next_charge_at: started.next_charge_at,
      });
      ctx.status = 303;
      ctx.set('Cache-Control', 'no-store');
      ctx.set('Referrer-Policy', 'no-referrer');
      ctx.redirect(successRedirectUrl(session.success_url, pages.apiToken, session.id, started.subscription_id));
    });
  });
}

/**
 * The checkout page shows the trial's end, the price, the interval and how to cancel, and the customer ticks the
 * consent box and enters the card on it: that is consent to the paid conversion when the trial ends within the 30
 * days in which the law counts it (Decree art. 20-2). A longer trial asks again 30 days before its end.
 */
export function trialConversionConsent(trialEnd: string | undefined, nowMs: number) {
  if (!trialEnd || Date.parse(trialEnd) - nowMs > 30 * 86_400_000) return {};
  return { trial_conversion_consent: { granted_at: new Date(nowMs).toISOString(), channel: 'checkout' } };
}

/** A start time or trial end that has passed while the customer filled the form is dropped: it starts now. */
function startTimes<T extends { start_at?: string; trial_end?: string }>(signup: T, nowMs: number): T {
  const now = new Date(nowMs).toISOString();
  return {
    ...signup,
    start_at: signup.start_at && signup.start_at > now ? signup.start_at : undefined,
    trial_end: signup.trial_end && signup.trial_end > now ? signup.trial_end : undefined,
  };
}
