/**
 * The customer portal: the plan, status, next charge, payments with receipts; change card, cancel now or at period
 * end (each explained on a confirmation page first), resume, undo a scheduled cancel. Every action is the same
 * SubscriptionClient update the API uses.
 */
import type { Context } from 'koa';
import { BillingKeyError, issueBillingKey } from '../billing-key';
import { SubscriptionError } from '../client-errors';
import { planRefund } from '../../workflows/refunds';
import type { SubscriptionView } from '../../workflows/view';
import { cardFieldViews, readCardForm, type CardField } from './card-form';
import { describeIntervalIn, formatDate, formatDay, formatWon } from './format';
import { PageError, pageOf, sessionRefused, type Page } from './page';
import type { PagesContext } from './pages-context';
import { receiptUrls } from './receipts';
import { PORTAL, type PortalSession } from './sessions';

type CancelWhen = 'now' | 'period_end';
const parseWhen = (value: unknown): CancelWhen | undefined =>
  value === 'now' || value === 'period_end' ? value : undefined;

export function registerPortalRoutes(pages: PagesContext): void {
  const { router, html, form } = pages;

  const open = (ctx: Context): { token: string; session: PortalSession } => {
    const token = (ctx.params as Record<string, string | undefined>).token ?? '';
    const opened = pages.sealer.open<PortalSession>(PORTAL, token, pages.now());
    if (!opened.ok) throw sessionRefused(opened.reason);
    return { token, session: opened.value };
  };
  const paths = (token: string) => ({
    home: `/portal/${token}`,
    card: `/portal/${token}/card`,
    cancel: `/portal/${token}/cancel`,
    resume: `/portal/${token}/resume`,
    undoCancel: `/portal/${token}/undo-cancel`,
    consent: `/portal/${token}/consent`,
  });

  async function renderPortal(
    ctx: Context,
    page: Page,
    token: string,
    session: PortalSession,
    extra: { notice?: string; alert?: { title: string; lines: string[] }; state?: SubscriptionView } = {},
    status = 200,
  ): Promise<void> {
    const { m, lang } = page;
    const state = extra.state ?? (await pages.subscriptions.getState(session.subscription_id));
    const receipts = await receiptUrls(pages.iamport, state.recent_payments);
    const link = paths(token);
    const live = state.status !== 'canceled';
    const periodEnd = periodEndOf(state);
    page.render(
      'portal',
      m.portalTitle,
      {
        notice: extra.notice,
        alert: extra.alert,
        plan: {
          name: state.plan.name,
          price: formatWon(state.plan.amount, lang),
          interval: describeIntervalIn(state.plan.interval, lang),
        },
        statusCode: state.status,
        status: m.statuses[state.status] ?? state.status,
        period: state.current_period
          ? `${formatDay(state.current_period.start, lang)} – ${formatDay(state.current_period.end, lang)}`
          : '',
        nextCharge:
          live && state.next_charge_at && !state.cancel_at_period_end
            ? `${formatDate(state.next_charge_at, lang)} · ${formatWon(state.pending_charge?.amount ?? state.plan.amount, lang)}`
            : m.nextChargeNone,
        cancelScheduled: live && state.cancel_at_period_end ? m.cancelScheduled(formatDate(periodEnd, lang)) : '',
        cancelScheduledFlag: state.cancel_at_period_end,
        consentPending:
          live && pendingChange(state) ? m.consentPending(formatDate(state.price_change!.effective_at, lang)) : '',
        payments: state.recent_payments.map((payment) => ({
          at: formatDay(payment.at, lang),
          amount: formatWon(payment.amount, lang),
          outcome: m.outcomes[payment.status] ?? payment.status,
          reason: payment.status === 'failed' ? payment.fail_reason : undefined,
          receiptUrl: payment.imp_uid ? receipts.get(payment.imp_uid) : undefined,
        })),
        live,
        paused: state.status === 'paused',
        csrf: pages.csrf.tokenFor(ctx, session.id),
        links: {
          card: page.href(link.card),
          resume: page.href(link.resume),
          undoCancel: page.href(link.undoCancel),
          cancelAtEnd: page.href(link.cancel, { when: 'period_end' }),
          cancelNow: page.href(link.cancel, { when: 'now' }),
          consent: page.href(link.consent),
        },
        returnUrl: session.return_url,
      },
      status,
    );
  }

  /** Runs an action; on success back to the portal with a notice, on a refusal the portal with the reason. */
  async function act(
    ctx: Context,
    done: string,
    action: (page: Page, token: string, session: PortalSession) => Promise<boolean>,
  ): Promise<void> {
    const page = pageOf(ctx);
    const { token, session } = open(ctx);
    await pages.guard.run(ctx, session.id, async () => {
      try {
        if (!(await action(page, token, session))) return;
      } catch (error) {
        if (error instanceof SubscriptionError && (error.code === 'conflict' || error.code === 'invalid_request')) {
          await renderPortal(
            ctx,
            page,
            token,
            session,
            {
              alert: { title: page.m.refused, lines: [page.m.refusedBecause(error.message)] },
            },
            409,
          );
          return;
        }
        throw error;
      }
      ctx.status = 303;
      ctx.redirect(page.href(paths(token).home, { done }));
    });
  }

  router.get('/portal/:token', html, async (ctx) => {
    const page = pageOf(ctx);
    const { token, session } = open(ctx);
    const done = typeof ctx.query.done === 'string' ? page.m.done[ctx.query.done] : undefined;
    await renderPortal(ctx, page, token, session, { notice: done });
  });

  // ---- change card ----
  const renderCardForm = (
    ctx: Context,
    page: Page,
    token: string,
    session: PortalSession,
    problems: { alert?: { title: string; lines: string[] }; fields?: Partial<Record<CardField, string>> } = {},
    status = 200,
  ) =>
    page.render(
      'changeCard',
      page.m.changeCardTitle,
      {
        action: page.href(paths(token).card),
        csrf: pages.csrf.tokenFor(ctx, session.id),
        cardFields: cardFieldViews(page.m, problems.fields),
        alert: problems.alert,
        backUrl: page.href(paths(token).home),
      },
      status,
    );

  router.get('/portal/:token/card', html, async (ctx) => {
    const page = pageOf(ctx);
    const { token, session } = open(ctx);
    await requireLive(pages, session);
    renderCardForm(ctx, page, token, session);
  });

  router.post('/portal/:token/card', html, form, (ctx) =>
    act(ctx, 'card_changed', async (page, token, session) => {
      const { m } = page;
      const state = await requireLive(pages, session);
      const card = readCardForm((ctx.request as { body?: Record<string, unknown> }).body ?? {});
      if (!card.ok) {
        const fields = Object.fromEntries(Object.keys(card.errors).map((field) => [field, m.fieldErrors[field]]));
        renderCardForm(
          ctx,
          page,
          token,
          session,
          { alert: { title: m.fixErrors, lines: [m.reenterCard] }, fields },
          422,
        );
        return false;
      }
      try {
        // The key is replaced under the subscription's customer_uid: a declined card leaves the old one in place.
        await issueBillingKey(
          pages.iamport,
          { customer_uid: state.customer_uid, card: card.card, buyer: state.buyer },
          pages.channel,
        );
      } catch (error) {
        if (!(error instanceof BillingKeyError) || error.code !== 'card_declined') throw error;
        ctx.state.logger.info('portal card declined', { subscription_id: session.subscription_id });
        renderCardForm(
          ctx,
          page,
          token,
          session,
          {
            alert: { title: m.cardDeclined, lines: [error.message, m.reenterCard] },
            fields: { card_number: error.message },
          },
          402,
        );
        return false;
      }
      ctx.state.logger.info('billing key issued', {
        customer_uid: state.customer_uid,
        subscription_id: session.subscription_id,
        portal_session_id: session.id,
      });
      await pages.subscriptions.updatePaymentMethod(session.subscription_id, { customer_uid: state.customer_uid });
      return true;
    }),
  );

  // ---- cancel, with its meaning shown first ----
  router.get('/portal/:token/cancel', html, async (ctx) => {
    const page = pageOf(ctx);
    const { m, lang } = page;
    const { token, session } = open(ctx);
    const when = parseWhen(ctx.query.when);
    if (!when) throw new PageError(400, () => m.sessionInvalid);
    const state = await requireLive(pages, session);
    // The refund a cancel now makes, computed as the workflow will (workflows/refunds.ts) at this moment.
    const refund =
      when === 'now'
        ? planRefund(
            state,
            { command: 'cancel', args: { refund: 'prorated' } },
            pages.now(),
            pages.subscriptions.timezone,
          )
        : undefined;
    page.render('confirmCancel', m.confirmCancelTitle, {
      heading: when === 'now' ? m.cancelNow : m.cancelAtEnd,
      explanation: when === 'now' ? m.cancelNowExplain : m.cancelAtEndExplain(formatDate(periodEndOf(state), lang)),
      refund:
        when !== 'now'
          ? undefined
          : refund
            ? m.refundPreview(formatWon(refund.amount, lang), refund.unused_days ?? 0, refund.period_days ?? 0)
            : m.refundNone,
      when,
      action: page.href(paths(token).cancel),
      csrf: pages.csrf.tokenFor(ctx, session.id),
      backUrl: page.href(paths(token).home),
    });
  });

  router.post('/portal/:token/cancel', html, form, async (ctx) => {
    const when = parseWhen(((ctx.request as { body?: Record<string, unknown> }).body ?? {}).when);
    if (!when) throw new PageError(400, (m) => m.sessionInvalid);
    await act(ctx, when === 'now' ? 'canceled' : 'cancel_scheduled', async (_page, _token, session) => {
      // Cancelling now refunds the unused days pro rata (FSC card-merchant terms, 2021-11-18).
      await pages.subscriptions.cancel(
        session.subscription_id,
        when === 'period_end' ? { at_period_end: true } : { refund: 'prorated' },
      );
      ctx.state.logger.info('canceled from the portal', { subscription_id: session.subscription_id, when });
      return true;
    });
  });

  // ---- consent to a price change (E-Commerce Act art. 13(6)): what, when, both prices, the card, how to cancel ----
  router.get('/portal/:token/consent', html, async (ctx) => {
    const page = pageOf(ctx);
    const { m, lang } = page;
    const { token, session } = open(ctx);
    const state = await requireLive(pages, session);
    const change = pendingChange(state);
    if (!change) {
      ctx.status = 303;
      ctx.redirect(page.href(paths(token).home));
      return;
    }
    const card = await pages.iamport.getBillingKey(state.customer_uid).then(
      (key) => [key.card_name, key.card_number].filter(Boolean).join(' '),
      () => '–',
    );
    const before = formatWon(change.amount_before, lang);
    const after = formatWon(change.amount_after, lang);
    const interval = describeIntervalIn(change.plan_after.interval, lang);
    page.render('consent', m.consentTitle, {
      what:
        change.kind === 'trial_conversion'
          ? m.consentWhatTrial(change.plan_after.name)
          : m.consentWhatRise(before, after),
      when: formatDate(change.effective_at, lang),
      before:
        change.kind === 'trial_conversion'
          ? before
          : `${before} · ${describeIntervalIn(change.plan_before.interval, lang)}`,
      after: `${after} · ${interval}`,
      card,
      ifNot:
        change.on_missing_consent === 'keep_price'
          ? m.consentIfNotKeep
          : m.consentIfNotCancel(formatDate(change.effective_at, lang)),
      changeId: change.change_id,
      action: page.href(paths(token).consent),
      csrf: pages.csrf.tokenFor(ctx, session.id),
      backUrl: page.href(paths(token).home),
    });
  });

  router.post('/portal/:token/consent', html, form, async (ctx) => {
    const body = (ctx.request as { body?: Record<string, unknown> }).body ?? {};
    const decision = body.decision === 'granted' || body.decision === 'declined' ? body.decision : undefined;
    const changeId = typeof body.change_id === 'string' ? body.change_id : undefined;
    if (!decision || !changeId) throw new PageError(400, (m) => m.sessionInvalid);
    await act(ctx, decision === 'granted' ? 'consent_granted' : 'consent_declined', async (_page, _token, session) => {
      await pages.subscriptions.consent(session.subscription_id, {
        change_id: changeId,
        decision,
        channel: 'portal',
        at: new Date(pages.now()).toISOString(),
      });
      ctx.state.logger.info('consent from the portal', { subscription_id: session.subscription_id, decision });
      return true;
    });
  });

  router.post('/portal/:token/resume', html, form, (ctx) =>
    act(ctx, 'resumed', async (_page, _token, session) => {
      await pages.subscriptions.resume(session.subscription_id);
      return true;
    }),
  );

  router.post('/portal/:token/undo-cancel', html, form, (ctx) =>
    act(ctx, 'cancel_undone', async (_page, _token, session) => {
      await pages.subscriptions.undoCancel(session.subscription_id);
      return true;
    }),
  );
}

async function requireLive(pages: PagesContext, session: PortalSession): Promise<SubscriptionView> {
  const state = await pages.subscriptions.getState(session.subscription_id);
  if (state.status === 'canceled') {
    throw new SubscriptionError('conflict', 'the subscription is canceled');
  }
  return state;
}

/**
 * A price change whose consent request went out (CONSENT_WINDOW before its charge): the law counts consent only
 * within the 30 days before the change, so the portal asks no earlier than the request.
 */
function pendingChange(state: SubscriptionView) {
  const change = state.price_change;
  return change?.status === 'requested' ? change : undefined;
}

/** Where a cancel at period end takes effect: the end of the paid period, else the trial's end or the next charge. */
function periodEndOf(state: SubscriptionView): string | undefined {
  return state.current_period?.end ?? state.trial_end ?? state.next_charge_at;
}
