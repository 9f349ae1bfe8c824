/** The package loads the same way from CommonJS and ESM. */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.join(__dirname, '..');
const node = (args: string[]): string => execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' });

describe('package entry points', () => {
  it('require() and import give the same exports', () => {
    const cjs = node(['-e', "console.log(Object.keys(require('pthreading')).sort().join(','))"]).trim();
    const esm = node([
      '--input-type=module',
      '-e',
      "import * as m from 'pthreading'; console.log(Object.keys(m).filter((k) => k !== 'default').sort().join(','))",
    ]).trim();
    expect(cjs.split(',')).toContain('Lock');
    expect(esm).toBe(cjs);
  });

  it('named ESM imports work and share state with require()', () => {
    const out = node([
      '--input-type=module',
      '-e',
      `import { Lock } from 'pthreading';
       import { createRequire } from 'node:module';
       const cjs = createRequire(import.meta.url)('pthreading');
       const l = new Lock(); l.acquire();
       console.log(l instanceof cjs.Lock, l.locked());`,
    ]).trim();
    expect(out).toBe('true true');
  });

  it('an addon that does not load fails at require() with an error naming the runtime and platform', () => {
    // A copy of the package with no binary for this platform, built or prebuilt.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pthreading-nobinary-'));
    try {
      const copy = path.join(dir, 'node_modules', 'pthreading');
      mkdirSync(copy, { recursive: true });
      cpSync(path.join(root, 'dist'), path.join(copy, 'dist'), { recursive: true });
      writeFileSync(path.join(copy, 'package.json'), JSON.stringify({ name: 'pthreading', main: './dist/index.js' }));
      for (const dep of ['node-gyp-build', 'sprintf-js']) {
        symlinkSync(path.join(root, 'node_modules', dep), path.join(dir, 'node_modules', dep));
      }
      const r = spawnSync(process.execPath, ['-e', "require('pthreading')"], { cwd: dir, encoding: 'utf8' });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain(`pthreading's native addon did not load on Node ${process.version} (${process.platform}-${process.arch}): No native build was found`);
      expect(r.stderr).toContain('ERR_RUNTIME_UNSUPPORTED');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
