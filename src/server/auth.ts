import { createHash, timingSafeEqual } from 'node:crypto';
import type { AppMiddleware } from './context';
import { HttpError } from './errors';

const sha256 = (value: string) => createHash('sha256').update(value).digest();

/**
 * Requires `Authorization: Bearer <token>`. Both sides are hashed first so the comparison is constant-time whatever
 * the lengths.
 */
export function requireBearerToken(token: string): AppMiddleware {
  if (!token) throw new Error('requireBearerToken: the token must not be empty');
  const expected = sha256(token);
  return async (ctx, next) => {
    const match = /^Bearer +([^\s]+) *$/i.exec(ctx.get('authorization'));
    if (!match) {
      throw new HttpError(401, 'unauthorized', 'send the header Authorization: Bearer <API_TOKEN>', undefined, {
        'WWW-Authenticate': 'Bearer',
      });
    }
    if (!timingSafeEqual(sha256(match[1]), expected)) {
      throw new HttpError(401, 'unauthorized', 'the API token is not valid', undefined, {
        'WWW-Authenticate': 'Bearer error="invalid_token"',
      });
    }
    await next();
  };
}
