import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here */
  logFile: string;
  cwd?: string;
  /** run as this user (PostgreSQL refuses to run as root) */
  uid?: number;
  gid?: number;
}

/** A child process of the local stack that can be stopped, killed and started again (the chaos suite does). */
export class ManagedProcess {
  private child?: ChildProcess;
  private exited?: Promise<number | null>;
  /** called when the process exits without being asked to */
  onUnexpectedExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
  private stopping = false;

  constructor(readonly spec: ProcessSpec) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    if (this.running) return;
    mkdirSync(dirname(this.spec.logFile), { recursive: true });
    const log = openSync(this.spec.logFile, 'a');
    this.stopping = false;
    const child = spawn(this.spec.command, this.spec.args, {
      cwd: this.spec.cwd,
      env: this.spec.env,
      ...(this.spec.uid !== undefined ? { uid: this.spec.uid, gid: this.spec.gid } : {}),
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        if (!this.stopping) this.onUnexpectedExit?.(code, signal);
        resolve(code);
      });
      child.once('error', () => resolve(null));
    });
  }

  /** Asks the process to stop (SIGTERM: graceful), and kills it if it has not exited after `graceMs`. */
  async stop(graceMs = 60_000): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Kills the process at once, the way a crash or an OOM killer would. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    this.child!.kill('SIGKILL');
    await this.exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    this.start();
  }
}
