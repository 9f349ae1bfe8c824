/**
 * Thread names as Python gives them: `str(name)`, a default name for an
 * empty one, and the same name on the OS thread, cut to the kernel's 15
 * bytes only when it is longer, on a UTF-8 boundary.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';

import { Event, Thread } from 'pthreading';

// The OS thread's name, as `top -H` shows it, read while the thread runs.
function osName(name: string): string {
  const release = new Event();
  const t = new Thread({ name, target: (e: Event) => e.wait(), args: [release] });
  t.start();
  try {
    return fs.readFileSync(`/proc/self/task/${t.nativeId}/comm`, 'utf8').replace(/\n$/, '');
  } finally {
    release.set();
    t.join();
  }
}

describe('Thread#name', () => {
  it('is str(name), as in Python: a number becomes its string', () => {
    expect(new Thread({ name: 123 }).name).toBe('123');
    expect(new Thread({ name: 'worker' }).name).toBe('worker');
    const t = new Thread();
    t.name = 5 as never;
    expect(t.name).toBe('5');
    t.setName(10n as never);
    expect(t.getName()).toBe('10');
    t.name = '';
    expect(t.name).toBe(''); // an assigned empty name is kept, as in Python
  });

  it('an empty name, like no name, gets the next Thread-N (Python: `str(name) if name else _newname()`)', () => {
    const a = new Thread({ name: '' }).name;
    const b = new Thread({ name: null }).name;
    const c = new Thread({ name: 0 }).name;
    const n = Number(/^Thread-(\d+)$/.exec(a)?.[1]);
    expect([a, b, c]).toEqual([`Thread-${n}`, `Thread-${n + 1}`, `Thread-${n + 2}`]);
  });
});

describe.runIf(process.platform === 'linux')('the OS thread name', () => {
  it('keeps a short name whole, a trailing non-ASCII character included', () => {
    expect(osName('abc€')).toBe('abc€');
    expect(osName('twelve bytes€')).toBe('twelve bytes€'); // exactly 15 bytes, a 3-byte € last
    expect(osName('short')).toBe('short');
  });

  it('cuts a longer name to 15 bytes, on a UTF-8 boundary', () => {
    expect(osName('a-long-thread-name')).toBe('a-long-thread-n');
    expect(osName('fourteen bytes€€')).toBe('fourteen bytes'); // the € at bytes 14-16 does not fit
    expect(osName('ééééééééé')).toBe('ééééééé'); // 2-byte characters: 14 bytes
  });
});
