import type { ServerResponse } from 'node:http';
import type { Middleware } from 'koa';
import type { SandboxCore } from './core';
import { respondError } from './envelope';

/**
 * Applies the configured request faults to API routes: latency, hanging requests, and HTTP 500 either before
 * the handler runs (nothing happened) or after it (it happened, the answer is lost). Every random decision is
 * taken before the handler, so a fault never leaves state half-changed.
 */
export function faultMiddleware(core: SandboxCore, hangs: HangingRequests): Middleware {
  return async (ctx, next) => {
    const faults = core.faults.get();
    if (faults.faultPaths.length > 0 && !faults.faultPaths.includes(ctx.path)) return next();
    const random = core.random;
    const hang = random() < faults.timeoutRate;
    const failBefore = random() < faults.failBeforeRate;
    const failAfter = random() < faults.failAfterRate;

    if (faults.latencyMs > 0) await hangs.wait(faults.latencyMs, ctx.res);
    if (hang) {
      core.logger.info('fault: request hangs', { path: ctx.path, ms: faults.timeoutMs });
      await hangs.wait(faults.timeoutMs, ctx.res);
      respondError(ctx, 504, -1, 'Gateway Timeout (sandbox fault)');
      return;
    }
    if (failBefore) {
      core.logger.info('fault: 500 before handling', { path: ctx.path });
      respondError(ctx, 500, -1, 'Internal Server Error (sandbox fault: nothing was done)');
      return;
    }
    try {
      await next();
    } catch (err) {
      if (!failAfter) throw err;
    }
    if (failAfter) {
      core.logger.info('fault: 500 after handling', { path: ctx.path, status: ctx.status });
      respondError(ctx, 500, -1, 'Internal Server Error (sandbox fault)');
    }
  };
}

/** Waits that end early when the client goes away or the sandbox closes. */
export class HangingRequests {
  private readonly pending = new Set<() => void>();

  /** `res` emits 'close' when the client drops the connection (the request's own 'close' fires too early). */
  wait(ms: number, res: ServerResponse): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        res.off('close', done);
        this.pending.delete(done);
        resolve();
      };
      if (res.destroyed) return resolve();
      const timer = setTimeout(done, ms);
      res.on('close', done);
      this.pending.add(done);
    });
  }

  /** Waits `ms` even when the client goes away (the request then takes effect after the client gave up). */
  hold(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.pending.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.pending.add(done);
    });
  }

  releaseAll(): void {
    for (const done of [...this.pending]) done();
  }
}
