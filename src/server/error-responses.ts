import { BillingKeyError } from '../billing-key';
import { SubscriptionError } from '../client-errors';
import type { AppMiddleware } from './context';
import { HttpError } from './errors';

/** Turns every failure into the JSON error shape. Bad input is always a 4xx; a 500 means a bug, and is logged. */
export function errorResponses(): AppMiddleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const answer = toHttpError(error);
      if (answer.code === 'internal_error') {
        ctx.state.logger.error('request failed', { err: describeError(error) });
      } else if (answer.status >= 500 && !(error instanceof HttpError)) {
        ctx.state.logger.warn('a service this request needs is unavailable', {
          code: answer.code,
          cause: causeOf(error),
        });
      }
      ctx.status = answer.status;
      ctx.set(answer.headers);
      ctx.body = answer.toBody();
    }
  };
}

export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof SubscriptionError) {
    switch (error.code) {
      case 'invalid_request':
        return new HttpError(400, 'invalid_request', error.message, error.problems);
      case 'not_found':
        return new HttpError(404, 'not_found', error.message);
      case 'already_exists':
        return new HttpError(409, 'already_exists', error.message);
      case 'conflict':
        return new HttpError(409, 'conflict', error.message);
      case 'idempotency_conflict':
        return new HttpError(409, 'idempotency_key_reused', error.message);
      case 'customer_uid_in_use':
        return new HttpError(409, 'customer_uid_in_use', error.message, error.problems);
      case 'unavailable':
        return new HttpError(503, 'temporal_unavailable', error.message, undefined, { 'Retry-After': '5' });
    }
  }
  if (error instanceof BillingKeyError) {
    switch (error.code) {
      case 'card_declined':
        return new HttpError(402, 'card_declined', error.message);
      case 'no_billing_key':
        return new HttpError(400, 'invalid_request', `customer_uid: ${error.message}`, [
          { field: 'customer_uid', message: error.message },
        ]);
      case 'gateway_unavailable':
        return new HttpError(503, 'payment_gateway_unavailable', error.message, undefined, { 'Retry-After': '5' });
      case 'gateway_error':
        return new HttpError(502, 'payment_gateway_error', error.message);
    }
  }
  // A path with a broken %-escape fails to decode in the router.
  if (error instanceof URIError) return new HttpError(400, 'invalid_request', 'the URL is not correctly encoded');
  const status = (error as { status?: unknown } | undefined)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Koa's own client errors; their messages may quote the request, so only the status is kept.
    return new HttpError(status, 'invalid_request', `the request was refused (HTTP ${status})`);
  }
  return new HttpError(500, 'internal_error', 'internal error');
}

/** Name, message and stack only: an error object may hold the request that caused it. */
function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { value: String(error).slice(0, 200) };
  return { name: error.name, message: error.message, stack: error.stack };
}

/** What a dependency answered (e.g. Temporal's gRPC status), short: why a 503 happened, for the operator. */
function causeOf(error: unknown): string | undefined {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  if (!(cause instanceof Error)) return undefined;
  const grpcCode = (cause as { code?: unknown }).code ?? (cause.cause as { code?: unknown } | undefined)?.code;
  const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : '';
  return `${cause.name}${typeof grpcCode === 'number' ? ` (gRPC ${grpcCode})` : ''}: ${cause.message}${inner}`.slice(
    0,
    300,
  );
}
