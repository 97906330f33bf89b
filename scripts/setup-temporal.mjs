#!/usr/bin/env node
// Obtains the two Temporal servers the tests and `npm start` need, and records where they are in
// .temporal/binaries.json (read by src/temporal-binaries.ts).
//
//   dev server (Temporal CLI):  TEMPORAL_CLI_PATH → `temporal` on PATH → .temporal/bin/temporal
//                               → the SDK's own download → `go install` of the CLI (Go ≥ 1.25) → error
//   time-skipping test server:  TEMPORAL_TEST_SERVER_PATH → .temporal/bin/temporal-test-server
//                               → the SDK's own download → Java test server from Maven Central → error
//
// Idempotent: when both are cached it only checks that the files exist.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI_VERSION = 'v1.5.1'; // the last CLI release whose go.mod has no `replace`, so `go install` works
const JAVA_TEST_SERVER_VERSION = '1.38.0';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = join(root, '.temporal');
const binDir = join(cacheDir, 'bin');
const manifestPath = join(cacheDir, 'binaries.json');
const require = createRequire(join(root, 'package.json'));

const log = (msg) => console.log(`[setup-temporal] ${msg}`);

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function fromEnv(variable) {
  const value = process.env[variable];
  if (!value) return undefined;
  if (!existsSync(value)) throw new Error(`${variable}=${value} does not exist`);
  return resolve(value);
}

/** Lets the SDK download a server (works where its download host is reachable) and copies it into the cache. */
async function trySdkDownload(kind, target) {
  const { TestWorkflowEnvironment } = require('@temporalio/testing');
  const downloadDir = join(cacheDir, 'sdk-download');
  const executable = { type: 'cached-download', downloadDir };
  let env;
  try {
    env =
      kind === 'dev-server'
        ? await TestWorkflowEnvironment.createLocal({ server: { executable } })
        : await TestWorkflowEnvironment.createTimeSkipping({ server: { executable } });
  } catch (err) {
    log(`SDK download of the ${kind} is not available here (${String(err.message).split('\n')[0].slice(0, 160)})`);
    return undefined;
  }
  await env.teardown();
  // The SDK extracts into downloadDir/<sub-folder>/<binary>; take the newest executable file.
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir)) {
      const p = join(dir, entry);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.mode & 0o111) files.push({ p, mtime: st.mtimeMs });
    }
  };
  walk(downloadDir);
  files.sort((a, b) => b.mtime - a.mtime);
  const wanted = files.find((f) => (kind === 'dev-server' ? /temporal(\.exe)?$/ : /test-server/).test(f.p));
  if (!wanted) return undefined;
  copyFileSync(wanted.p, target);
  chmodSync(target, 0o755);
  return target;
}

function goVersionAtLeast(major, minor) {
  const go = onPath('go');
  if (!go) return false;
  try {
    const version = execFileSync(go, ['env', 'GOVERSION'], { encoding: 'utf8' }).trim(); // e.g. go1.26.8
    const m = /^go(\d+)\.(\d+)/.exec(version);
    return !!m && (Number(m[1]) > major || (Number(m[1]) === major && Number(m[2]) >= minor));
  } catch {
    return false;
  }
}

function buildCliWithGo(target) {
  if (!goVersionAtLeast(1, 25)) return undefined;
  log(`building the Temporal CLI ${CLI_VERSION} with go install (first time takes several minutes)…`);
  const result = spawnSync('go', ['install', `github.com/temporalio/cli/cmd/temporal@${CLI_VERSION}`], {
    stdio: 'inherit',
    env: { ...process.env, GOBIN: binDir, CGO_ENABLED: process.env.CGO_ENABLED ?? '0' },
  });
  return result.status === 0 && existsSync(target) ? target : undefined;
}

function fetchJavaTestServer(target) {
  if (!onPath('mvn') || !onPath('java')) return undefined;
  const libDir = join(cacheDir, 'java-test-server', JAVA_TEST_SERVER_VERSION);
  if (!existsSync(join(libDir, 'lib', `temporal-test-server-${JAVA_TEST_SERVER_VERSION}.jar`))) {
    log(`fetching io.temporal:temporal-test-server:${JAVA_TEST_SERVER_VERSION} and its dependencies with Maven…`);
    mkdirSync(libDir, { recursive: true });
    writeFileSync(
      join(libDir, 'pom.xml'),
      `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.setup</groupId><artifactId>temporal-test-server-fetch</artifactId><version>1</version>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId>
      <version>${JAVA_TEST_SERVER_VERSION}</version>
    </dependency>
  </dependencies>
</project>
`,
    );
    const result = spawnSync(
      'mvn',
      [
        '-B',
        '-q',
        '-Dstyle.color=never',
        '-f',
        join(libDir, 'pom.xml'),
        'dependency:copy-dependencies',
        `-DoutputDirectory=${join(libDir, 'lib')}`,
      ],
      { stdio: 'inherit' },
    );
    if (result.status !== 0) return undefined;
  }
  // The SDK starts it as `<exe> <port> [flags]`, which is exactly TestServer's argument list.
  writeFileSync(
    target,
    `#!/bin/sh\nexec java -Xss4m -cp '${join(libDir, 'lib')}/*' io.temporal.testserver.TestServer "$@"\n`,
  );
  chmodSync(target, 0o755);
  return target;
}

async function resolveDevServer() {
  const local = join(binDir, process.platform === 'win32' ? 'temporal.exe' : 'temporal');
  const found =
    fromEnv('TEMPORAL_CLI_PATH') ??
    onPath('temporal') ??
    (existsSync(local) ? local : undefined) ??
    (await trySdkDownload('dev-server', local)) ??
    buildCliWithGo(local);
  if (!found) {
    throw new Error(
      'No Temporal dev server (Temporal CLI) found. Do one of:\n' +
        '  - set TEMPORAL_CLI_PATH to a `temporal` binary, or put `temporal` on PATH;\n' +
        `  - put the binary at ${local};\n` +
        '  - allow downloads from temporal.download (the SDK fetches it itself);\n' +
        `  - install Go ≥ 1.25 so this script can run \`go install github.com/temporalio/cli/cmd/temporal@${CLI_VERSION}\`.`,
    );
  }
  return found;
}

async function resolveTestServer() {
  const local = join(binDir, 'temporal-test-server');
  const found =
    fromEnv('TEMPORAL_TEST_SERVER_PATH') ??
    (existsSync(local) ? local : undefined) ??
    (await trySdkDownload('time-skipping', local)) ??
    fetchJavaTestServer(local);
  if (!found) {
    throw new Error(
      'No Temporal time-skipping test server found. Do one of:\n' +
        '  - set TEMPORAL_TEST_SERVER_PATH to a test-server executable;\n' +
        `  - put it at ${local};\n` +
        '  - allow downloads from temporal.download (the SDK fetches it itself);\n' +
        `  - install Java ≥ 17 and Maven so this script can fetch io.temporal:temporal-test-server from Maven Central.`,
    );
  }
  return found;
}

async function main() {
  mkdirSync(binDir, { recursive: true });
  const previous = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : {};
  const manifest = { devServer: await resolveDevServer(), testServer: await resolveTestServer() };
  if (previous.devServer !== manifest.devServer || previous.testServer !== manifest.testServer) {
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  }
  rmSync(join(cacheDir, 'sdk-download'), { recursive: true, force: true });
  log(`dev server:  ${manifest.devServer}`);
  log(`test server: ${manifest.testServer}`);
}

main().catch((err) => {
  console.error(`[setup-temporal] ${err.message}`);
  process.exit(1);
});
