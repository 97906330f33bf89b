import type { Middleware } from 'koa';
import { z } from 'zod';
import type { SandboxCore } from './core';
import type { HangingRequests } from './fault-middleware';

/**
 * Per-route answer rules and latency: one mechanism for "this route answers 403 with a proxy page for the next two
 * requests" and "this route takes 5 s, and its effect lands after the client gave up". A rule matches a method and a
 * path (exact, or a template such as /payments/:imp_uid), for its next `times` requests and/or `for_ms` of real time.
 *
 * - latency_ms: the request waits before the route runs; the route still runs when the client has disconnected
 *   meanwhile, so a registration lands after the caller timed out (the sandbox closing ends the wait early).
 * - answer: the route does not run (nothing happens) and this answer is sent instead; with `after_effect` the route
 *   runs first (it happens) and its answer is replaced ("done, but the caller saw an error page").
 *
 * The first matching rule (in the order they were added) applies; a rule whose `times` are used up or whose window
 * has passed is removed. Rules run before the rate-based faults (faults.ts), which still apply after them.
 */
const millis = z.number().int().min(0).max(3_600_000);
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', '*'] as const;

const answerSchema = z
  .object({
    status: z.number().int().min(200).max(599),
    /** sent as application/json (e.g. an iamport envelope, or a WAF's JSON) */
    json: z.unknown().optional(),
    /** sent as is, e.g. a proxy's HTML page */
    text: z.string().max(100_000).optional(),
    /** default text/html for `text` */
    content_type: z
      .string()
      .regex(/^[\w.+-]+\/[\w.+-]+(;\s*[\w-]+=[\w.-]+)?$/, 'a media type such as text/html')
      .optional(),
    after_effect: z.boolean().default(false),
  })
  .strict()
  .refine((answer) => answer.json === undefined || answer.text === undefined, {
    message: 'give json or text, not both',
  });

export const routeRuleSchema = z
  .object({
    method: z
      .string()
      .transform((m) => m.toUpperCase())
      .pipe(z.enum(METHODS))
      .default('*'),
    path: z
      .string()
      .max(200)
      .regex(/^(\/(:[A-Za-z_]\w*|[\w.~%@!$&'()*+,;=-]*))+$/, 'an absolute path, segments may be :params'),
    answer: answerSchema.optional(),
    latency_ms: millis.optional(),
    /** apply to the next N matching requests; default: until removed (or for_ms has passed) */
    times: z.number().int().min(1).max(1_000_000).optional(),
    /** apply for this long (real milliseconds from now); default: until removed (or times are used up) */
    for_ms: millis.min(1).optional(),
  })
  .strict()
  .refine((rule) => rule.answer !== undefined || (rule.latency_ms ?? 0) > 0, {
    message: 'a rule needs an answer or a latency_ms',
  });

export type SandboxRuleInput = z.input<typeof routeRuleSchema>;
type ParsedRule = z.output<typeof routeRuleSchema>;

export interface SandboxRule extends ParsedRule {
  id: string;
  /** requests left; absent = unlimited */
  remaining?: number;
  /** real time, unix ms, after which the rule is gone; absent = no window */
  expires_at_ms?: number;
  /** requests this rule has applied to */
  hits: number;
}

export class RouteRules {
  private rules: (SandboxRule & { pattern: RegExp })[] = [];
  private nextId = 1;

  constructor(private readonly now: () => number = Date.now) {}

  /** Validates (throws a ZodError on bad input) and appends the rule. */
  add(input: SandboxRuleInput): SandboxRule {
    const parsed = routeRuleSchema.parse(input);
    const rule: SandboxRule & { pattern: RegExp } = {
      ...parsed,
      id: `rule_${this.nextId++}`,
      remaining: parsed.times,
      expires_at_ms: parsed.for_ms === undefined ? undefined : this.now() + parsed.for_ms,
      hits: 0,
      pattern: pathPattern(parsed.path),
    };
    this.rules.push(rule);
    return view(rule);
  }

  list(): SandboxRule[] {
    this.expire();
    return this.rules.map(view);
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((rule) => rule.id !== id);
    return this.rules.length < before;
  }

  clear(): void {
    this.rules = [];
  }

  /** The rule that applies to this request, counted as used; undefined when none matches. */
  take(method: string, path: string): SandboxRule | undefined {
    this.expire();
    const rule = this.rules.find((r) => (r.method === '*' || r.method === method) && r.pattern.test(path));
    if (!rule) return undefined;
    rule.hits += 1;
    if (rule.remaining !== undefined) {
      rule.remaining -= 1;
      if (rule.remaining <= 0) this.remove(rule.id);
    }
    return view(rule);
  }

  private expire(): void {
    const now = this.now();
    this.rules = this.rules.filter((rule) => rule.expires_at_ms === undefined || rule.expires_at_ms > now);
  }
}

function view({ pattern: _pattern, ...rule }: SandboxRule & { pattern: RegExp }): SandboxRule {
  return structuredClone(rule);
}

function pathPattern(template: string): RegExp {
  const segments = template
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${segments.join('/')}$`);
}

export function routeRulesMiddleware(core: SandboxCore, rules: RouteRules, hangs: HangingRequests): Middleware {
  return async (ctx, next) => {
    const rule = rules.take(ctx.method, ctx.path);
    if (!rule) return next();
    core.logger.info('rule applies', { rule: rule.id, method: ctx.method, path: ctx.path });
    if (rule.latency_ms) await hangs.hold(rule.latency_ms);
    const answer = rule.answer;
    if (!answer) return next();
    if (answer.after_effect) {
      try {
        await next();
      } catch {
        // the effect (or its refusal) happened; the caller sees the rule's answer either way
      }
    }
    ctx.status = answer.status;
    if (answer.text !== undefined) {
      ctx.type = answer.content_type ?? 'text/html';
      ctx.body = answer.text;
    } else if (answer.json !== undefined) {
      ctx.type = answer.content_type ?? 'application/json';
      ctx.body = JSON.stringify(answer.json);
    } else {
      ctx.body = null;
    }
    ctx.status = answer.status;
  };
}
