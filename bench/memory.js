// RSS before and after 100,000 create/use/drop cycles of each primitive and
// 1,000 Thread start/join cycles (run with --expose-gc).
'use strict';
const pt = require('pthreading');
const { report } = require('./report');

const CYCLES = 100_000;
const uses = {
  Lock: () => { const x = new pt.Lock(); x.acquire(); x.release(); },
  RLock: () => { const x = new pt.RLock(); x.acquire(); x.release(); },
  Condition: () => { const x = new pt.Condition(); x.acquire(); x.notify(); x.release(); },
  Semaphore: () => { const x = new pt.Semaphore(1); x.acquire(); x.release(); },
  Event: () => { const x = new pt.Event(); x.set(); x.wait(); },
  Barrier: () => { new pt.Barrier(1).wait(); },
  Queue: () => { const q = new pt.Queue(); q.put(1); q.get(); },
};

// Two full collections, with a pause for the buffers' backing stores to be
// released, before reading RSS.
async function rss() {
  global.gc();
  await new Promise((r) => setTimeout(r, 50));
  global.gc();
  return process.memoryUsage().rss / 2 ** 20;
}

async function main() {
  const rows = [];
  for (const [name, use] of Object.entries(uses)) {
    for (let i = 0; i < CYCLES / 10; i++) use();
    await new Promise((r) => setImmediate(r));
    const before = await rss();
    for (let i = 0; i < CYCLES; i++) use();
    await new Promise((r) => setImmediate(r));
    rows.push({ bench: `RSS growth, ${CYCLES} cycles`, peer: name, value: (await rss()) - before, unit: 'MiB', better: 'lower' });
  }
  const threads = () => { const t = new pt.Thread({ target: () => 0 }); t.start(); t.join(); };
  for (let i = 0; i < 50; i++) threads();
  await new Promise((r) => setTimeout(r, 100));
  const before = await rss();
  for (let i = 0; i < 1000; i++) {
    threads();
    // Let the event loop see threads end (as a server's would).
    if (i % 50 === 0) await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setTimeout(r, 500));
  rows.push({ bench: 'RSS growth, 1000 Thread start/join', peer: 'Thread', value: (await rss()) - before, unit: 'MiB', better: 'lower' });
  const stats = pt.nativeStats();
  report(rows, [{ name: 'no native waiters or environments left', ratio: stats.queuedWaiters + stats.asyncWaiters, target: 0, ok: stats.queuedWaiters + stats.asyncWaiters === 0 }]);
}

main();
