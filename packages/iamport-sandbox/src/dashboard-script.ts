/**
 * The dashboard's only script, served from the sandbox itself (no CDN): it polls the server-rendered live part and
 * swaps it in, and sends the buttons' JSON to the admin routes. It builds no HTML of its own: messages go through
 * textContent, markup comes from the server's auto-escaping templates.
 */
export const DASHBOARD_SCRIPT = `'use strict';
(function () {
  var live = document.getElementById('live');
  var message = document.getElementById('message');
  var connection = document.getElementById('connection');
  var last = live.innerHTML;

  function refresh() {
    return fetch('/__sandbox/dashboard/live', { cache: 'no-store' })
      .then(function (res) {
        if (!res.ok) throw new Error('HTTP ' + res.status);
        return res.text();
      })
      .then(function (html) {
        if (html !== last) {
          live.innerHTML = html;
          last = html;
        }
        connection.textContent = 'Live: refreshed every second.';
      })
      .catch(function (err) {
        connection.textContent = 'Not connected (' + err.message + '); retrying.';
      });
  }

  function post(path, body) {
    message.textContent = '';
    return fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: body })
      .then(function (res) {
        return res.text().then(function (text) {
          if (!res.ok) {
            var detail = text;
            try { detail = JSON.parse(text).message || text; } catch (e) { /* not JSON */ }
            message.textContent = path + ': ' + detail;
          }
        });
      })
      .catch(function (err) { message.textContent = path + ': ' + err.message; })
      .then(refresh);
  }

  document.addEventListener('click', function (event) {
    var button = event.target.closest && event.target.closest('button[data-post]');
    if (!button) return;
    var body = button.getAttribute('data-body') || '{}';
    if (button.hasAttribute('data-next-schedule')) {
      var next = live.querySelector('[data-next-ms]');
      if (!next) { message.textContent = 'No pending schedule.'; return; }
      body = JSON.stringify({ set_ms: Number(next.getAttribute('data-next-ms')) });
    }
    button.disabled = true;
    post(button.getAttribute('data-post'), body).then(function () { button.disabled = false; });
  });

  document.getElementById('faults-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var text = event.target.elements.patch.value;
    try { JSON.parse(text); } catch (e) { message.textContent = 'Faults: not JSON (' + e.message + ')'; return; }
    post('/__sandbox/faults', text);
  });

  setInterval(refresh, 1000);
})();
`;
