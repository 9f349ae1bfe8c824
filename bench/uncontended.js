// Uncontended Lock acquire+release: pthreading against the hand-written
// Atomics lock and multithreading's Mutex (blocking forms), and against
// async-mutex (async forms); Python's threading.Lock when python3 is here.
'use strict';
const { Bench } = require('tinybench');
const { Mutex: AsyncMutex } = require('async-mutex');
const { Lock, setDebug } = require('pthreading');
const { AtomicsLock, multithreading, python } = require('./peers');
const { report, nsPerOp } = require('./report');

async function main() {
  const { Mutex: MtMutex } = await multithreading();
  const lock = new Lock();
  const atomics = new AtomicsLock();
  const mt = new MtMutex(0);
  const am = new AsyncMutex();
  // Debug mode applies to primitives created while it is on.
  setDebug({ stats: true });
  const withStats = new Lock();
  setDebug({ deadlock: true });
  const withBoth = new Lock();
  setDebug({ stats: false });
  const withDeadlock = new Lock();
  setDebug({ deadlock: false });
  const bench = new Bench({ time: 500, warmupTime: 200 });
  bench
    .add('pthreading Lock', () => {
      lock.acquire();
      lock.release();
    })
    .add('Atomics CAS lock', () => {
      atomics.acquire();
      atomics.release();
    })
    .add('multithreading Mutex', () => {
      mt.blockingLock().dispose();
    })
    .add('pthreading Lock, stats on', () => {
      withStats.acquire();
      withStats.release();
    })
    .add('pthreading Lock, deadlock detection on', () => {
      withDeadlock.acquire();
      withDeadlock.release();
    })
    .add('pthreading Lock, stats + deadlock detection on', () => {
      withBoth.acquire();
      withBoth.release();
    })
    .add('pthreading Lock async', async () => {
      await lock.acquireAsync();
      lock.release();
    })
    .add('async-mutex', async () => {
      const release = await am.acquire();
      release();
    });
  await bench.run();
  const ns = Object.fromEntries(bench.tasks.map((t) => [t.name, nsPerOp(t)]));
  const rows = [
    ['pthreading Lock', 'sync'],
    ['Atomics CAS lock', 'sync'],
    ['multithreading Mutex', 'sync'],
    ['pthreading Lock async', 'async'],
    ['async-mutex', 'async'],
  ].map(([peer, kind]) => ({ bench: `uncontended acquire+release (${kind})`, peer, value: ns[peer], unit: 'ns/op', better: 'lower' }));
  for (const peer of ['pthreading Lock', 'pthreading Lock, stats on', 'pthreading Lock, deadlock detection on', 'pthreading Lock, stats + deadlock detection on']) {
    rows.push({ bench: 'debug mode cost: uncontended acquire+release', peer: peer === 'pthreading Lock' ? 'pthreading Lock, debug off (default)' : peer, value: ns[peer], unit: 'ns/op', better: 'lower' });
  }
  const py = python(`
import json, threading, timeit
l = threading.Lock()
n = 1_000_000
t = timeit.timeit(lambda: (l.acquire(), l.release()), number=n)
print(json.dumps(t / n * 1e9))`);
  if (py !== null) rows.push({ bench: 'uncontended acquire+release (sync)', peer: 'Python threading.Lock', value: py, unit: 'ns/op', better: 'lower' });
  const syncRatio = ns['pthreading Lock'] / ns['Atomics CAS lock'];
  const asyncRatio = ns['pthreading Lock async'] / ns['async-mutex'];
  const deadlockRatio = ns['pthreading Lock, deadlock detection on'] / ns['pthreading Lock'];
  report(rows, [
    { name: 'deadlock detection on ≤ 5 × off (uncontended pair)', ratio: deadlockRatio, target: 5, ok: deadlockRatio <= 5 },
    { name: 'uncontended Lock ≤ 1.2 × Atomics CAS lock', ratio: syncRatio, target: 1.2, ok: syncRatio <= 1.2 },
    { name: 'uncontended async Lock ≤ 0.5 × async-mutex', ratio: asyncRatio, target: 0.5, ok: asyncRatio <= 0.5 },
  ]);
}

main();
