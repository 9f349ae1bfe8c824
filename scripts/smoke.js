// Smoke test of an installed pthreading: every primitive once, across a
// thread. Run by dist-check.sh under each Node version.
'use strict';
const assert = require('node:assert');
const t = require('pthreading');

const lock = new t.Lock();
const event = new t.Event();
const q = new t.Queue();
const sem = new t.Semaphore(0);
const worker = new t.Thread({
  name: 'smoke',
  target: (l, e, queue, s) => {
    l.acquire();
    queue.put(currentThread().name);
    l.release();
    s.release();
    e.wait();
  },
  args: [lock, event, q, sem],
});
worker.start();
assert.equal(sem.acquire(true, 30), true);
assert.equal(q.get(true, 30), 'smoke');
event.set();
worker.join();
assert.equal(worker.isAlive(), false);
const barrier = new t.Barrier(1);
assert.equal(barrier.wait(), 0);
const cond = new t.Condition();
cond.acquire();
assert.equal(cond.wait(0.01), false);
cond.release();
lock.acquireAsync().then((got) => {
  assert.equal(got, true);
  console.log(`pthreading OK on Node ${process.version}`);
});
