import Router from '@koa/router';
import type { SandboxCore } from './core';
import { dashboardData } from './dashboard-data';
import { DASHBOARD_SCRIPT } from './dashboard-script';
import { renderDashboardLive, renderDashboardPage, type PageContext } from './dashboard-view';
import { NO_FAULTS } from './faults';
import type { ScheduleRunner } from './scheduler';

// Only what the page itself serves: its script, its inline styles, fetches to this origin.
const CSP = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'none'";

/**
 * The dashboard at the sandbox's root URL (mounted with the admin routes): `GET /` is the page, `GET
 * /__sandbox/dashboard` the same data as JSON, `GET /__sandbox/dashboard/live` the part the page polls.
 */
export function dashboardRoutes(core: SandboxCore, runner: ScheduleRunner): Router {
  const router = new Router();
  const page = (origin: string): PageContext => ({ url: origin, noFaults: { ...NO_FAULTS } });

  router.get('/', (ctx) => {
    ctx.set('Content-Security-Policy', CSP);
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = renderDashboardPage(dashboardData(core, runner), page(`${ctx.protocol}://${ctx.host}`));
  });

  router.get('/__sandbox/dashboard', (ctx) => {
    ctx.body = dashboardData(core, runner);
  });

  router.get('/__sandbox/dashboard/live', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = renderDashboardLive(dashboardData(core, runner), page(`${ctx.protocol}://${ctx.host}`));
  });

  router.get('/__sandbox/dashboard.js', (ctx) => {
    ctx.type = 'application/javascript; charset=utf-8';
    ctx.body = DASHBOARD_SCRIPT;
  });

  return router;
}
