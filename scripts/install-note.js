// Run by the install script (node-gyp-build) only when no prebuilt binary
// loads here, just before it compiles the addon from source: says so, and
// what the compile needs.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const here = `${process.platform}-${process.arch}`;
let shipped = [];
try {
  shipped = fs.readdirSync(path.join(__dirname, '..', 'prebuilds'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
} catch {
  // A checkout of the repository has no prebuilds/ until it is packed.
}
const needs = {
  darwin: 'Python 3 and the Xcode command line tools. The macOS build is not tested by the project yet',
  win32: 'Python 3 and Visual Studio Build Tools with the C++ workload (C++20)',
}[process.platform] ?? 'Python 3, make and a C++20 compiler (g++ 10 or clang 13 and later)';
console.error(
  `pthreading: no prebuilt binary loads on ${here} (the package ships ${shipped.join(', ') || 'none'}); ` +
    `compiling it from source with node-gyp, which needs ${needs}.`,
);
