import type { IncomingMessage } from 'node:http';
import type { AppMiddleware } from './context';
import { HttpError } from './errors';

/**
 * The address a request came from. Behind your own reverse proxy (TRUST_PROXY=true) that is the last entry of
 * X-Forwarded-For, the one the proxy appended; the entries before it are whatever the client claimed. Without a
 * proxy the header is ignored: anyone can send it.
 */
export function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const entries = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',');
    const last = entries
      .map((entry) => entry.trim())
      .filter(Boolean)
      .pop();
    if (last) return normalizeIp(last);
  }
  return normalizeIp(req.socket.remoteAddress ?? '');
}

/** `::ffff:1.2.3.4` (IPv4 on a dual-stack socket) is 1.2.3.4. */
export function normalizeIp(ip: string): string {
  return ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
}

/** 403 unless the client's address is listed; `allowed` undefined lets everyone through. */
export function allowOnlyFrom(allowed: string[] | undefined, trustProxy: boolean): AppMiddleware {
  if (!allowed) return (_ctx, next) => next();
  const addresses = new Set(allowed.map(normalizeIp));
  return async (ctx, next) => {
    const ip = clientIp(ctx.req, trustProxy);
    if (!addresses.has(ip)) {
      ctx.state.logger.warn('request from a disallowed address', { ip, path: ctx.path });
      throw new HttpError(403, 'forbidden', 'this address may not send webhooks (WEBHOOK_ALLOWED_IPS)');
    }
    await next();
  };
}
