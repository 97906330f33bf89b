import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

// The production image holds what `npm run build` compiles (tsconfig.build.json) from what the Dockerfile copies.
// The iamport sandbox (packages/iamport-sandbox) and the local stack (tools/) are development tooling: neither may
// reach it, not even through an import of production code.
const root = join(__dirname, '..');
const PRODUCTION_DIRS = ['src', 'workflows', 'activities'];
const DEV_ONLY = /^(packages|tools|test|bench)(\/|$)|sandbox|local-stack/;

function compiledByBuild(): string[] {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const out = execFileSync(process.execPath, [tsc, '--listFilesOnly', '-p', 'tsconfig.build.json'], {
    cwd: root,
    encoding: 'utf8',
  });
  return out
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((file) => relative(root, file).split(sep).join('/'))
    .filter((file) => !file.startsWith('node_modules/') && !file.startsWith('..'));
}

/** Source paths of the Dockerfile's COPY instructions that take files from the build context (not --from a stage). */
function copiedFromContext(): string[] {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  return dockerfile
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^COPY\s/i.test(line) && !/--from=/i.test(line))
    .flatMap((line) => {
      const args = line
        .split(/\s+/)
        .slice(1)
        .filter((arg) => !arg.startsWith('--'));
      return args.slice(0, -1).map((source) => source.replace(/^\.\//, '').replace(/\/$/, ''));
    });
}

describe('production image', () => {
  const compiled = compiledByBuild();

  it('compiles production code only: no sandbox or local-stack file is in the build', () => {
    expect(compiled.length).toBeGreaterThan(20);
    expect(compiled).toContain('src/worker.ts');
    expect(compiled).toContain('src/server/main.ts');
    const offending = compiled.filter((file) => DEV_ONLY.test(file));
    expect(offending).toEqual([]);
    for (const file of compiled) expect(PRODUCTION_DIRS).toContain(file.split('/')[0]);
  });

  it('copies only production sources and build settings into the image', () => {
    const copied = copiedFromContext();
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', ...PRODUCTION_DIRS]));
    expect(copied.filter((source) => DEV_ONLY.test(source) || source === '.' || source.includes('*'))).toEqual([]);
  });

  it('builds with tsconfig.build.json and drops the dev-only workspace link', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
      devDependencies: Record<string, string>;
      dependencies: Record<string, string>;
      workspaces: string[];
    };
    expect(pkg.scripts.build).toMatch(/tsc -p tsconfig\.build\.json(\s|$)/);
    expect(pkg.dependencies['iamport-sandbox']).toBeUndefined();
    expect(pkg.devDependencies['iamport-sandbox']).toBeDefined();
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/RUN npm run build\b/);
    // npm ci links the workspace even when its directory is absent; the prune and the rm leave no trace of it
    expect(dockerfile).toMatch(/npm prune --omit=dev && rm -f node_modules\/iamport-sandbox/);
  });
});
