// Writes the ESM entries (dist/index.mjs, dist/multiprocessing/index.mjs):
// each re-exports its CommonJS build by name so `import { Lock } from
// 'pthreading'` and `require('pthreading')` share one module instance (no
// dual-package hazard).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist');
for (const entry of ['index', 'multiprocessing/index']) {
  const file = path.join(dist, `${entry}.js`);
  const names = Object.keys(require(file)).filter((n) => n !== 'default' && n !== '__esModule');
  const body = [
    "import cjs from './index.js';",
    `export const { ${names.join(', ')} } = cjs;`,
    'export default cjs;',
    '',
  ].join('\n');
  fs.writeFileSync(path.join(dist, `${entry}.mjs`), body);
}
