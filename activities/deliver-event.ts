import axios from 'axios';
import { Webhook } from 'standardwebhooks';
import { eventBody, type DeliveryAnswer, type MerchantEvent } from '../workflows/events';

/** One attempt's HTTP timeout (Standard Webhooks: 15 s). The activity's start-to-close is a little longer. */
export const DELIVERY_TIMEOUT_MS = 15_000;

/** Where the "410 Gone: endpoint disabled" flag lives (src/events-endpoint.ts: a singleton workflow). */
export interface EndpointSwitch {
  /** a reason while the endpoint is disabled, undefined while it is enabled */
  disabledBecause(): Promise<string | undefined>;
  disable(reason: string): Promise<void>;
}

export interface EventDeliverySettings {
  /** EVENTS_URL; undefined = this worker sends no events */
  url?: string;
  /** EVENTS_SECRET, then EVENTS_SECRET_PREVIOUS while a rotation lasts: each signs every delivery */
  secrets: string[];
  endpoint?: EndpointSwitch;
  timeoutMs?: number;
  /** the worker's clock (tests) */
  now?: () => number;
}

/** `v1,<sig>` per active secret, space-separated (Standard Webhooks), made by the standardwebhooks package. */
export function signatureHeader(secrets: string[], id: string, at: Date, body: string): string {
  return secrets.map((secret) => new Webhook(secret).sign(id, at, body)).join(' ');
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date. */
export function retryAfterMs(value: unknown, nowMs: number): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(at - nowMs, 0);
}

/**
 * The deliverEvent activity: one signed POST of one event, one attempt (the workflow retries on the Standard
 * Webhooks schedule with its own timers). Never throws for the merchant's answer: every outcome is a value.
 */
export function createDeliverEvent(settings: EventDeliverySettings) {
  const now = settings.now ?? Date.now;
  return async function deliverEvent(event: MerchantEvent): Promise<DeliveryAnswer> {
    if (!settings.url || settings.secrets.length === 0) {
      return { outcome: 'disabled', answer: 'events are off on this worker (EVENTS_URL or EVENTS_SECRET unset)' };
    }
    const disabled = await settings.endpoint?.disabledBecause().catch(() => undefined);
    if (disabled) return { outcome: 'disabled', answer: `endpoint disabled: ${disabled}` };
    const body = JSON.stringify(eventBody(event));
    const at = new Date(now());
    try {
      const response = await axios.post(settings.url, body, {
        headers: {
          'content-type': 'application/json',
          'webhook-id': event.id,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': signatureHeader(settings.secrets, event.id, at, body),
        },
        timeout: settings.timeoutMs ?? DELIVERY_TIMEOUT_MS,
        signal: AbortSignal.timeout((settings.timeoutMs ?? DELIVERY_TIMEOUT_MS) + 1000),
        maxRedirects: 0,
        validateStatus: () => true,
        transformRequest: [(data: string) => data],
        responseType: 'text',
        maxContentLength: 64 * 1024,
      });
      const status = response.status;
      if (status >= 200 && status < 300) return { outcome: 'delivered', status };
      if (status === 410) {
        const reason = `410 Gone from ${settings.url} for ${event.id} at ${at.toISOString()}`;
        await settings.endpoint?.disable(reason);
        return { outcome: 'failed', status, answer: 'HTTP 410 Gone: endpoint disabled until an operator enables it' };
      }
      const retryAfter =
        status === 429 || status === 503 ? retryAfterMs(response.headers['retry-after'], now()) : undefined;
      return {
        outcome: 'failed',
        status,
        answer: `HTTP ${status}${retryAfter !== undefined ? ` (Retry-After ${Math.round(retryAfter / 1000)} s)` : ''}`,
        ...(retryAfter !== undefined ? { retry_after_ms: retryAfter } : {}),
      };
    } catch (error) {
      const code = (error as { code?: string }).code;
      const message = error instanceof Error ? error.message : String(error);
      return { outcome: 'failed', answer: code && !message.includes(code) ? `${code}: ${message}` : message };
    }
  };
}
