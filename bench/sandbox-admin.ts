import { SANDBOX_API_KEY, SANDBOX_API_SECRET } from '../tools/local-stack/stack';
import type { SandboxLedger } from 'iamport-sandbox';

/** The sandbox's admin routes and the one iamport list call the bench needs (counting registered schedules). */
export class SandboxAdmin {
  private token?: string;

  constructor(private readonly url: string) {}

  async clock(command: { mode: 'real' | 'frozen' } | { set_ms: number }): Promise<{ now_ms: number }> {
    return this.json('POST', '/__sandbox/clock', command);
  }

  async ledger(): Promise<SandboxLedger> {
    return this.json('GET', '/__sandbox/ledger');
  }

  /** Schedules still waiting to run whose schedule_at lies in [fromMs, toMs). */
  async scheduledBetween(fromMs: number, toMs: number): Promise<number> {
    const query = new URLSearchParams({
      schedule_from: String(Math.floor(fromMs / 1000)),
      schedule_to: String(Math.floor(toMs / 1000)),
      schedule_status: 'scheduled',
      limit: '1',
    });
    const body = await this.json<{ response: { total: number } }>(
      'GET',
      `/subscribe/payments/schedule?${query}`,
      undefined,
      {
        Authorization: `Bearer ${await this.accessToken()}`,
      },
    );
    return body.response.total;
  }

  private async accessToken(): Promise<string> {
    if (!this.token) {
      const body = await this.json<{ response: { access_token: string } }>('POST', '/users/getToken', {
        imp_key: SANDBOX_API_KEY,
        imp_secret: SANDBOX_API_SECRET,
      });
      this.token = body.response.access_token;
    }
    return this.token;
  }

  private async json<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(120_000),
    });
    if (!res.ok) throw new Error(`sandbox ${method} ${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }
}
