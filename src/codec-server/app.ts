/**
 * The codec server: Temporal UI's (and the CLI's `--codec-endpoint`) remote codec protocol, POST /encode and
 * POST /decode, over the same codec the worker and clients use, so operators with access see buyers' data decrypted
 * in Temporal UI while Temporal's database only holds ciphertext.
 *
 * Authentication, either of:
 * - `Authorization: Bearer <CODEC_SERVER_TOKEN>` (the CLI's `--codec-auth`, scripts, a proxy that adds it);
 * - the token as the first path segment, `/<token>/decode`: Temporal UI calls `<endpoint>/decode` and, configured
 *   by the Temporal server (the dev server's `--ui-codec-endpoint`, the UI's TEMPORAL_CODEC_ENDPOINT), sends no
 *   credential of its own, so its endpoint is `https://codec.example.com/<token>`. Whoever can open that UI can
 *   decode (as intended); nobody else can.
 * CORS: only the UI origins in CODEC_CORS_ORIGINS may call it from a browser. The token is compared in constant time
 * and never logged; request paths are not logged.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { bodyParser } from '@koa/bodyparser';
import type { PayloadCodec } from '@temporalio/common';
import Koa from 'koa';
import { fromJson, payloadsBodySchema, toJson } from './payloads-json';

export interface CodecAppOptions {
  codec: PayloadCodec;
  /** CODEC_SERVER_TOKEN (and the one being retired, during a rotation) */
  tokens: string[];
  /** browser origins allowed to call (Temporal UI's), e.g. https://temporal-ui.example.com */
  corsOrigins: string[];
  onError?: (error: unknown) => void;
}

const sha256 = (value: string) => createHash('sha256').update(value).digest();
const safeDecode = (segment: string) => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined; // a malformed %-escape is no token
  }
};
const ALLOWED_HEADERS = 'Authorization, Authorization-Extras, Content-Type, X-Namespace';

export function createCodecApp(options: CodecAppOptions): Koa {
  const expected = options.tokens.filter(Boolean).map(sha256);
  if (expected.length === 0) throw new Error('the codec server needs CODEC_SERVER_TOKEN');
  const origins = new Set(options.corsOrigins.map((o) => o.replace(/\/+$/, '')));
  const valid = (token: string | undefined) => {
    if (!token) return false;
    const offered = sha256(token);
    return expected.map((t) => timingSafeEqual(offered, t)).includes(true);
  };

  const app = new Koa();
  app.proxy = false;

  // CORS first, so even a 401 carries the headers the UI needs to read it.
  app.use(async (ctx, next) => {
    const origin = ctx.get('origin');
    if (origin && origins.has(origin)) {
      ctx.set('Access-Control-Allow-Origin', origin);
      ctx.set('Access-Control-Allow-Credentials', 'true');
      ctx.vary('Origin');
      if (ctx.method === 'OPTIONS') {
        ctx.set('Access-Control-Allow-Methods', 'POST, OPTIONS');
        ctx.set('Access-Control-Allow-Headers', ALLOWED_HEADERS);
        ctx.set('Access-Control-Max-Age', '600');
        ctx.status = 204;
        return;
      }
    } else if (ctx.method === 'OPTIONS') {
      ctx.status = origin ? 403 : 204;
      return;
    }
    await next();
  });

  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        ctx.status = status;
        ctx.body = {
          error: 'invalid_request',
          message: status === 413 ? 'the body must be at most 16 MB' : 'the body must be UTF-8 JSON',
        };
        return;
      }
      options.onError?.(error);
      ctx.status = 500;
      ctx.body = { error: 'internal_error', message: 'the codec server failed; see its log' };
    }
  });

  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: '16mb', encoding: 'utf-8' }));

  app.use(async (ctx) => {
    if (ctx.method === 'GET' && ctx.path === '/healthz') {
      ctx.body = { ok: true };
      return;
    }
    const match = /^(?:\/([^/]+))?\/(encode|decode)\/?$/.exec(ctx.path);
    if (!match) {
      ctx.status = 404;
      ctx.body = { error: 'not_found', message: 'POST /encode or /decode' };
      return;
    }
    const [, pathToken, operation] = match;
    const bearer = /^Bearer +(\S+) *$/i.exec(ctx.get('authorization'))?.[1];
    if (!valid(pathToken ? safeDecode(pathToken) : bearer)) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Bearer');
      ctx.body = { error: 'unauthorized', message: 'send Authorization: Bearer <CODEC_SERVER_TOKEN>' };
      return;
    }
    if (ctx.method !== 'POST') {
      ctx.status = 405;
      ctx.set('Allow', 'POST');
      ctx.body = { error: 'method_not_allowed', message: `use POST /${operation}` };
      return;
    }
    const parsed = payloadsBodySchema.safeParse(ctx.request.body);
    if (!parsed.success) {
      ctx.status = 400;
      ctx.body = {
        error: 'invalid_request',
        message: 'the body must be {"payloads": [{"metadata": {...base64}, "data": base64}]}',
        problems: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).slice(0, 10),
      };
      return;
    }
    const payloads = fromJson(parsed.data);
    try {
      const result =
        operation === 'encode' ? await options.codec.encode(payloads) : await options.codec.decode(payloads);
      ctx.body = toJson(result);
    } catch (error) {
      // A payload under an unknown key or altered: the operator needs to know which, not a 500.
      ctx.status = 422;
      ctx.body = { error: 'codec_failed', message: error instanceof Error ? error.message : String(error) };
    }
  });
  return app;
}
