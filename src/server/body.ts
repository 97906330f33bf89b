import { bodyParser } from '@koa/bodyparser';
import type { z } from 'zod';
import { describeIssues, summarizeProblems } from '../subscription-requests';
import type { AppMiddleware } from './context';
import { HttpError, invalidRequest } from './errors';

export const BODY_LIMIT_BYTES = 32 * 1024;

const MEDIA_TYPES = { json: 'application/json', form: 'application/x-www-form-urlencoded' } as const;
type BodyType = keyof typeof MEDIA_TYPES;

/**
 * Reads a JSON (or form) body of at most 32 KB into ctx.request.body; an empty body reads as {}. Every way a body can
 * be broken (syntax, size, encoding, compression) is a 4xx whose message does not quote the body.
 */
export function readBody(...types: BodyType[]): AppMiddleware {
  const mediaTypes = types.map((type) => MEDIA_TYPES[type]);
  const parser = bodyParser({
    enableTypes: types,
    jsonLimit: BODY_LIMIT_BYTES,
    formLimit: BODY_LIMIT_BYTES,
    onError: (error) => {
      throw bodyError(error, types);
    },
  }) as unknown as AppMiddleware;
  return async (ctx, next) => {
    // No body (or an empty one) is fine: it reads as {}. A body of another type is not.
    if (ctx.request.length !== 0 && ctx.is(mediaTypes) === false) {
      throw new HttpError(415, 'unsupported_media_type', `send the body as ${mediaTypes.join(' or ')}`);
    }
    await parser(ctx, next);
  };
}

function bodyError(error: unknown, types: BodyType[]): HttpError {
  const status = (error as { status?: unknown }).status;
  if (status === 413) {
    return new HttpError(413, 'payload_too_large', `the body must be at most ${BODY_LIMIT_BYTES / 1024} KB`);
  }
  if (status === 415) {
    return new HttpError(415, 'unsupported_media_type', 'unsupported Content-Encoding or charset; send plain UTF-8');
  }
  return invalidRequest(types.includes('json') ? 'the body is not valid JSON' : 'the body could not be read');
}

/** The parsed body, or 400 naming every field that is wrong (never echoing what was sent). */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = describeIssues(result.error);
  throw invalidRequest(summarizeProblems(problems), problems);
}
