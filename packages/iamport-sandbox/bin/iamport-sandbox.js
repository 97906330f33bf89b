#!/usr/bin/env node
'use strict';
// `npx iamport-sandbox --port 7070 …`: see `npx iamport-sandbox --help` and README.md.
const { compiled } = require('../lib/compiled');

require(compiled('cli'))
  .runCli(process.argv.slice(2), process.env)
  .catch((err) => {
    console.error(`iamport-sandbox: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
