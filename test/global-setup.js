// Suites that run the real processes (npm start's local stack in tools/, the sandbox package) need dist/ to match the
// sources: compile them once per run (what `npm run build:tools` compiles; the worker bundles workflows at start).
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = async function buildOnce() {
  const root = join(__dirname, '..');
  execFileSync(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.tools.json'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
};
