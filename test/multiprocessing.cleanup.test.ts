import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { Lock, multiprocessingStats, sweepAnonymous } from 'pthreading/multiprocessing';

describe('multiprocessing: segments left behind', () => {
  it("an anonymous primitive's name goes when its creator exits normally", () => {
    const out = execFileSync(process.execPath, ['-e', "const { Lock } = require('pthreading/multiprocessing'); console.log(new Lock().name)"], {
      cwd: path.join(__dirname, '..'),
    });
    expect(fs.existsSync(`/dev/shm/pthreading-${String(out).trim()}`)).toBe(false);
  });

  it('the name of one whose creator was killed is swept by the next process that makes one', () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const leftover = `/dev/shm/pthreading-anon-${dead}-0123456789abcdef`;
    fs.writeFileSync(leftover, '');
    const live = `/dev/shm/pthreading-anon-${process.pid}-0123456789abcdef`;
    fs.writeFileSync(live, '');
    expect(sweepAnonymous()).toBeGreaterThanOrEqual(1);
    expect(fs.existsSync(leftover)).toBe(false);
    expect(fs.existsSync(live)).toBe(true);
    fs.unlinkSync(live);
  });

  it('closing the last object of a segment unmaps it; a named one keeps its name', () => {
    const before = multiprocessingStats().mappedSegments;
    const a = new Lock({ name: `test-close-${process.pid}` });
    const b = new Lock({ name: `test-close-${process.pid}` });
    expect(multiprocessingStats().mappedSegments).toBe(before + 1);
    a.close();
    expect(multiprocessingStats().mappedSegments).toBe(before + 1);
    b.close();
    expect(multiprocessingStats().mappedSegments).toBe(before);
    const c = new Lock({ name: `test-close-${process.pid}`, create: false });
    c.acquire();
    c.close();
    // Still held by this process: kept mapped, so a death would still free it.
    expect(multiprocessingStats().mappedSegments).toBe(before + 1);
    const d = new Lock({ name: `test-close-${process.pid}` });
    expect(d.locked()).toBe(true);
    d.release();
    d.unlink();
  });
});

describe('examples/multiprocessing/cluster-init.js', () => {
  it('initialises once across three cluster workers', () => {
    const out = String(execFileSync(process.execPath, [path.join(__dirname, '..', 'examples', 'multiprocessing', 'cluster-init.js')]));
    expect(out.match(/initialising/g)).toHaveLength(1);
    expect(out.match(/: ready/g)).toHaveLength(3);
    expect(out).toMatch(/primary: all workers done/);
  });
});
