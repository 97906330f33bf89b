import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bodyParser } from '@koa/bodyparser';
import axios, { type AxiosInstance } from 'axios';
import Koa from 'koa';
import type { IamportEnvelope } from '../../../src/iamport/types';
import { startSandbox, type SandboxHandle, type SandboxOptions } from '../src';

export const API_KEY = 'test_key';
export const API_SECRET = 'test_secret';
/** 2027-01-15T00:00:00Z: the sandbox clock of every test starts here, frozen. */
export const T0 = Date.UTC(2027, 0, 15);
export const T0_SEC = T0 / 1000;
export const VALID_CARD = {
  card_number: '4242-4242-4242-4242',
  expiry: '2031-12',
  birth: '900101',
  pwd_2digit: '12',
};

export function startTestSandbox(options: Partial<SandboxOptions> = {}): Promise<SandboxHandle> {
  return startSandbox({
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    clock: { startAt: T0, frozen: true },
    tickMs: 0,
    // Tests jump the clock by hours; token expiry has its own test.
    tokenLifetimeSec: 365 * 86_400,
    ...options,
  });
}

/** An HTTP client that never throws on status, like a careful iamport client. */
export function httpClient(baseURL: string, headers: Record<string, string> = {}): AxiosInstance {
  return axios.create({ baseURL, headers, validateStatus: () => true, proxy: false, timeout: 10_000 });
}

export async function getToken(sandbox: SandboxHandle): Promise<string> {
  const res = await httpClient(sandbox.url).post<IamportEnvelope<{ access_token: string }>>('/users/getToken', {
    imp_key: API_KEY,
    imp_secret: API_SECRET,
  });
  if (res.status !== 200 || !res.data.response) throw new Error(`getToken failed: ${JSON.stringify(res.data)}`);
  return res.data.response.access_token;
}

/** A client carrying `Authorization: Bearer <token>`. */
export async function authedClient(sandbox: SandboxHandle): Promise<AxiosInstance> {
  return httpClient(sandbox.url, { Authorization: `Bearer ${await getToken(sandbox)}` });
}

export async function issueKey(api: AxiosInstance, customerUid: string, card: Partial<typeof VALID_CARD> = {}) {
  const res = await api.post(`/subscribe/customers/${customerUid}`, { ...VALID_CARD, ...card });
  if (res.data.code !== 0) throw new Error(`issuing ${customerUid} failed: ${JSON.stringify(res.data)}`);
  return res.data.response;
}

export interface ReceivedWebhook {
  body: Record<string, unknown>;
  contentType: string | undefined;
}

/** A tiny merchant server recording every webhook it receives; answers `status` (default 200). */
export async function startWebhookReceiver(status = 200) {
  const received: ReceivedWebhook[] = [];
  const app = new Koa();
  app.use(bodyParser());
  app.use((ctx) => {
    received.push({ body: ctx.request.body as Record<string, unknown>, contentType: ctx.get('content-type') });
    ctx.status = status;
    ctx.body = 'ok';
  });
  const server: Server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/iamport-webhook`;
  return {
    url,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export function scheduleItem(merchantUid: string, scheduleAtSec: number, extra: Record<string, unknown> = {}) {
  return { merchant_uid: merchantUid, schedule_at: scheduleAtSec, amount: 9900, name: '월간 구독', ...extra };
}
