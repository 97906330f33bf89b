import { z } from 'zod';

/** Failure modes the sandbox can inject, to prove a client copes with what real gateways and networks do. */
export interface SandboxFaults {
  /** 0..1: answer HTTP 500 before the request touches any state. */
  failBeforeRate: number;
  /** 0..1: do the work, then answer HTTP 500 anyway ("done, but the answer was lost"). */
  failAfterRate: number;
  /** Added to every API request, in real milliseconds. */
  latencyMs: number;
  /** 0..1: the request hangs (before touching state) for timeoutMs or until the client closes the socket. */
  timeoutRate: number;
  /** How long a hanging request hangs before it is answered with HTTP 504. */
  timeoutMs: number;
  /** 0..1: a webhook is not sent at all. */
  webhookDropRate: number;
  /** How many times each webhook is delivered (1 = once; 3 = the same notification three times). */
  webhookCopies: number;
  /** Real milliseconds to wait before a batch of webhooks is delivered. */
  webhookDelayMs: number;
  /** Shuffle the deliveries of one batch (one clock tick, or one API call). */
  webhookReorder: boolean;
  /** 0..1: also send a forged notification next to the real one. */
  webhookForgeRate: number;
  /** Request faults (not webhook faults) apply only to these exact paths, e.g. '/subscribe/payments/schedule'; empty = every API path. */
  faultPaths: string[];
}

export const NO_FAULTS: SandboxFaults = Object.freeze({
  failBeforeRate: 0,
  failAfterRate: 0,
  latencyMs: 0,
  timeoutRate: 0,
  timeoutMs: 60_000,
  webhookDropRate: 0,
  webhookCopies: 1,
  webhookDelayMs: 0,
  webhookReorder: false,
  webhookForgeRate: 0,
  faultPaths: [],
});

const rate = z.number().min(0).max(1);
const millis = z.number().int().min(0).max(3_600_000);

export const faultsPatchSchema = z
  .object({
    failBeforeRate: rate,
    failAfterRate: rate,
    latencyMs: millis,
    timeoutRate: rate,
    timeoutMs: millis,
    webhookDropRate: rate,
    webhookCopies: z.number().int().min(1).max(100),
    webhookDelayMs: millis,
    webhookReorder: z.boolean(),
    webhookForgeRate: rate,
    faultPaths: z.array(z.string().startsWith('/').max(200)).max(50),
  })
  .partial()
  .strict();

export type SandboxFaultsPatch = Partial<SandboxFaults>;

export class FaultSettings {
  private current: SandboxFaults;

  constructor(initial: SandboxFaultsPatch = {}) {
    this.current = { ...NO_FAULTS };
    this.set(initial);
  }

  get(): SandboxFaults {
    return { ...this.current, faultPaths: [...this.current.faultPaths] };
  }

  /** Validates the whole patch first, so a bad value changes nothing. Throws a ZodError on bad input. */
  set(patch: SandboxFaultsPatch): SandboxFaults {
    const valid = faultsPatchSchema.parse(patch);
    this.current = { ...this.current, ...valid };
    return this.get();
  }
}
