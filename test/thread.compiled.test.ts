/**
 * Compiled TypeScript runs in a thread: a target compiled by the project's
 * own tsc (ES2022 and ES2017 targets, CommonJS and ES modules, helpers
 * inlined or imported from tslib) gives the same result in a thread as on
 * the main thread, though the helpers it calls sit at the top of its file.
 * So does Babel's output (preset-env for old and current Node, CommonJS
 * and ES modules, helpers inlined).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import ts from 'typescript';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const babel = require('@babel/core') as typeof import('@babel/core');

const source = readFileSync(path.join(__dirname, 'fixtures', 'compiled.ts'), 'utf8');
// Inside the package, so that the output's `import 'pthreading'` resolves to it.
const out = path.join(__dirname, 'fixtures', `.compiled-${process.pid}`);
mkdirSync(out, { recursive: true });
afterAll(() => rmSync(out, { recursive: true, force: true }));

const expected = 'file.txt,b disposed,a disposed,1yz';

const forms: [string, ts.CompilerOptions][] = [
  ['ES2022, CommonJS', { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS }],
  ['ES2017, CommonJS', { target: ts.ScriptTarget.ES2017, module: ts.ModuleKind.CommonJS }],
  ['ES2017, CommonJS, tslib', { target: ts.ScriptTarget.ES2017, module: ts.ModuleKind.CommonJS, importHelpers: true }],
  ['ES2022, ES module', { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022 }],
  ['ES2017, ES module', { target: ts.ScriptTarget.ES2017, module: ts.ModuleKind.ES2022 }],
  ['ES2017, ES module, tslib', { target: ts.ScriptTarget.ES2017, module: ts.ModuleKind.ES2022, importHelpers: true }],
];

describe('A target compiled by tsc', () => {
  for (const [name, options] of forms) {
    it(`runs in a thread as on the main thread (${name})`, () => {
      const esm = options.module === ts.ModuleKind.ES2022;
      const { outputText } = ts.transpileModule(source, {
        compilerOptions: { ...options, esModuleInterop: true, lib: ['lib.es2022.d.ts', 'lib.esnext.disposable.d.ts'] },
      });
      const file = path.join(out, `${name.replace(/\W+/g, '-')}.${esm ? 'mjs' : 'cjs'}`);
      writeFileSync(file, outputText);
      const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 30_000 });
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toEqual({ onMain: expected, inThread: expected });
    });
  }
});

const babelSource = readFileSync(path.join(__dirname, 'fixtures', 'compiled-babel.mjs'), 'utf8');
const babelForms: [string, string, false | 'commonjs'][] = [
  ['Node 6, CommonJS', '6', 'commonjs'],
  ['Node 6, ES module', '6', false],
  ['Node 18, CommonJS', '18', 'commonjs'],
];

describe('A target compiled by Babel', () => {
  for (const [name, node, modules] of babelForms) {
    it(`runs in a thread as on the main thread (${name})`, () => {
      const { code } = babel.transformSync(babelSource, {
        babelrc: false,
        configFile: false,
        sourceType: 'module',
        presets: [[require.resolve('@babel/preset-env'), { targets: { node }, modules }]],
        plugins: [require.resolve('@babel/plugin-transform-explicit-resource-management')],
      })!;
      // Old targets go through Babel's helpers: the test is about those.
      if (node === '6') expect(code).toMatch(/function _asyncToGenerator/);
      const file = path.join(out, `babel-${name.replace(/\W+/g, '-')}.${modules ? 'cjs' : 'mjs'}`);
      writeFileSync(file, code!);
      const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 30_000 });
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toEqual({ onMain: expected, inThread: expected });
    });
  }
});
