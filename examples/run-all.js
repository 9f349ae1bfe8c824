// Runs every port of the reference document's examples, in the document's
// order, each in its own process, with a heading per example.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const examples = require('./list.json');

let failed = 0;
for (const name of examples) {
  process.stdout.write(`\n=== ${name}.js (port of ${name}.py) ===\n`);
  const r = spawnSync(process.execPath, [path.join(__dirname, `${name}.js`)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    process.stdout.write(`!!! ${name} exited with ${r.status ?? r.signal}\n`);
  }
}
process.exitCode = failed ? 1 : 0;
