// RSS before and after 100,000 create/use/drop cycles of each primitive and
// 20,000 Thread start/join cycles (run with --expose-gc).
'use strict';
const pt = require('pthreading');
const v8 = require('node:v8');
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
  // Thread start/join cycles. RSS grows over the first few thousand and then
  // levels off: the main isolate's young generation grows to its maximum
  // (V8 sizes it by allocation rate: a loop that starts threads fast
  // allocates fast), and malloc keeps memory freed by the workers in its
  // arenas (malloc_trim(0) gives it back). A leak would go on growing: the
  // target is on cycles 10,000 to 20,000.
  const young = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').physical_space_size / 2 ** 20;
  const thread = () => { const t = new pt.Thread({ target: () => 0 }); t.start(); t.join(); };
  let done = 0;
  const cycles = async (upTo) => {
    for (; done < upTo; done++) {
      thread();
      // Let the event loop see threads end (as a server's would).
      if (done % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    await new Promise((r) => setTimeout(r, 300));
  };
  await cycles(50);
  const start = { rss: await rss(), young: young() };
  await cycles(1050);
  rows.push({ bench: 'RSS growth, Thread start/join cycles 1 to 1000', peer: 'Thread', value: (await rss()) - start.rss, unit: 'MiB', better: 'lower' });
  rows.push({ bench: "growth of the main isolate's young generation, cycles 1 to 1000", peer: 'Thread', value: young() - start.young, unit: 'MiB', better: 'lower' });
  await cycles(10_050);
  const steady = { rss: await rss(), young: young() };
  rows.push({ bench: 'RSS growth, Thread start/join cycles 1 to 10000', peer: 'Thread', value: steady.rss - start.rss, unit: 'MiB', better: 'lower' });
  rows.push({ bench: "growth of the main isolate's young generation, cycles 1 to 10000", peer: 'Thread', value: steady.young - start.young, unit: 'MiB', better: 'lower' });
  await cycles(20_050);
  const later = (await rss()) - steady.rss;
  rows.push({ bench: 'RSS growth, Thread start/join cycles 10000 to 20000', peer: 'Thread', value: later, unit: 'MiB', better: 'lower' });
  const stats = pt.nativeStats();
  report(rows, [
    { name: 'Thread start/join cycles 10,000 to 20,000: RSS growth ≤ 5 MiB (in MiB)', ratio: later, target: 5, ok: later <= 5 },
    { name: 'no native waiters or environments left', ratio: stats.queuedWaiters + stats.asyncWaiters, target: 0, ok: stats.queuedWaiters + stats.asyncWaiters === 0 }]);
}

main();
