import { IDEMPOTENCY_KEY_PATTERN, IDEMPOTENCY_KEY_RULE } from '../idempotency';
import type { AppMiddleware } from './context';
import { HttpError } from './errors';

/**
 * Reads the optional `Idempotency-Key` header of a mutating route into ctx.state.idempotencyKey; 400 when it is
 * malformed (never echoed). What a key does: README, HTTP API, Idempotency.
 */
export function idempotencyKey(): AppMiddleware {
  return async (ctx, next) => {
    const header = ctx.headers['idempotency-key'];
    if (header !== undefined) {
      const value = Array.isArray(header) ? undefined : header;
      if (value === undefined || !IDEMPOTENCY_KEY_PATTERN.test(value)) {
        throw new HttpError(400, 'invalid_request', `the Idempotency-Key header must be ${IDEMPOTENCY_KEY_RULE}`, [
          { field: 'Idempotency-Key', message: `must be ${IDEMPOTENCY_KEY_RULE}` },
        ]);
      }
      ctx.state.idempotencyKey = value;
    }
    await next();
  };
}
