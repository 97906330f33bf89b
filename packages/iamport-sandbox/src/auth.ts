import { randomBytes } from 'node:crypto';
import type { Middleware } from 'koa';
import type { AuthToken } from '../../../src/iamport/types';
import type { SandboxCore } from './core';
import { SandboxHttpError, unauthorized } from './envelope';

// iamport: a getToken call in the token's last minute gets the same token, extended by 5 minutes.
const LAST_MINUTE_SEC = 60;
const EXTENSION_SEC = 300;

/** POST /users/getToken: the same token until it expires, like iamport. */
export function issueToken(core: SandboxCore, key: unknown, secret: unknown): AuthToken {
  if (key !== core.config.apiKey || secret !== core.config.apiSecret) {
    throw new SandboxHttpError(401, -1, 'imp_key, imp_secret 인증에 실패하였습니다.');
  }
  const now = core.clock.nowSeconds();
  const current = core.state.token;
  if (current && current.expired_at > now) {
    if (current.expired_at - now <= LAST_MINUTE_SEC) current.expired_at += EXTENSION_SEC;
  } else {
    core.state.token = {
      access_token: randomBytes(20).toString('hex'),
      expired_at: now + core.config.tokenLifetimeSec,
    };
  }
  core.changed();
  const token = core.state.token!;
  return { access_token: token.access_token, expired_at: token.expired_at, now };
}

/** Accepts `Authorization: Bearer <t>`, the raw token without a scheme, and the legacy X-ImpTokenHeader. */
export function requireToken(core: SandboxCore): Middleware {
  return async (ctx, next) => {
    const header = ctx.get('authorization') || ctx.get('x-imptokenheader');
    const presented = header.replace(/^bearer\s+/i, '').trim();
    const token = core.state.token;
    if (!presented) throw unauthorized('Unauthorized: 인증 토큰이 전달되지 않았습니다.');
    if (!token || presented !== token.access_token || token.expired_at <= core.clock.nowSeconds()) {
      throw unauthorized('Unauthorized: 인증 토큰이 유효하지 않거나 만료되었습니다.');
    }
    await next();
  };
}
