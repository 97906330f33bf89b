import type { LocalStack } from '../../tools/local-stack/stack';
import { sleep } from './http';

/** Kills and restarts the stack's processes, and notes every process that exits without being asked to. */
export class ProcessChaos {
  workerKills = 0;
  temporalRestarts = 0;
  readonly unexpectedExits: string[] = [];
  readonly log: string[] = [];

  constructor(
    private readonly stack: LocalStack,
    private readonly startedAtMs: number,
  ) {
    for (const managed of [stack.temporal, stack.sandbox, stack.worker, stack.server]) {
      if (!managed) continue;
      managed.onUnexpectedExit = (code, signal) => {
        const what = `${managed.spec.name} exited on its own (${signal ?? `code ${code}`})`;
        this.unexpectedExits.push(what);
        this.note(what);
      };
    }
  }

  /** SIGKILL, the way a crash or the OOM killer ends a worker: activities in flight are lost. */
  async killWorker(downMs: number): Promise<void> {
    await this.stack.worker.kill();
    this.workerKills += 1;
    this.note(`worker killed (SIGKILL #${this.workerKills})`);
    await sleep(downMs);
    this.stack.worker.start();
    await this.stack.ready();
    this.note('worker restarted and answering');
  }

  /** A graceful stop of the dev server, then a start on the same SQLite database. */
  async restartTemporal(downMs: number): Promise<void> {
    const temporal = this.stack.temporal;
    if (!temporal) throw new Error('the stack runs no Temporal dev server');
    await temporal.stop();
    this.note('Temporal dev server stopped');
    await sleep(downMs);
    temporal.start();
    await this.stack.ready();
    this.temporalRestarts += 1;
    this.note('Temporal dev server restarted on the same database and answering');
  }

  note(what: string): void {
    this.log.push(`+${((Date.now() - this.startedAtMs) / 1000).toFixed(1).padStart(6)} s  ${what}`);
  }
}
