/**
 * Native invariant checks (native/core/check.h): in debug and sanitizer builds
 * an impossible state aborts with a message where it is found; a release
 * build carries no checks and goes on. Shown with a Lock word corrupted by
 * hand: PARKED set while nobody is queued.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.join(__dirname, '..');

describe('native invariant checks', () => {
  it('a Lock marked PARKED with no waiter queued: checked builds abort saying so, release builds unlock it', () => {
    const r = spawnSync(
      process.execPath,
      [
        '-e',
        `
        const { binding } = require(${JSON.stringify(path.join(root, 'dist', 'runtime', 'native.js'))});
        const { Lock } = require(${JSON.stringify(root)});
        const lock = new Lock();
        lock._words[0] = 3; // LOCKED | PARKED, but no waiter: cannot happen
        console.log(JSON.stringify({ checks: binding.checks }));
        lock.release();
        console.log(JSON.stringify({ locked: lock.locked() }));
      `,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    if (lines[0].checks) {
      expect(r.signal).toBe('SIGABRT');
      expect(r.stderr).toContain('pthreading: invariant broken: a Lock is PARKED with no waiter queued');
      expect(lines).toHaveLength(1);
    } else {
      expect(r.status).toBe(0);
      expect(lines[1]).toEqual({ locked: false });
    }
  });
});
