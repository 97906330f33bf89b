import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { parseCli, UsageError } from '../src/cli';
import { httpClient } from './sandbox-helpers';

const BIN = join(__dirname, '..', 'bin', 'iamport-sandbox.js');

describe('iamport-sandbox command: options', () => {
  it('takes flags over the environment over the defaults', () => {
    expect(parseCli([], {})).toMatchObject({
      port: 7070,
      host: '127.0.0.1',
      apiKey: 'sandbox_key',
      apiSecret: 'sandbox_secret',
      admin: true,
      help: false,
    });
    const env = { SANDBOX_PORT: '8080', IAMPORT_API_KEY: 'env_key', SANDBOX_ADMIN: 'false' };
    expect(parseCli([], env)).toMatchObject({ port: 8080, apiKey: 'env_key', admin: false });
    expect(parseCli(['--port', '9090', '--api-key', 'flag_key'], env)).toMatchObject({
      port: 9090,
      apiKey: 'flag_key',
    });
    expect(parseCli(['--no-admin'], {}).admin).toBe(false);
    expect(parseCli(['--start-at', '2030-01-01T00:00:00Z', '--frozen'], {}).clock).toEqual({
      startAt: Date.UTC(2030, 0, 1),
      frozen: true,
    });
  });

  it('takes the V1 behaviour knobs: past schedule_at and DELETE with pending schedules', () => {
    expect(parseCli([], {})).toMatchObject({ pastScheduleAt: 'run', deleteWithSchedules: 'keep' });
    expect(parseCli(['--past-schedule-at', 'refuse'], { SANDBOX_DELETE_WITH_SCHEDULES: 'revoke' })).toMatchObject({
      pastScheduleAt: 'refuse',
      deleteWithSchedules: 'revoke',
    });
    expect(() => parseCli(['--past-schedule-at', 'later'], {})).toThrow(UsageError);
    expect(() => parseCli([], { SANDBOX_DELETE_WITH_SCHEDULES: 'cascade' })).toThrow(UsageError);
  });

  it('refuses bad input with a usage error', () => {
    expect(() => parseCli(['--port', '70000'], {})).toThrow(UsageError);
    expect(() => parseCli(['--port', 'abc'], {})).toThrow(UsageError);
    expect(() => parseCli(['--start-at', 'yesterday'], {})).toThrow(UsageError);
    expect(() => parseCli(['--notice-url', 'not a url'], {})).toThrow(UsageError);
    expect(() => parseCli(['--colour'], {})).toThrow(UsageError);
  });
});

describe('iamport-sandbox command: the bin', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child?.exitCode === null) child.kill('SIGKILL');
  });

  function run(args: string[]): { child: ChildProcess; stderr: () => string; exited: Promise<number | null> } {
    let stderr = '';
    const proc = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, SANDBOX_PORT: '' } });
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    proc.stdout.resume();
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    return { child: proc, stderr: () => stderr, exited };
  }

  it('starts a sandbox on the given port and stops cleanly on SIGTERM', async () => {
    const started = run(['--port', '0', '--api-key', 'cli_key', '--api-secret', 'cli_secret', '--frozen']);
    child = started.child;
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const match = /iamport sandbox: (http:\/\/127\.0\.0\.1:\d+)/.exec(started.stderr());
        if (match) {
          clearInterval(timer);
          resolve(match[1]);
        }
      }, 50);
      void started.exited.then((code) => {
        clearInterval(timer);
        reject(new Error(`exited with ${code}: ${started.stderr()}`));
      });
    });
    const api = httpClient(url);
    const token = await api.post('/users/getToken', { imp_key: 'cli_key', imp_secret: 'cli_secret' });
    expect(token.data).toMatchObject({ code: 0, response: { access_token: expect.any(String) } });
    const wrong = await api.post('/users/getToken', { imp_key: 'sandbox_key', imp_secret: 'sandbox_secret' });
    expect(wrong.status).toBe(401);
    expect((await api.get('/__sandbox/clock')).data).toMatchObject({ frozen: true });
    // the banner never prints a secret that was passed in
    expect(started.stderr()).not.toContain('cli_secret');
    child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
  });

  it("loads as a library from plain Node: require('iamport-sandbox').startSandbox", async () => {
    const script = `
      const { startSandbox, TEST_CARDS } = require('iamport-sandbox');
      startSandbox({ apiKey: 'lib_key', apiSecret: 'lib_secret', port: 0, logger: { debug() {}, info() {}, warn() {}, error() {}, child() { return this; } } })
        .then(async (sandbox) => {
          const res = await fetch(sandbox.url + '/users/getToken', {
            method: 'POST', headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ imp_key: 'lib_key', imp_secret: 'lib_secret' }),
          });
          console.log(JSON.stringify({ status: res.status, code: (await res.json()).code, card: TEST_CARDS.alwaysApprove }));
          await sandbox.close();
        });`;
    const proc = spawn(process.execPath, ['-e', script], { cwd: join(__dirname, '..', '..', '..') });
    child = proc;
    let stdout = '';
    proc.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    proc.stderr.resume();
    const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
    expect(code).toBe(0);
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({ status: 200, code: 0, card: '4242-4242-4242-4242' });
  });

  it('exits with 2 and the usage on a bad flag', async () => {
    const started = run(['--port', 'seventy']);
    child = started.child;
    expect(await started.exited).toBe(2);
    expect(started.stderr()).toContain('port must be 0..65535');
    expect(started.stderr()).toContain('Usage: iamport-sandbox');
  });
});
