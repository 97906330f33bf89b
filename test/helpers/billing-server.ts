import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { SubscriptionClient, type SubscriptionClientOptions } from '../../src/client';
import type { IamportClient } from '../../src/iamport';
import { addLogSink, createLogger } from '../../src/logger';
import { createApp, type AppDependencies } from '../../src/server/app';

export const API_TOKEN = 'test-api-token-0123456789';

export interface BillingServer {
  url: string;
  port: number;
  subscriptions: SubscriptionClient;
  /** every log line written while the server ran (redacted JSON) */
  logs: string[];
  /** fetch with the API token (unless headers say otherwise) and a JSON body */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  close(): Promise<void>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  /** the parsed JSON body */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

/** The real HTTP app (src/server/app.ts) on a free local port, over a real Temporal client and iamport client. */
export async function startBillingServer(options: {
  client: Client;
  iamport: IamportClient;
  taskQueue: string;
  client_options?: Partial<SubscriptionClientOptions>;
  app?: Partial<AppDependencies>;
}): Promise<BillingServer> {
  const logs: string[] = [];
  const removeSink = addLogSink((line) => logs.push(line));
  const subscriptions = new SubscriptionClient({
    client: options.client,
    taskQueue: options.taskQueue,
    paymentResultGrace: 'PT1M',
    ...options.client_options,
  });
  const app = createApp({
    subscriptions,
    iamport: options.iamport,
    apiToken: API_TOKEN,
    channel: {},
    trustProxy: false,
    logger: createLogger({ component: 'http' }),
    ...options.app,
  });
  const server: Server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    subscriptions,
    logs,
    api: (method, path, body, headers = {}) =>
      request(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${API_TOKEN}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      }),
    close: async () => {
      removeSink();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

export async function request(url: string, init: RequestInit): Promise<ApiResponse> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, text };
}
