/** Small HTTP helpers for the chaos suite: every call has a deadline, every retry loop a bound in tries and time. */
export interface Answer {
  /** 0 when there was no answer (connection refused, reset, or the deadline passed) */
  status: number;
  body: unknown;
}

export async function call(
  url: string,
  init: { method?: string; token?: string; body?: unknown; timeoutMs?: number; idempotencyKey?: string } = {},
) {
  const { method = 'GET', token, body, timeoutMs = 45_000, idempotencyKey } = init;
  try {
    const response = await fetch(url, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: response.status, body: parseBody(await response.text()) } satisfies Answer;
  } catch {
    return { status: 0, body: undefined } satisfies Answer;
  }
}

/** 0 (no answer) and 5xx: the request may be repeated. */
export const isTransient = (answer: Answer) => answer.status === 0 || answer.status >= 500;

/**
 * Repeats `attempt` while its answer is transient, at most `tries` times and for at most `withinMs`. Returns the
 * last answer and how many attempts it took.
 */
export async function retryTransient(
  attempt: () => Promise<Answer>,
  { tries = 10, withinMs = 120_000, pauseMs = 1_500 } = {},
): Promise<{ answer: Answer; attempts: number }> {
  const deadline = Date.now() + withinMs;
  let answer: Answer = { status: 0, body: undefined };
  let attempts = 0;
  while (attempts < tries && Date.now() < deadline) {
    attempts += 1;
    answer = await attempt();
    if (!isTransient(answer) || attempts === tries) break;
    await sleep(pauseMs);
  }
  return { answer, attempts };
}

/** Runs `run` over `items`, at most `limit` at a time, keeping the order of the results. */
export async function mapLimit<T, R>(
  items: T[],
  limit: number,
  run: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

export function errorText(answer: Answer): string {
  const error = (answer.body as { error?: { code?: string; message?: string } } | undefined)?.error;
  return `HTTP ${answer.status || 'no answer'}${error ? ` ${error.code}: ${error.message}` : ''}`;
}

function parseBody(text: string): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return text;
  }
}
