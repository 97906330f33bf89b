import { Eta } from 'eta';
import type { DashboardData } from './dashboard-data';

/**
 * The dashboard's HTML, rendered on the server by Eta with auto-escaping (`<%= %>` escapes; `<%~ %>` only includes
 * other templates). The page polls the `@live` part (clock, faults, tables) and swaps it in; controls stay put.
 */
const eta = new Eta({ autoEscape: true, useWith: false, cache: true });

const KST_OFFSET_MS = 9 * 3600_000;

/** Sandbox ms as Korean time (iamport's console shows KST; Korea has no daylight saving). */
export function kst(msValue: number | null | undefined): string {
  if (!msValue) return '';
  return new Date(msValue + KST_OFFSET_MS).toISOString().replace('T', ' ').slice(0, 19);
}

const won = (amount: number) => `₩${amount.toLocaleString('en-US')}`;

export const FAULT_PRESETS: { label: string; patch: Record<string, unknown> }[] = [
  { label: 'No faults', patch: {} },
  { label: 'API: 30 % HTTP 500', patch: { failBeforeRate: 0.3 } },
  { label: 'API: 30 % answers lost', patch: { failAfterRate: 0.3 } },
  { label: 'API: 2 s latency', patch: { latencyMs: 2000 } },
  { label: 'Webhooks dropped', patch: { webhookDropRate: 1 } },
  { label: 'Webhooks twice', patch: { webhookCopies: 2 } },
];

const CLOCK_STEPS: { label: string; ms: number }[] = [
  { label: '+1 hour', ms: 3600_000 },
  { label: '+1 day', ms: 86_400_000 },
  { label: '+7 days', ms: 7 * 86_400_000 },
  { label: '+30 days', ms: 30 * 86_400_000 },
];

eta.loadTemplate(
  '@live',
  `<section id="clock" aria-label="clock">
  <p>Sandbox time <strong data-now-ms="<%= it.d.now_ms %>"><%= it.kst(it.d.now_ms) %> KST</strong>
    (<%= it.d.frozen ? 'frozen' : 'running' %>)<% if (it.d.next_scheduled_at_ms) { %>;
    next schedule at <strong data-next-ms="<%= it.d.next_scheduled_at_ms %>"><%= it.kst(it.d.next_scheduled_at_ms) %></strong><% } else { %>; no pending schedule<% } %>.</p>
  <p>Faults now: <code id="faults-now"><%= it.faultsNow %></code></p>
</section>

<h2>Billing keys <small>(<%= it.d.billing_keys.length %>)</small></h2>
<table id="billing-keys">
  <thead><tr><th>customer_uid</th><th>card</th><th>PG</th><th>charges</th><th>issued</th><th>updated</th></tr></thead>
  <tbody>
  <% it.d.billing_keys.forEach(function (k) { %>
    <tr><td><code><%= k.customer_uid %></code></td><td><%= k.card_name %> <%= k.card_number %></td><td><%= k.pg %></td>
      <td class="num"><%= k.charges %></td><td><%= it.kst(k.inserted_ms) %></td><td><%= it.kst(k.updated_ms) %></td></tr>
  <% }) %>
  <% if (!it.d.billing_keys.length) { %><tr><td colspan="6" class="empty">none yet</td></tr><% } %>
  </tbody>
</table>

<h2>Schedules <small>(<%= it.d.schedules.length %>)</small></h2>
<table id="schedules">
  <thead><tr><th>schedule_at</th><th>merchant_uid</th><th>customer_uid</th><th>amount</th><th>schedule</th><th>payment</th><th>imp_uid</th><th>fail_reason</th></tr></thead>
  <tbody>
  <% it.d.schedules.forEach(function (s) { %>
    <tr class="<%= s.schedule_status %> <%= s.payment_status || '' %>"><td><%= it.kst(s.schedule_at_ms) %></td><td><code><%= s.merchant_uid %></code></td>
      <td><code><%= s.customer_uid %></code></td><td class="num"><%= it.won(s.amount) %></td>
      <td><span class="badge <%= s.schedule_status %>"><%= s.schedule_status %></span></td>
      <td><% if (s.payment_status) { %><span class="badge <%= s.payment_status %>"><%= s.payment_status %></span><% } %></td>
      <td><code><%= s.imp_uid || '' %></code></td><td><%= s.fail_reason || '' %></td></tr>
  <% }) %>
  <% if (!it.d.schedules.length) { %><tr><td colspan="8" class="empty">none yet</td></tr><% } %>
  </tbody>
</table>

<h2>Payments <small>(<%= it.d.payments.length %>)</small></h2>
<table id="payments">
  <thead><tr><th>at</th><th>imp_uid</th><th>merchant_uid</th><th>customer_uid</th><th>amount</th><th>refunded</th><th>status</th><th>via</th><th>fail_reason</th></tr></thead>
  <tbody>
  <% it.d.payments.forEach(function (p) { %>
    <tr class="<%= p.status %>"><td><%= it.kst(p.at_ms) %></td><td><code><%= p.imp_uid %></code></td><td><code><%= p.merchant_uid %></code></td>
      <td><code><%= p.customer_uid || '' %></code></td><td class="num"><%= it.won(p.amount) %></td>
      <td class="num"><%= p.cancel_amount ? it.won(p.cancel_amount) : '' %></td>
      <td><span class="badge <%= p.status %>"><%= p.status %></span></td><td><%= p.via %></td>
      <td><%= p.fail_reason || '' %></td></tr>
  <% }) %>
  <% if (!it.d.payments.length) { %><tr><td colspan="9" class="empty">none yet</td></tr><% } %>
  </tbody>
</table>

<h2>Refunds <small>(<%= it.d.refunds.length %>)</small></h2>
<table id="refunds">
  <thead><tr><th>at</th><th>imp_uid</th><th>merchant_uid</th><th>amount</th><th>full</th><th>reason</th></tr></thead>
  <tbody>
  <% it.d.refunds.forEach(function (r) { %>
    <tr><td><%= it.kst(r.at_ms) %></td><td><code><%= r.imp_uid %></code></td><td><code><%= r.merchant_uid %></code></td>
      <td class="num"><%= it.won(r.amount) %></td><td><%= r.full ? 'yes' : 'partial' %></td><td><%= r.reason %></td></tr>
  <% }) %>
  <% if (!it.d.refunds.length) { %><tr><td colspan="6" class="empty">none yet</td></tr><% } %>
  </tbody>
</table>

<h2>Webhook deliveries <small>(<%= it.d.webhooks.length %>)</small></h2>
<table id="webhooks">
  <thead><tr><th>at</th><th>delivery</th><th>imp_uid</th><th>merchant_uid</th><th>status</th><th>to</th><th>answer</th></tr></thead>
  <tbody>
  <% it.d.webhooks.forEach(function (w) { %>
    <tr class="<%= w.kind %>"><td><%= it.kst(w.at_ms) %></td><td><%= w.kind %><%= w.forgery ? ' (' + w.forgery + ')' : '' %></td>
      <td><code><%= w.imp_uid %></code></td><td><code><%= w.merchant_uid %></code></td><td><%= w.status %></td><td><code><%= w.url %></code></td>
      <td><% if (w.http_status !== null) { %><span class="badge <%= w.http_status < 300 ? 'paid' : 'failed' %>">HTTP <%= w.http_status %></span><% } %><%= w.error ? ' ' + w.error : '' %><%= w.kind === 'dropped' ? 'not sent' : '' %></td></tr>
  <% }) %>
  <% if (!it.d.webhooks.length) { %><tr><td colspan="7" class="empty">none yet</td></tr><% } %>
  </tbody>
</table>`,
);

eta.loadTemplate(
  '@page',
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>iamport sandbox</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1b1f24; }
  h1 { font-size: 1.4rem; margin: 0 0 .25rem; } h2 { font-size: 1.1rem; margin: 1.5rem 0 .4rem; }
  small, .empty { color: #57606a; }
  table { border-collapse: collapse; width: 100%; }
  th, td { border-bottom: 1px solid #d0d7de; padding: .25rem .5rem; text-align: left; vertical-align: top; }
  th { background: #f6f8fa; font-weight: 600; } td.num { text-align: right; white-space: nowrap; }
  code { font-size: 12px; } .controls { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; }
  .controls fieldset { border: 1px solid #d0d7de; border-radius: 6px; padding: .4rem .6rem; }
  button { font: inherit; padding: .2rem .6rem; cursor: pointer; }
  .badge { border-radius: 1em; padding: 0 .5em; background: #eaeef2; }
  .badge.paid, .badge.executed { background: #dafbe1; color: #116329; }
  .badge.failed, .badge.revoked { background: #ffebe9; color: #a40e26; }
  .badge.cancelled { background: #fff8c5; color: #7d4e00; }
  #message { min-height: 1.4em; color: #a40e26; } #connection { color: #57606a; } #faults-now { word-break: break-all; }
  textarea { font: 12px monospace; width: 28rem; max-width: 100%; }
</style>
</head>
<body>
<h1>iamport sandbox</h1>
<p>A local iamport V1 API at <code><%= it.url %></code>: a test double, no real money or card ever reaches it.
  Times are KST. <span id="connection"></span></p>
<div class="controls">
  <fieldset><legend>Clock</legend>
    <% it.clockSteps.forEach(function (step) { %><button type="button" data-post="/__sandbox/clock" data-body="<%= JSON.stringify({ advance_ms: step.ms }) %>"><%= step.label %></button>
    <% }) %><button type="button" data-post="/__sandbox/clock" data-next-schedule>to next schedule</button>
    <button type="button" data-post="/__sandbox/clock" data-body="<%= JSON.stringify({ mode: 'frozen' }) %>">freeze</button>
    <button type="button" data-post="/__sandbox/clock" data-body="<%= JSON.stringify({ mode: 'real' }) %>">follow real time</button>
  </fieldset>
  <fieldset><legend>Schedules</legend>
    <button type="button" data-post="/__sandbox/run-due" data-body="{}">Run due schedules</button>
  </fieldset>
  <fieldset><legend>Faults</legend>
    <% it.presets.forEach(function (preset) { %><button type="button" data-post="/__sandbox/faults" data-body="<%= JSON.stringify(Object.assign({}, it.noFaults, preset.patch)) %>"><%= preset.label %></button>
    <% }) %>
    <form id="faults-form"><label>Any setting (JSON, see README):<br>
      <textarea name="patch" rows="2"><%= it.faultsNow %></textarea></label><br><button type="submit">Apply faults</button></form>
  </fieldset>
</div>
<p id="message" role="status"></p>
<main id="live"><%~ include('@live', it) %></main>
<script src="/__sandbox/dashboard.js"></script>
</body>
</html>`,
);

export interface PageContext {
  url: string;
  noFaults: Record<string, unknown>;
}

function context(data: DashboardData, page: PageContext) {
  return {
    ...page,
    d: data,
    kst,
    won,
    faultsNow: JSON.stringify(data.faults),
    presets: FAULT_PRESETS,
    clockSteps: CLOCK_STEPS,
  };
}

export function renderDashboardPage(data: DashboardData, page: PageContext): string {
  return eta.render('@page', context(data, page));
}

export function renderDashboardLive(data: DashboardData, page: PageContext): string {
  return eta.render('@live', context(data, page));
}
