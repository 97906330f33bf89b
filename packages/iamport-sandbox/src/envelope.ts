import type { Context } from 'koa';
import type { IamportEnvelope } from '../../../src/iamport/types';

/** Every iamport answer is `{code, message, response}`; business failures usually come as HTTP 200. */
export function respond<T>(ctx: Context, response: T, status = 200): void {
  ctx.status = status;
  ctx.body = { code: 0, message: '', response } satisfies IamportEnvelope<T>;
}

export function respondError(ctx: Context, status: number, code: number, message: string): void {
  ctx.status = status;
  ctx.body = { code, message, response: null } satisfies IamportEnvelope<never>;
}

/** Thrown by handlers; the error middleware turns it into an envelope with this HTTP status and code. */
export class SandboxHttpError extends Error {
  override name = 'SandboxHttpError';
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new SandboxHttpError(400, -1, message);
export const unauthorized = (message = 'Unauthorized') => new SandboxHttpError(401, -1, message);
export const notFound = (message: string) => new SandboxHttpError(404, 1, message);
/** HTTP 200 with a non-zero code: how iamport reports most business failures. */
export const businessError = (message: string, code = 1) => new SandboxHttpError(200, code, message);
