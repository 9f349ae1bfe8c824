// The peers every benchmark compares against, behind one interface.
'use strict';

/**
 * A hand-written pure-JS lock: CAS fast path, Atomics.wait/notify slow path,
 * three states (Drepper's "futexes are tricky" mutex #2) so an uncontended
 * release never notifies. The baseline a pure-JS library can reach.
 */
class AtomicsLock {
  constructor(words = new Int32Array(new SharedArrayBuffer(4))) {
    this.words = words;
  }
  acquire() {
    const s = this.words;
    let c = Atomics.compareExchange(s, 0, 0, 1);
    if (c === 0) return true;
    if (c !== 2) c = Atomics.exchange(s, 0, 2);
    while (c !== 0) {
      Atomics.wait(s, 0, 2);
      c = Atomics.exchange(s, 0, 2);
    }
    return true;
  }
  release() {
    const s = this.words;
    if (Atomics.sub(s, 0, 1) !== 1) {
      Atomics.store(s, 0, 0);
      Atomics.notify(s, 0, 1);
    }
  }
}

// The same class as source, for worker threads.
const atomicsLockSource = AtomicsLock.toString();

/** Runs python3 with `code`; its stdout parsed as JSON, or null without python3. */
function python(code) {
  const { spawnSync } = require('node:child_process');
  const r = spawnSync('python3', ['-c', code], { encoding: 'utf8', timeout: 120_000 });
  if (r.error || r.status !== 0) return null;
  return JSON.parse(r.stdout);
}

/**
 * multithreading's module. It reads `navigator`, which Node has from 21 on;
 * on Node 20 give it the one field it reads.
 */
async function multithreading() {
  globalThis.navigator ??= { hardwareConcurrency: require('node:os').availableParallelism() };
  return import('multithreading');
}

module.exports = { AtomicsLock, atomicsLockSource, python, multithreading };
