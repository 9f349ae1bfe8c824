/**
 * The README's programs do what the README says: they are run as written,
 * against the built package.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.join(__dirname, '..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

// The fenced js block that contains `marker`.
function block(marker: string): string {
  const found = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]).find((code) => code.includes(marker));
  if (!found) throw new Error(`no js block with ${marker} in README.md`);
  return found;
}

const run = (code: string): string => execFileSync(process.execPath, ['-e', code], { cwd: root, encoding: 'utf8', timeout: 30_000 });

describe('README.md', () => {
  it('the first program runs: two threads square four numbers from a queue', () => {
    const lines = run(block('// squares.js')).trim().split('\n');
    expect(lines).toHaveLength(4);
    for (const n of [1, 2, 3, 4]) {
      expect(lines.filter((l) => /^Thread-\d+: /.test(l) && l.endsWith(` ${n} squared is ${n * n}`))).toHaveLength(1);
    }
  });

  it('the ThreadPoolExecutor tour runs as written, and its cancelled task ends cancelled', () => {
    const code = block('const executor = new ThreadPoolExecutor(4);');
    const out = run(`(async () => {
      ${code}
      let error; try { job.result(); } catch (e) { error = e; }
      console.log(JSON.stringify({ cancelled: job.cancelled(), error: error && error.code }));
    })().catch((e) => { console.error(e); process.exit(1); });`);
    const last = out.trim().split('\n').pop() as string;
    expect(JSON.parse(last)).toEqual({ cancelled: true, error: 'ERR_CANCELLED' });
  });
});
