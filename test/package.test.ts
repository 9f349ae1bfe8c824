/** The package loads the same way from CommonJS and ESM. */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
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
});
