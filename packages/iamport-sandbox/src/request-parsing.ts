import { z } from 'zod';
import { badRequest } from './envelope';

/**
 * Zod building blocks that accept both JSON and form-urlencoded bodies: form values arrive as strings, so
 * numbers and booleans are also accepted in their string form.
 */
export const stringish = z.union([z.string(), z.number().transform(String)]);

export const numberish = z.union([
  z.number(),
  z
    .string()
    .trim()
    .regex(/^-?\d+(\.\d+)?$/, 'expected a number')
    .transform(Number),
]);

export const integerish = numberish.pipe(z.number().int('expected an integer'));

export const booleanish = z.union([
  z.boolean(),
  z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1'),
]);

/** Optional text field; an empty form value counts as absent. */
export const optionalText = (max?: number) =>
  stringish
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .pipe(max === undefined ? z.string().optional() : z.string().max(max).optional());

/** Form bodies nest arrays as objects once they pass qs' array limit (`a[25][x]`): turn those back into arrays. */
export function arrayFromForm(value: unknown): unknown {
  if (typeof value === 'string' && value.trim().startsWith('[')) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length > 0 && entries.every(([k]) => /^\d+$/.test(k))) {
      return entries.sort(([a], [b]) => Number(a) - Number(b)).map(([, v]) => v);
    }
  }
  return value;
}

/** Parses or throws HTTP 400 with the envelope and a message naming the bad fields. */
export function parseRequest<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const details = result.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : 'body'}: ${issue.message}`)
    .join('; ');
  throw badRequest(`잘못된 요청입니다. (${details})`);
}

/** The parsed body as an object; a JSON array or scalar is a malformed request. */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('요청 본문은 객체여야 합니다.');
  return body as Record<string, unknown>;
}

/** A path parameter within iamport's length limit. */
export function pathParam(value: string | undefined, name: string, max: number): string {
  if (!value || value.length > max) throw badRequest(`${name}는 1~${max}자여야 합니다.`);
  return value;
}
