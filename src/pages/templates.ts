/**
 * The pages' HTML, as Handlebars templates: `{{value}}` is HTML-escaped, and no template uses the unescaped form
 * except `{{{body}}}`, which is the output of another template of this file. Templates live in this module (not in
 * .hbs files) so the compiled dist/ needs no copy step.
 */
import Handlebars from 'handlebars';
import type { Messages } from './i18n';

const hbs = Handlebars.create();

hbs.registerPartial(
  'cardFields',
  `{{#each cardFields}}
<div class="field{{#if error}} invalid{{/if}}">
  <label for="{{name}}">{{label}}</label>
  <p class="hint" id="{{name}}-hint">{{hint}}</p>
  <input id="{{name}}" name="{{name}}" type="{{type}}" inputmode="numeric" autocomplete="{{autocomplete}}"
    maxlength="{{maxlength}}" required aria-describedby="{{name}}-hint{{#if error}} {{name}}-error{{/if}}"
    {{#if error}}aria-invalid="true"{{/if}} spellcheck="false" autocapitalize="off">
  {{#if error}}<p class="error" id="{{name}}-error">{{error}}</p>{{/if}}
</div>
{{/each}}`,
);

hbs.registerPartial(
  'alert',
  `{{#if alert}}<div class="alert" role="alert" id="form-alert" tabindex="-1">
  <p><strong>{{alert.title}}</strong></p>{{#each alert.lines}}<p>{{this}}</p>{{/each}}
</div>{{/if}}`,
);

const layout = hbs.compile(`<!doctype html>
<html lang="{{m.htmlLang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{title}}</title>
<link rel="stylesheet" href="{{stylesheet}}">
</head>
<body>
<header class="top"><a class="lang" href="{{otherLangHref}}" lang="{{m.otherLang.code}}">{{m.otherLang.label}}</a></header>
<main>
{{{body}}}
</main>
</body>
</html>
`);

const checkout = hbs.compile(`<h1>{{m.checkoutTitle}}</h1>
{{> alert}}
<section class="card" aria-labelledby="plan-name">
  <h2 id="plan-name">{{plan.name}}</h2>
  <dl class="facts">
    <div><dt>{{m.price}}</dt><dd>{{plan.price}}</dd></div>
    <div><dt>{{m.cycle}}</dt><dd>{{plan.interval}}</dd></div>
    {{#if plan.trialEnd}}<div><dt>{{m.trialUntil}}</dt><dd>{{plan.trialEnd}}</dd></div>{{/if}}
    <div><dt>{{m.firstCharge}}</dt><dd>{{plan.firstCharge}}</dd></div>
  </dl>
  <h3>{{m.autoRenewHeading}}</h3>
  <p>{{terms}}</p>
  <p>{{m.howToCancel}}</p>
</section>
<form method="post" action="{{action}}" novalidate>
  <input type="hidden" name="csrf" value="{{csrf}}">
  <fieldset>
    <legend>{{m.cardHeading}}</legend>
    {{> cardFields}}
    <p class="note">{{m.cardPrivacy}}</p>
  </fieldset>
  <div class="field consent{{#if consentError}} invalid{{/if}}">
    <input type="checkbox" id="consent" name="consent" value="yes" required{{#if consentChecked}} checked{{/if}}
      {{#if consentError}}aria-invalid="true" aria-describedby="consent-error"{{/if}}>
    <label for="consent">{{m.consent}}</label>
    {{#if consentError}}<p class="error" id="consent-error">{{consentError}}</p>{{/if}}
  </div>
  <button type="submit">{{m.subscribe}}</button>
</form>
<p class="secondary"><a href="{{cancelUrl}}">{{m.cancelCheckout}}</a></p>
`);

const portal = hbs.compile(`<h1>{{m.portalTitle}}</h1>
{{#if notice}}<div class="notice" role="status"><p>{{notice}}</p></div>{{/if}}
{{> alert}}
<section class="card" aria-labelledby="plan-name">
  <h2 id="plan-name">{{plan.name}}</h2>
  <dl class="facts">
    <div><dt>{{m.status}}</dt><dd><span class="badge badge-{{statusCode}}">{{status}}</span></dd></div>
    <div><dt>{{m.price}}</dt><dd>{{plan.price}} · {{plan.interval}}</dd></div>
    {{#if period}}<div><dt>{{m.currentPeriod}}</dt><dd>{{period}}</dd></div>{{/if}}
    <div><dt>{{m.nextCharge}}</dt><dd>{{nextCharge}}</dd></div>
  </dl>
  {{#if cancelScheduled}}<p class="warning">{{cancelScheduled}}</p>{{/if}}
  {{#if consentPending}}<p class="warning">{{consentPending}}</p>
  <p><a class="button" href="{{links.consent}}">{{m.consentLink}}</a></p>{{/if}}
</section>
<section aria-labelledby="history-h">
  <h2 id="history-h">{{m.history}}</h2>
  {{#if payments.length}}
  <div class="table-wrap" role="region" aria-labelledby="history-h" tabindex="0">
  <table>
    <thead><tr><th scope="col">{{m.date}}</th><th scope="col">{{m.amount}}</th><th scope="col">{{m.result}}</th><th scope="col">{{m.receipt}}</th></tr></thead>
    <tbody>
    {{#each payments}}
      <tr><td>{{at}}</td><td>{{amount}}</td><td>{{outcome}}{{#if reason}}<br><span class="small">{{reason}}</span>{{/if}}</td>
      <td>{{#if receiptUrl}}<a href="{{receiptUrl}}" rel="noopener noreferrer" target="_blank">{{../m.receiptLink}}</a>{{else}}–{{/if}}</td></tr>
    {{/each}}
    </tbody>
  </table>
  </div>
  {{else}}<p>{{m.historyEmpty}}</p>{{/if}}
</section>
{{#if live}}
<section aria-labelledby="actions-h">
  <h2 id="actions-h">{{m.actions}}</h2>
  <p><a class="button secondary-button" href="{{links.card}}">{{m.changeCard}}</a></p>
  {{#if paused}}
  <form method="post" action="{{links.resume}}">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <p>{{m.resumeExplain}}</p>
    <button type="submit">{{m.resume}}</button>
  </form>
  {{/if}}
  {{#if cancelScheduledFlag}}
  <form method="post" action="{{links.undoCancel}}">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <button type="submit" class="secondary-button">{{m.undoCancel}}</button>
  </form>
  {{else}}
  <p><a class="button secondary-button" href="{{links.cancelAtEnd}}">{{m.cancelAtEnd}}</a></p>
  {{/if}}
  <p><a class="button danger-link" href="{{links.cancelNow}}">{{m.cancelNow}}</a></p>
</section>
{{/if}}
{{#if returnUrl}}<p class="secondary"><a href="{{returnUrl}}">{{m.returnToMerchant}}</a></p>{{/if}}
`);

const confirmCancel = hbs.compile(`<h1>{{m.confirmCancelTitle}}</h1>
{{> alert}}
<section class="card">
  <h2>{{heading}}</h2>
  <p>{{explanation}}</p>
  {{#if refund}}<p class="warning" id="refund-preview">{{refund}}</p>{{/if}}
</section>
<form method="post" action="{{action}}">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <input type="hidden" name="when" value="{{when}}">
  <button type="submit" class="danger">{{m.confirmCancel}}</button>
</form>
<p class="secondary"><a href="{{backUrl}}">{{m.keepSubscription}}</a></p>
`);

const consent = hbs.compile(`<h1>{{m.consentTitle}}</h1>
{{> alert}}
<section class="card" aria-labelledby="consent-what">
  <h2 id="consent-what">{{what}}</h2>
  <dl class="facts">
    <div><dt>{{m.consentWhen}}</dt><dd>{{when}}</dd></div>
    <div><dt>{{m.consentBefore}}</dt><dd>{{before}}</dd></div>
    <div><dt>{{m.consentAfter}}</dt><dd>{{after}}</dd></div>
    <div><dt>{{m.consentCard}}</dt><dd>{{card}}</dd></div>
  </dl>
  <p>{{ifNot}}</p>
  <p>{{m.consentHowToCancel}}</p>
</section>
<form method="post" action="{{action}}">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <input type="hidden" name="change_id" value="{{changeId}}">
  <button type="submit" name="decision" value="granted">{{m.consentGrant}}</button>
  <button type="submit" name="decision" value="declined" class="secondary-button">{{m.consentDecline}}</button>
</form>
<p class="secondary"><a href="{{backUrl}}">{{m.back}}</a></p>
`);

const changeCard = hbs.compile(`<h1>{{m.changeCardTitle}}</h1>
{{> alert}}
<p>{{m.changeCardExplain}}</p>
<form method="post" action="{{action}}" novalidate>
  <input type="hidden" name="csrf" value="{{csrf}}">
  <fieldset>
    <legend>{{m.cardHeading}}</legend>
    {{> cardFields}}
    <p class="note">{{m.cardPrivacy}}</p>
  </fieldset>
  <button type="submit">{{m.changeCardSubmit}}</button>
</form>
<p class="secondary"><a href="{{backUrl}}">{{m.back}}</a></p>
`);

const message = hbs.compile(`<h1>{{heading}}</h1>
<div class="alert" role="alert"><p>{{text}}</p></div>
{{#if backUrl}}<p class="secondary"><a href="{{backUrl}}">{{m.back}}</a></p>{{/if}}
`);

export const TEMPLATES = { checkout, portal, confirmCancel, consent, changeCard, message };
export type TemplateName = keyof typeof TEMPLATES;

export interface PageFrame {
  m: Messages;
  title: string;
  stylesheet: string;
  otherLangHref: string;
}

export function renderPage(name: TemplateName, frame: PageFrame, view: object): string {
  const body = TEMPLATES[name]({ m: frame.m, ...view });
  return layout({ ...frame, body });
}
