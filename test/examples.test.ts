/**
 * Every port in examples/ against the Python original in examples/python/:
 * run both, normalize what legitimately differs (default names, random
 * pauses, timestamps), and require the same lines — and, for each thread,
 * its own lines in the same order (the only order Python guarantees).
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.join(__dirname, '..');
const examples = path.join(root, 'examples');

// Python 3.9 removed Thread.isAlive, which the reference document uses;
// and Python's print() writes its parts separately, so two threads'
// lines can interleave mid-line: make each print() whole, as console.log.
const prelude = [
  'import builtins, runpy, sys, threading',
  'threading.Thread.isAlive = threading.Thread.is_alive',
  '_print, _lock = builtins.print, threading.Lock()',
  'def _whole(*args, **kwargs):',
  '    with _lock:',
  '        _print(*args, **kwargs)',
  'builtins.print = _whole',
  "runpy.run_path(sys.argv[1], run_name='__main__')",
].join('\n');

// The reference document's examples, in its order.
const names: string[] = JSON.parse(readFileSync(path.join(examples, 'list.json'), 'utf8'));

/** What may differ between two correct runs. */
function normalize(line: string): string {
  return (
    line
      // Python 3.10+ names threads "Thread-N (target)".
      .replace(/(Thread-\d+) \(\w+\)/g, '$1')
      // The padding of %(threadName)-10s follows the name.
      .replace(/^(\[\w+\] )?\(([^()]*?)\s*\)/, '$1($2)')
      .replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} /, '')
      // Random pauses and which worker got there first.
      .replace(/\d+\.\d+/g, 'X')
      .replace(/^(\d+) by \d+$/, '$1 by W')
      // Which threads are in the pool at a moment depends on scheduling.
      .replace(/\[(?:'[^']*'(?:, )?)*\]/g, '[pool]')
  );
}

/** The thread a line belongs to: its "(name)" prefix, or its first word. */
function threadOf(example: string, line: string): string | null {
  const m = /^(?:\[\w+\] )?\(([^()]*)\)/.exec(line);
  if (m) return m[1];
  if (example === 'threading_names') return line.split(' ')[0];
  return null;
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '').map(normalize);
}

function perThread(example: string, ls: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const l of ls) {
    const t = threadOf(example, l);
    if (t !== null) (out[t] ??= []).push(l);
  }
  return out;
}

describe.each(names)('examples/%s.js', (name) => {
  it('prints what the Python original prints', async () => {
    const [js, py] = await Promise.all([
      run(process.execPath, [path.join(examples, `${name}.js`)], { cwd: root, timeout: 60_000 }),
      run('python3', ['-u', '-W', 'ignore', '-c', prelude, path.join(examples, 'python', `${name}.py`)], { cwd: root, timeout: 60_000 }),
    ]);
    for (const stream of ['stdout', 'stderr'] as const) {
      const ours = lines(js[stream]);
      const theirs = lines(py[stream]);
      expect([...ours].sort(), `${stream} lines`).toEqual([...theirs].sort());
      expect(perThread(name, ours), `${stream} order within each thread`).toEqual(perThread(name, theirs));
    }
    if (name === 'threading_semaphore') {
      // What the normalization hides: never more than Semaphore(2) inside.
      const pools = js.stderr.split('\n').flatMap((l) => /Running: \[(.*)\]/.exec(l)?.[1] ?? []);
      expect(pools.length).toBe(8);
      for (const pool of pools) expect(pool ? pool.split(', ').length : 0).toBeLessThanOrEqual(2);
    }
  });
});
