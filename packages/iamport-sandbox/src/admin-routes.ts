import Router from '@koa/router';
import { z } from 'zod';
import type { SandboxCore } from './core';
import { badRequest, notFound } from './envelope';
import { faultsPatchSchema } from './faults';
import { bodyObject, parseRequest } from './request-parsing';
import { routeRuleSchema, type RouteRules } from './route-rules';
import type { ScheduleRunner } from './scheduler';

const clockCommand = z.union([
  z.object({ advance_ms: z.number().int().min(0) }).strict(),
  z.object({ set_ms: z.number().int().min(0) }).strict(),
  z.object({ mode: z.enum(['real', 'frozen']) }).strict(),
]);

/** Test controls under /__sandbox, mounted only with the `admin` option. Answers are plain JSON, not envelopes. */
export function adminRoutes(core: SandboxCore, runner: ScheduleRunner, rules: RouteRules): Router {
  const router = new Router({ prefix: '/__sandbox' });
  const clockState = () => ({
    now_ms: core.clock.now(),
    frozen: core.clock.isFrozen(),
    next_scheduled_at_ms: runner.nextScheduledAt() ?? null,
  });

  router.get('/ledger', (ctx) => {
    ctx.body = core.state.ledger;
  });

  router.get('/clock', (ctx) => {
    ctx.body = clockState();
  });

  router.post('/clock', (ctx) => {
    const command = parseRequest(clockCommand, bodyObject(ctx.request.body));
    if ('advance_ms' in command) core.clock.advance(command.advance_ms);
    else if ('set_ms' in command) core.clock.set(command.set_ms);
    else if (command.mode === 'frozen') core.clock.freeze();
    else core.clock.followRealTime();
    ctx.body = clockState();
  });

  router.get('/faults', (ctx) => {
    ctx.body = core.faults.get();
  });

  router.post('/faults', (ctx) => {
    const patch = faultsPatchSchema.safeParse(bodyObject(ctx.request.body));
    if (!patch.success) throw badRequest(`invalid faults: ${issues(patch.error)}`);
    ctx.body = core.faults.set(patch.data);
  });

  router.get('/rules', (ctx) => {
    ctx.body = rules.list();
  });

  router.post('/rules', (ctx) => {
    const rule = routeRuleSchema.safeParse(bodyObject(ctx.request.body));
    if (!rule.success) throw badRequest(`invalid rule: ${issues(rule.error)}`);
    ctx.status = 201;
    ctx.body = rules.add(rule.data);
  });

  router.delete('/rules', (ctx) => {
    rules.clear();
    ctx.body = rules.list();
  });

  router.delete('/rules/:id', (ctx) => {
    if (!rules.remove(ctx.params.id)) throw notFound(`no rule ${ctx.params.id}`);
    ctx.body = rules.list();
  });

  router.post('/run-due', async (ctx) => {
    const before = core.state.ledger.charges.length;
    await runner.runDue();
    ctx.body = { executed: core.state.ledger.charges.slice(before).filter((c) => c.source === 'schedule') };
  });

  return router;
}

function issues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
}
