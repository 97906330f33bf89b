/**
 * The requests a merchant makes about a subscription, as zod schemas: the HTTP server validates bodies with them and
 * SubscriptionClient validates again, so a merchant who embeds the client gets the same checks. They mirror what the
 * workflow accepts (workflows/commands.ts) so a bad request is refused here, with a message naming the field, rather
 * than by a workflow. No card data here: cards are the HTTP server's business (src/server/schemas.ts).
 */
import { z } from 'zod';
import { durationToMs, InvalidIntervalError, parseInterval } from '../workflows/calendar';
import { CUSTOMER_UID_MAX_LENGTH, MIN_EXACT_INTERVAL_MS, PLAN_NAME_MAX_LENGTH } from '../workflows/commands';
import { SUBSCRIPTION_ID_PATTERN, SUBSCRIPTION_ID_RULE } from '../workflows/ids';

export const DEFAULT_INTERVAL = 'P1M';

/** iamport's payment id: `imp_` and digits, at most 32 characters (PaymentAnnotation.imp_uid), e.g. imp_1234567890. */
export const IMP_UID_PATTERN = /^imp_[0-9]{1,28}$/;
export const IMP_UID_RULE = 'an iamport payment id: "imp_" and digits, at most 32 characters';
/** iamport's order id (at most 40 characters) in the alphabet our merchant_uids use (workflows/ids.ts). */
export const MERCHANT_UID_PATTERN = /^[A-Za-z0-9_-]{1,40}$/;
export const MERCHANT_UID_RULE = 'an iamport merchant_uid: 1 to 40 letters, digits, "_" or "-"';
export const MAX_RETRY_DELAYS = 10;
/** where a consent was given: portal, app, kakao, sms… */
export const CHANNEL_PATTERN = /^[A-Za-z0-9_.-]{1,40}$/;
export const CHANNEL_RULE = 'letters, digits, "_", "." or "-", e.g. portal, app, kakao';
/** Decree art. 20-2: consent counts within the 30 days before the change */
const CONSENT_WINDOW_MAX_MS = 30 * 86_400_000;
/** start_at and trial_end may lie at most this far ahead, which catches typos such as 2205. */
export const MAX_DAYS_AHEAD = 2 * 366;
/** start_at may lie this far in the past (clock skew between the merchant's server and this one). */
export const START_AT_TOLERANCE_MS = 5 * 60_000;

/** `is required` for a missing field, `must be <expected>` for a present one of the wrong type. */
export const requiredOr =
  (expected: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? 'is required' : `must be ${expected}`;

/** An object that rejects fields it does not know, so a typo (`intervall`) is an error, not silently ignored. */
export function strictObject<S extends z.core.$ZodLooseShape>(shape: S) {
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field(s): ${issue.keys.slice(0, 5).map(shortKey).join(', ')}`
        : issue.input === undefined
          ? 'is required'
          : 'must be an object',
  });
}

function shortKey(key: string): string {
  return JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);
}

const text = (max: number) =>
  z.string({ error: requiredOr('a string') }).max(max, { error: `must be at most ${max} characters` });

export const subscriptionIdSchema = z
  .string({ error: requiredOr('a string') })
  .regex(SUBSCRIPTION_ID_PATTERN, { error: `must be ${SUBSCRIPTION_ID_RULE}` });

export const customerUidSchema = text(CUSTOMER_UID_MAX_LENGTH)
  .min(1, { error: 'must not be empty' })
  .regex(/^\S+$/, { error: 'must not contain spaces' });

const planName = text(PLAN_NAME_MAX_LENGTH).refine((name) => name.trim() !== '', { error: 'must not be blank' });

const amount = z
  .number({ error: requiredOr('a number') })
  .int({ error: 'must be a whole number of KRW' })
  .positive({ error: 'must be greater than 0' });

const interval = text(40)
  .transform((value) => value.trim().toUpperCase())
  .superRefine((value, ctx) => {
    try {
      parseInterval(value, { minExactMs: MIN_EXACT_INTERVAL_MS });
    } catch (error) {
      if (!(error instanceof InvalidIntervalError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
    }
  });

const exactDuration = text(40)
  .transform((value) => value.trim().toUpperCase())
  .superRefine((value, ctx) => {
    try {
      durationToMs(value);
    } catch (error) {
      if (!(error instanceof InvalidIntervalError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
    }
  });

/** An ISO-8601 date-time with a zone (2025-03-01T09:00:00+09:00 or …Z), normalized to UTC. */
const dateTime = z
  .string({ error: requiredOr('an ISO-8601 date-time') })
  .max(40, { error: 'must be an ISO-8601 date-time such as 2025-03-01T09:00:00+09:00' })
  .pipe(
    z.iso.datetime({
      offset: true,
      error: 'must be an ISO-8601 date-time with a zone, e.g. 2025-03-01T09:00:00+09:00',
    }),
  )
  .transform((value) => new Date(value).toISOString());

export const planSchema = strictObject({
  name: planName,
  amount,
  interval: interval.optional(),
});

export const buyerSchema = strictObject({
  name: text(100).optional(),
  email: z
    .email({ error: 'must be an email address' })
    .max(100, { error: 'must be at most 100 characters' })
    .optional(),
  tel: text(20)
    .regex(/^[0-9+\- ]+$/, { error: 'must be a phone number (digits, "+", "-")' })
    .optional(),
});

export const dunningSchema = strictObject({
  retry_delays: z
    .array(exactDuration, { error: requiredOr('a list of ISO-8601 durations such as ["P1D", "P3D"]') })
    .max(MAX_RETRY_DELAYS, { error: `must hold at most ${MAX_RETRY_DELAYS} delays` }),
  final_action: z.enum(['cancel', 'unpaid'], { error: 'must be "cancel" or "unpaid"' }),
});

/** What starts a subscription (POST /subscriptions without its `card`). */
export const newSubscriptionFields = {
  subscription_id: subscriptionIdSchema.optional(),
  customer_uid: customerUidSchema,
  plan: planSchema,
  buyer: buyerSchema.optional(),
  start_at: dateTime.optional(),
  trial_end: dateTime.optional(),
  dunning: dunningSchema.optional(),
  /** true: start even when another running subscription bills the same customer_uid (refused otherwise) */
  allow_shared_customer_uid: z.boolean({ error: 'must be true or false' }).optional(),
  /** without consent to a price rise by its charge: `cancel` at the end of the paid period (default) or `keep_price` */
  on_missing_consent: z.enum(['cancel', 'keep_price'], { error: 'must be "cancel" or "keep_price"' }).optional(),
  /** the customer's consent to the trial's paid conversion, when the signup collected it (README: Korean rules) */
  trial_conversion_consent: strictObject({
    granted_at: dateTime,
    channel: text(40).regex(CHANNEL_PATTERN, { error: CHANNEL_RULE }),
  }).optional(),
};

/** Checks that need the clock: nothing in the past, nothing absurdly far ahead, a trial that ends after the start. */
export function checkSchedule(
  request: { start_at?: string; trial_end?: string; trial_conversion_consent?: { granted_at: string } },
  nowMs: number,
  ctx: z.core.$RefinementCtx,
): void {
  const consent = request.trial_conversion_consent;
  if (consent) {
    const path = ['trial_conversion_consent', 'granted_at'];
    const grantedMs = Date.parse(consent.granted_at);
    if (!request.trial_end) {
      ctx.addIssue({ code: 'custom', path: ['trial_conversion_consent'], message: 'needs a trial_end' });
    } else if (grantedMs < Date.parse(request.trial_end) - CONSENT_WINDOW_MAX_MS) {
      ctx.addIssue({
        code: 'custom',
        path,
        message:
          'counts only within the 30 days before trial_end (E-Commerce Act Decree art. 20-2): leave it out and ' +
          'the consent request goes out 30 days before the conversion',
      });
    }
    if (grantedMs > nowMs + START_AT_TOLERANCE_MS) {
      ctx.addIssue({ code: 'custom', path, message: 'must not be in the future' });
    }
  }
  const latest = nowMs + MAX_DAYS_AHEAD * 86_400_000;
  const startMs = request.start_at ? Date.parse(request.start_at) : nowMs;
  if (request.start_at && startMs < nowMs - START_AT_TOLERANCE_MS) {
    ctx.addIssue({ code: 'custom', path: ['start_at'], message: 'must not be in the past' });
  }
  if (startMs > latest) {
    ctx.addIssue({ code: 'custom', path: ['start_at'], message: `must be within ${MAX_DAYS_AHEAD} days from now` });
  }
  if (request.trial_end) {
    const trialEndMs = Date.parse(request.trial_end);
    if (trialEndMs <= startMs) {
      ctx.addIssue({ code: 'custom', path: ['trial_end'], message: 'must be after start_at (or after now)' });
    } else if (trialEndMs > latest) {
      ctx.addIssue({ code: 'custom', path: ['trial_end'], message: `must be within ${MAX_DAYS_AHEAD} days from now` });
    }
  }
}

export function newSubscriptionSchema(now: () => number = Date.now) {
  return strictObject(newSubscriptionFields).superRefine((request, ctx) => checkSchedule(request, now(), ctx));
}
export type NewSubscription = z.input<ReturnType<typeof newSubscriptionSchema>>;

export const cancelRequestSchema = strictObject({
  at_period_end: z.boolean({ error: 'must be true or false' }).optional(),
  refund: z.enum(['none', 'prorated', 'full'], { error: 'must be "none", "prorated" or "full"' }).optional(),
  /** the merchant states the latest charge's content is unused: a full refund within 7 days of it */
  withdrawal: z.boolean({ error: 'must be true or false' }).optional(),
  reason: text(200).optional(),
}).superRefine((request, ctx) => {
  if (request.at_period_end && (request.withdrawal || (request.refund && request.refund !== 'none'))) {
    ctx.addIssue({
      code: 'custom',
      path: ['at_period_end'],
      message: 'a refund comes with an immediate cancel: leave out at_period_end, or the refund',
    });
  }
  if (request.withdrawal && request.refund === 'prorated') {
    ctx.addIssue({ code: 'custom', path: ['refund'], message: 'a withdrawal refunds in full: leave refund out' });
  }
});

/** POST /subscriptions/:id/refunds */
export const refundRequestSchema = strictObject({
  imp_uid: z
    .string({ error: requiredOr('a string') })
    .regex(IMP_UID_PATTERN, { error: `must be ${IMP_UID_RULE}` })
    .optional(),
  amount: amount.optional(),
  reason: text(200).refine((reason) => reason.trim() !== '', { error: 'must not be blank' }),
});

/** The consent decision SubscriptionClient.consent takes. */
export const consentDecisionSchema = strictObject({
  change_id: text(40).min(1, { error: 'must not be empty' }),
  decision: z.enum(['granted', 'declined'], { error: 'must be "granted" or "declined"' }),
  channel: text(40).regex(CHANNEL_PATTERN, { error: CHANNEL_RULE }),
  at: dateTime,
});

/** POST /subscriptions/:id/consents: `granted_at` or `declined_at`. */
export const consentRequestSchema = strictObject({
  change_id: text(40).min(1, { error: 'must not be empty' }),
  channel: text(40).regex(CHANNEL_PATTERN, { error: CHANNEL_RULE }),
  granted_at: dateTime.optional(),
  declined_at: dateTime.optional(),
}).superRefine((request, ctx) => {
  if ((request.granted_at === undefined) === (request.declined_at === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['granted_at'], message: 'give exactly one of granted_at, declined_at' });
  }
});

export const planChangeSchema = strictObject({
  name: planName.optional(),
  amount: amount.optional(),
  interval: interval.optional(),
}).refine((change) => change.name !== undefined || change.amount !== undefined || change.interval !== undefined, {
  error: 'give at least one of name, amount, interval',
});

export const paymentMethodChangeSchema = strictObject({ customer_uid: customerUidSchema });

/** zod issues as `path: message` lines a user can act on; never the values that were sent. */
export interface FieldProblem {
  field: string;
  message: string;
}

export function describeIssues(error: z.ZodError, prefix: string[] = []): FieldProblem[] {
  return error.issues.slice(0, 10).map((issue) => ({
    field: formatPath([...prefix, ...issue.path]) || 'body',
    message: issue.message.length > 300 ? `${issue.message.slice(0, 300)}…` : issue.message,
  }));
}

function formatPath(path: PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i > 0 ? '.' : ''}${shortPathPart(String(part))}`))
    .join('');
}

function shortPathPart(part: string): string {
  return part.length > 40 ? `${part.slice(0, 40)}…` : part;
}

export function summarizeProblems(problems: FieldProblem[]): string {
  return problems.map((p) => `${p.field}: ${p.message}`).join('; ');
}
