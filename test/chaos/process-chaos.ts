import { Connection } from '@temporalio/client';
import type { ManagedProcess } from '../../tools/local-stack/managed-process';
import type { LocalStack } from '../../tools/local-stack/stack';
import { sleep } from './http';

/** Kills and restarts the stack's processes, and notes every process that exits without being asked to. */
export class ProcessChaos {
  workerKills = 0;
  temporalRestarts = 0;
  readonly unexpectedExits: string[] = [];
  readonly log: string[] = [];

  /** `temporal`: the Temporal server process when it is not the stack's dev server (CHAOS_TEMPORAL=postgres) */
  constructor(
    private readonly stack: LocalStack,
    private readonly startedAtMs: number,
    private readonly temporal: ManagedProcess | undefined = stack.temporal,
  ) {
    for (const managed of [temporal, stack.sandbox, stack.worker, stack.server]) {
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
    const temporal = this.temporal;
    if (!temporal) throw new Error('the stack runs no Temporal server');
    await temporal.stop();
    this.note(`${temporal.spec.name} stopped`);
    await sleep(downMs);
    temporal.start();
    await this.stack.ready();
    await temporalAnswers(this.stack.urls.temporal);
    this.temporalRestarts += 1;
    this.note(`${temporal.spec.name} restarted on the same database and answering`);
  }

  note(what: string): void {
    this.log.push(`+${((Date.now() - this.startedAtMs) / 1000).toFixed(1).padStart(6)} s  ${what}`);
  }
}

async function temporalAnswers(address: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(500);
    }
  }
}
