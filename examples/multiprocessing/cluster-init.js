// One-time initialisation across cluster workers, and a rate limit they
// share: every worker opens the same named Lock, Event and
// BoundedSemaphore; the first to take the lock does the setup, the others
// find the event set, and at most two workers at a time run the "costly"
// step. A worker killed in the middle (try `kill -9` on one) blocks nobody:
// its lock or its semaphore unit passes to the next.
//
//   node examples/multiprocessing/cluster-init.js
'use strict';
const cluster = require('node:cluster');
const { BoundedSemaphore, Event, Lock } = require('pthreading/multiprocessing');

const WORKERS = 3;
const tag = `${process.env.EXAMPLE_TAG ?? process.pid}`;

if (cluster.isPrimary) {
  // The primary only names the run: the workers share the primitives by name.
  let left = WORKERS;
  for (let i = 0; i < WORKERS; i++) cluster.fork({ EXAMPLE_TAG: tag });
  cluster.on('exit', () => {
    if (--left > 0) return;
    // The run's names go with it.
    for (const p of [new Lock({ name: `init-${tag}` }), new Event({ name: `ready-${tag}` }), new BoundedSemaphore(2, { name: `costly-${tag}` })]) p.unlink();
    console.log('primary: all workers done');
  });
} else {
  const init = new Lock({ name: `init-${tag}` });
  const ready = new Event({ name: `ready-${tag}` });
  const costly = new BoundedSemaphore(2, { name: `costly-${tag}` });
  const me = `worker ${cluster.worker.id}`;
  (async () => {
    // Double-checked: the event says "done" without taking the lock; the
    // lock makes sure only one worker initialises.
    if (!ready.isSet()) {
      await init.withAsync(() => {
        if (ready.isSet()) return;
        console.log(`${me}: initialising`);
        ready.set();
      });
    }
    await ready.waitAsync();
    console.log(`${me}: ready`);
    await costly.withAsync(async () => {
      console.log(`${me}: in the costly step (free units: ${costly.value})`);
    });
    process.exit(0);
  })();
}
