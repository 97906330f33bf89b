import { createHash, timingSafeEqual } from 'node:crypto';
import type { AppMiddleware } from './context';
import { HttpError } from './errors';

const sha256 = (value: string) => createHash('sha256').update(value).digest();

/**
 * Requires `Authorization: Bearer <token>` with one of `tokens` (API_TOKEN, and API_TOKEN_PREVIOUS during a rotation).
 * Both sides are hashed first so each comparison is constant-time whatever the lengths.
 */
export function requireBearerToken(...tokens: (string | undefined)[]): AppMiddleware {
  const accepted = tokens.filter((token): token is string => !!token);
  if (accepted.length === 0) throw new Error('requireBearerToken: the token must not be empty');
  const expected = accepted.map(sha256);
  return async (ctx, next) => {
    const match = /^Bearer +([^\s]+) *$/i.exec(ctx.get('authorization'));
    if (!match) {
      throw new HttpError(401, 'unauthorized', 'send the header Authorization: Bearer <API_TOKEN>', undefined, {
        'WWW-Authenticate': 'Bearer',
      });
    }
    const offered = sha256(match[1]);
    // every token is compared, so the time taken does not reveal which one matched
    const matches = expected.map((token) => timingSafeEqual(offered, token));
    if (!matches.includes(true)) {
      throw new HttpError(401, 'unauthorized', 'the API token is not valid', undefined, {
        'WWW-Authenticate': 'Bearer error="invalid_token"',
      });
    }
    await next();
  };
}
