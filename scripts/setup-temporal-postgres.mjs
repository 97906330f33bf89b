#!/usr/bin/env node
// Prepares a real Temporal cluster on PostgreSQL on this machine (tools/local-stack/postgres-cluster.ts starts it):
//   1. Debian's PostgreSQL (apt-get install postgresql) unless initdb/postgres are already installed;
//   2. the Temporal server (go.temporal.io/server/cmd/server) of the SAME release the Temporal CLI embeds (read from
//      the CLI's go.mod) and its SQL schema tool (cmd/tools/sql), built with Go and cached under .temporal/bin;
//   3. the PostgreSQL schema files of that release, copied to .temporal/postgres-schema.
// Records the paths in .temporal/postgres.json. Idempotent: with everything cached it only checks the files.
// Building the server takes 10-20 minutes on 2 cores the first time (Go's build cache makes later builds fast).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI_MODULE = 'github.com/temporalio/cli';
const CLI_VERSION = 'v1.5.1'; // as scripts/setup-temporal.mjs
const SERVER_MODULE = 'go.temporal.io/server';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = join(root, '.temporal');
const binDir = join(cacheDir, 'bin');
const manifestPath = join(cacheDir, 'postgres.json');
const log = (msg) => console.log(`[setup-temporal-postgres] ${msg}`);
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', ...opts }).trim();

function findPostgresBin() {
  const candidates = [];
  if (process.env.POSTGRES_BIN_DIR) candidates.push(process.env.POSTGRES_BIN_DIR);
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    for (const version of readdirSync(debian).sort((a, b) => Number(b) - Number(a))) {
      candidates.push(join(debian, version, 'bin'));
    }
  }
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')));
}

function installPostgres() {
  let bin = findPostgresBin();
  if (bin) return bin;
  if (spawnSync('apt-get', ['--version']).status !== 0) {
    throw new Error('PostgreSQL is not installed and there is no apt-get: install it and set POSTGRES_BIN_DIR');
  }
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  log("installing Debian's postgresql…");
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args) =>
    execFileSync(sudo[0] ?? 'apt-get', [...(sudo.length ? ['apt-get'] : []), ...args], { stdio: 'inherit', env });
  apt(['update', '-qq']);
  apt(['install', '-y', '-qq', 'postgresql']);
  bin = findPostgresBin();
  if (!bin) throw new Error('apt-get installed postgresql but its initdb was not found under /usr/lib/postgresql');
  return bin;
}

function goEnv(name) {
  return run('go', ['env', name]);
}

/** The server release the CLI embeds: its go.mod's `go.temporal.io/server vX.Y.Z` line. */
function serverVersion() {
  if (process.env.TEMPORAL_SERVER_VERSION) return process.env.TEMPORAL_SERVER_VERSION;
  const modCache = goEnv('GOMODCACHE');
  let goMod = join(modCache, `${CLI_MODULE}@${CLI_VERSION}`, 'go.mod');
  if (!existsSync(goMod)) {
    log(`downloading ${CLI_MODULE}@${CLI_VERSION} to read its go.mod…`);
    const info = JSON.parse(run('go', ['mod', 'download', '-json', `${CLI_MODULE}@${CLI_VERSION}`]));
    goMod = info.GoMod;
  }
  const match = /^\s*go\.temporal\.io\/server\s+(v\S+)/m.exec(readFileSync(goMod, 'utf8'));
  if (!match) throw new Error(`${goMod} names no ${SERVER_MODULE} version`);
  return match[1];
}

function buildServer(version) {
  const server = join(binDir, `temporal-server-${version}`);
  const sqlTool = join(binDir, `temporal-sql-tool-${version}`);
  if (existsSync(server) && existsSync(sqlTool)) return { server, sqlTool };
  if (spawnSync('go', ['version']).status !== 0) throw new Error('Go is needed to build the Temporal server');
  const gobin = join(cacheDir, 'go-bin');
  mkdirSync(gobin, { recursive: true });
  mkdirSync(binDir, { recursive: true });
  log(`building ${SERVER_MODULE} ${version} (cmd/server, cmd/tools/sql): 10-20 minutes on 2 cores the first time…`);
  const started = Date.now();
  execFileSync(
    'nice',
    [
      '-n',
      '10',
      'go',
      'install',
      `${SERVER_MODULE}/cmd/server@${version}`,
      `${SERVER_MODULE}/cmd/tools/sql@${version}`,
    ],
    {
      stdio: 'inherit',
      env: { ...process.env, GOBIN: gobin, GOFLAGS: `${process.env.GOFLAGS ?? ''} -buildvcs=false`.trim() },
    },
  );
  renameSync(join(gobin, 'server'), server);
  renameSync(join(gobin, 'sql'), sqlTool);
  log(`built in ${((Date.now() - started) / 60_000).toFixed(1)} min`);
  return { server, sqlTool };
}

function copySchema(version) {
  const target = join(cacheDir, `postgres-schema-${version}`);
  if (existsSync(join(target, 'temporal', 'versioned'))) return target;
  const source = join(goEnv('GOMODCACHE'), `${SERVER_MODULE}@${version}`, 'schema', 'postgresql', 'v12');
  if (!existsSync(source)) run('go', ['mod', 'download', `${SERVER_MODULE}@${version}`]);
  cpSync(source, target, { recursive: true });
  return target;
}

const pgBinDir = installPostgres();
const version = serverVersion();
const { server, sqlTool } = buildServer(version);
const schemaDir = copySchema(version);
for (const [what, path] of Object.entries({ server, sqlTool, initdb: join(pgBinDir, 'initdb') })) {
  if (!existsSync(path)) throw new Error(`${what} missing at ${path}`);
}
mkdirSync(cacheDir, { recursive: true });
writeFileSync(
  manifestPath,
  JSON.stringify({ serverVersion: version, server, sqlTool, schemaDir, pgBinDir }, null, 2) + '\n',
);
log(`PostgreSQL: ${pgBinDir}`);
log(`Temporal server ${version}: ${server}`);
log(`SQL tool: ${sqlTool}`);
