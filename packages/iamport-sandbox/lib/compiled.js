'use strict';
// The package's TypeScript is compiled by the repository's one TypeScript build, into <repository>/dist (the same
// files `npm run build:tools` writes). This finds the compiled module and compiles the package first when there is
// none yet or a source is newer, so `npx iamport-sandbox` works right after `npm install`.
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const packageDir = join(__dirname, '..');
const repositoryRoot = join(packageDir, '..', '..');
const compiledDir = join(repositoryRoot, 'dist', 'packages', 'iamport-sandbox', 'src');

function newestSource() {
  const sources = readdirSync(join(packageDir, 'src'))
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(packageDir, 'src', name));
  // the two files of the billing system the sandbox shares (the V1 wire types and the card-masking logger)
  sources.push(join(repositoryRoot, 'src', 'logger.ts'), join(repositoryRoot, 'src', 'iamport', 'types.ts'));
  return Math.max(...sources.filter(existsSync).map((file) => statSync(file).mtimeMs));
}

function isStale(compiledFile) {
  return !existsSync(compiledFile) || statSync(compiledFile).mtimeMs < newestSource();
}

/** Absolute path of a compiled module of the package, e.g. compiled('cli') → <repository>/dist/…/src/cli.js. */
function compiled(name) {
  const file = join(compiledDir, `${name}.js`);
  if (isStale(file)) {
    const tsc = require.resolve('typescript/bin/tsc', { paths: [repositoryRoot, packageDir] });
    execFileSync(process.execPath, [tsc, '-p', join(packageDir, 'tsconfig.build.json')], { stdio: 'inherit' });
  }
  return file;
}

module.exports = { compiled };
