// The layers of src/ and what each may import (see src/README.md). A layer
// imports only the layers below it: runtime < sync < data, logging <
// threads < concurrent; debug sits beside them above runtime and is reached
// only through runtime's hooks; multiprocessing uses runtime and threads
// (Process ships its target as a Thread does). The entry points at the top of src/
// (index.ts, install.ts, worker.ts) and a child process's entry
// (multiprocessing/process-main.ts) may import anything; nothing imports
// them but each other.
'use strict';

const layers = ['runtime', 'sync', 'data', 'logging', 'threads', 'concurrent', 'debug', 'multiprocessing'];
const allowed = {
  runtime: [],
  sync: ['runtime'],
  data: ['runtime', 'sync'],
  logging: ['runtime'],
  threads: ['runtime', 'sync', 'data', 'logging'],
  concurrent: ['runtime', 'sync', 'data', 'logging', 'threads'],
  debug: ['runtime'],
  multiprocessing: ['runtime', 'threads'],
};

module.exports = {
  forbidden: [
    ...layers.map((layer) => ({
      name: `layer-${layer}`,
      comment: `src/${layer}/ may import only ${allowed[layer].length ? allowed[layer].map((l) => `src/${l}/`).join(', ') : 'itself'} (see src/README.md)`,
      severity: 'error',
      // A child process's entry point loads the package like a program does.
      from: { path: `^src/${layer}/`, pathNot: '^src/multiprocessing/process-main\\.ts$' },
      to: { path: `^src/(?!(${[layer, ...allowed[layer]].join('|')})/)` },
    })),
    {
      name: 'native-only-in-runtime',
      comment: 'only src/runtime/ loads the addon',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/runtime/' },
      to: { path: 'node-gyp-build' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.build.json' },
  },
};
