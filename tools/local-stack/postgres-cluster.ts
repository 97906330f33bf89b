/**
 * A real Temporal cluster on PostgreSQL on this machine, as docker-compose.yml runs it in production: the Temporal
 * server binary of the release the CLI embeds, PostgreSQL 12+ persistence and SQL visibility, the schema created by
 * Temporal's own SQL tool, the compose file's dynamic config, the namespace and the subscription search attributes.
 * Everything listens on free loopback ports; the data lives in `dataDir`. `npm run setup:temporal-postgres`
 * (scripts/setup-temporal-postgres.mjs) installs PostgreSQL and builds the binaries first.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { PROJECT_ROOT } from '../../src/temporal-binaries';
import { ManagedProcess } from './managed-process';
import { registerSearchAttributes } from './stack';

export const POSTGRES_MANIFEST = join(PROJECT_ROOT, '.temporal', 'postgres.json');
const DB_USER = 'temporal';
const DATABASES = [
  { name: 'temporal', schema: 'temporal' },
  { name: 'temporal_visibility', schema: 'visibility' },
] as const;

interface Manifest {
  serverVersion: string;
  server: string;
  sqlTool: string;
  schemaDir: string;
  pgBinDir: string;
}

export interface PostgresTemporal {
  /** the frontend's gRPC address */
  address: string;
  namespace: string;
  serverVersion: string;
  /** PostgreSQL's and the server's data and logs */
  dataDir: string;
  postgres: { host: string; port: number; user: string; password: string };
  processes: { postgres: ManagedProcess; temporal: ManagedProcess };
  /** `pg_dump --data-only` of one of Temporal's databases (bytea columns as hex) */
  dump(database: 'temporal' | 'temporal_visibility'): string;
  stop(): Promise<void>;
}

export function readPostgresManifest(): Manifest {
  if (!existsSync(POSTGRES_MANIFEST)) {
    throw new Error(`${POSTGRES_MANIFEST} is missing: run \`npm run setup:temporal-postgres\` first`);
  }
  const manifest = JSON.parse(readFileSync(POSTGRES_MANIFEST, 'utf8')) as Manifest;
  for (const path of [manifest.server, manifest.sqlTool, join(manifest.pgBinDir, 'postgres')]) {
    if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run setup:temporal-postgres\` again`);
  }
  return manifest;
}

async function listenable(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as { port: number };
      server.close(() => resolve(bound));
    });
  });
}

async function freePort(): Promise<number> {
  const port = await listenable(0);
  if (port === undefined) throw new Error('no free port');
  return port;
}

/** Temporal stores membership ports in a smallint column: they must be below 32768, under the OS's ephemeral range. */
async function freeMembershipPort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const candidate = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(candidate)) continue;
    if ((await listenable(candidate)) !== undefined) {
      taken.add(candidate);
      return candidate;
    }
  }
  throw new Error('no free port below 32768 for Temporal membership');
}

/** PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` user Debian's package made. */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/** The postgres user must be able to reach its data dir: every folder above it must let it through. */
function assertReachable(dir: string, owner: { uid: number; gid: number }): void {
  for (let parent = dirname(dir); ; parent = dirname(parent)) {
    const { mode, uid, gid } = statSync(parent);
    const bit = uid === owner.uid ? 0o100 : gid === owner.gid ? 0o010 : 0o001;
    if (!(mode & bit)) {
      throw new Error(
        `PostgreSQL runs as the postgres user, which cannot enter ${parent}: give startPostgresTemporal a data dir of its own (e.g. mkdtemp in ${tmpdir()})`,
      );
    }
    if (parent === dirname(parent)) return;
  }
}

class FatalError extends Error {}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      if (error instanceof FatalError) throw error;
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(
    `${what} did not become ready in ${timeoutMs / 1000} s${last instanceof Error ? `: ${last.message}` : ''}`,
  );
}

export async function startPostgresTemporal(options: {
  dataDir: string;
  namespace?: string;
  /** extra lines for the server's log level etc. are not needed: logs go to dataDir/logs */
}): Promise<PostgresTemporal> {
  const manifest = readPostgresManifest();
  const namespace = options.namespace ?? 'default';
  const { dataDir } = options;
  const pgData = join(dataDir, 'pgdata');
  const logDir = join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const owner = postgresUser();
  if (owner) {
    chownSync(dataDir, owner.uid, owner.gid);
    assertReachable(dataDir, owner);
  }
  const pg = (tool: string) => join(manifest.pgBinDir, tool);

  // The database password: generated once per data dir, never a default.
  const passwordFile = join(dataDir, 'postgres-password');
  if (!existsSync(passwordFile)) writeFileSync(passwordFile, randomBytes(18).toString('hex'), { mode: 0o600 });
  const password = readFileSync(passwordFile, 'utf8').trim();
  if (!existsSync(join(pgData, 'PG_VERSION'))) {
    const pwfile = join(dataDir, 'initdb-password');
    writeFileSync(pwfile, password, { mode: 0o600 });
    if (owner) chownSync(pwfile, owner.uid, owner.gid);
    execFileSync(
      pg('initdb'),
      ['-D', pgData, '-U', DB_USER, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C'],
      { stdio: 'pipe', ...(owner ?? {}) },
    );
  }

  const pgPort = await freePort();
  const postgres = new ManagedProcess({
    name: 'postgres',
    command: pg('postgres'),
    args: ['-D', pgData, '-p', String(pgPort), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    env: { ...process.env, LC_ALL: 'C' },
    logFile: join(logDir, 'postgres.log'),
    ...(owner ?? {}),
  });
  postgres.start();
  const pgEnv = { ...process.env, PGPASSWORD: password };
  await until('PostgreSQL', 60_000, async () => {
    execFileSync(pg('pg_isready'), ['-h', '127.0.0.1', '-p', String(pgPort), '-U', DB_USER, '-d', 'postgres'], {
      stdio: 'pipe',
    });
    return true;
  });

  // Temporal's own schema tool, as compose's temporal-schema job runs it.
  const schemaMarker = join(dataDir, `schema-${manifest.serverVersion}.done`);
  if (!existsSync(schemaMarker)) {
    const sql = (database: string, ...args: string[]) =>
      execFileSync(
        manifest.sqlTool,
        ['--plugin', 'postgres12', '--ep', '127.0.0.1', '-p', String(pgPort), '-u', DB_USER, '--db', database, ...args],
        { stdio: 'pipe', env: { ...pgEnv, SQL_PASSWORD: password } },
      );
    for (const { name, schema } of DATABASES) {
      try {
        sql(name, 'create');
      } catch {
        // exists already (a data dir set up before the marker was written)
      }
      sql(name, 'setup-schema', '-v', '0.0');
      sql(name, 'update-schema', '-d', join(manifest.schemaDir, schema, 'versioned'));
    }
    writeFileSync(schemaMarker, new Date().toISOString());
  }

  const [frontend, frontendHttp, history, matching, worker] = await Promise.all(Array.from({ length: 5 }, freePort));
  const taken = new Set<number>();
  const frontendMembership = await freeMembershipPort(taken);
  const historyMembership = await freeMembershipPort(taken);
  const matchingMembership = await freeMembershipPort(taken);
  const workerMembership = await freeMembershipPort(taken);
  const datastore = (database: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName: database,
      connectAddr: `127.0.0.1:${pgPort}`,
      connectProtocol: 'tcp',
      user: DB_USER,
      password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const rpc = (grpcPort: number, membershipPort: number, httpPort?: number) => ({
    rpc: { grpcPort, membershipPort, bindOnIP: '127.0.0.1', ...(httpPort ? { httpPort } : {}) },
  });
  // development-postgres12.yaml of the server's release, with our ports and password; JSON is YAML.
  const config = {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: 4,
      datastores: {
        'postgres-default': datastore('temporal', 20),
        'postgres-visibility': datastore('temporal_visibility', 10),
      },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: {
      frontend: rpc(frontend, frontendMembership, frontendHttp),
      history: rpc(history, historyMembership),
      matching: rpc(matching, matchingMembership),
      worker: rpc(worker, workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${frontend}` },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    // the dynamic config compose's server reads
    dynamicConfigClient: {
      filepath: join(PROJECT_ROOT, 'deploy', 'temporal', 'dynamicconfig.yaml'),
      pollInterval: '10s',
    },
  };
  const serverRoot = join(dataDir, 'temporal');
  mkdirSync(join(serverRoot, 'config'), { recursive: true });
  writeFileSync(join(serverRoot, 'config', 'development.yaml'), JSON.stringify(config, null, 2), { mode: 0o600 });

  const temporal = new ManagedProcess({
    name: 'temporal-server',
    command: manifest.server,
    args: ['--root', serverRoot, '--config', 'config', '--env', 'development', '--allow-no-auth', 'start'],
    env: process.env,
    cwd: serverRoot,
    logFile: join(logDir, 'temporal.log'),
  });
  temporal.start();
  const address = `127.0.0.1:${frontend}`;
  const stop = async () => {
    await temporal.stop(30_000);
    await postgres.stop(30_000);
  };

  try {
    const connection = await (async () => {
      let opened: Connection | undefined;
      await until('Temporal server', 120_000, async () => {
        if (!temporal.running) throw new FatalError(`the Temporal server exited; see ${join(logDir, 'temporal.log')}`);
        opened = await Connection.connect({ address, connectTimeout: 2000 });
        await opened.workflowService.getSystemInfo({});
        return true;
      });
      return opened!;
    })();
    try {
      await until(`namespace ${namespace}`, 120_000, async () => {
        try {
          await connection.workflowService.describeNamespace({ namespace });
        } catch {
          await connection.workflowService.registerNamespace({
            namespace,
            workflowExecutionRetentionPeriod: msToTs('3 days'),
          });
        }
        // a new namespace reaches the frontend's cache after a few seconds
        await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 });
        return true;
      });
      await until('search attributes', 60_000, async () => {
        await registerSearchAttributes(address, namespace);
        return true;
      });
    } finally {
      await connection.close();
    }
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    address,
    namespace,
    serverVersion: manifest.serverVersion,
    dataDir,
    postgres: { host: '127.0.0.1', port: pgPort, user: DB_USER, password },
    processes: { postgres, temporal },
    dump: (database) =>
      execFileSync(
        pg('pg_dump'),
        ['-h', '127.0.0.1', '-p', String(pgPort), '-U', DB_USER, '--data-only', '--no-owner', database],
        { encoding: 'utf8', env: pgEnv, maxBuffer: 512 * 1024 * 1024 },
      ),
    stop,
  };
}
