// Smoke test of an installed pthreading, run by dist-check.sh under each
// Node version and by runtimes.sh under Bun, Deno and emulated platforms:
// every primitive once, Threads, a Queue, a shared Value, the executor and
// the async waits. `node smoke.js exit` instead ends with a daemon thread
// blocked in a native wait: the process must still exit, with status 0.
'use strict';
const assert = require('node:assert');
const t = require('pthreading');

const runtime =
  typeof Bun !== 'undefined' ? `Bun ${Bun.version}`
  : typeof Deno !== 'undefined' ? `Deno ${Deno.version.deno}`
  : `Node ${process.version}`;
const where = `${runtime} (${process.platform}-${process.arch})`;

if (process.argv[2] === 'exit') exitWithBlockedDaemon();
else smoke();

function exitWithBlockedDaemon() {
  // A daemon blocked on a lock nobody releases, and a finished non-daemon.
  const held = new t.Lock();
  held.acquire();
  const started = new t.Event();
  const daemon = new t.Thread({ daemon: true, target: (l, s) => { s.set(); l.acquire(); }, args: [held, started] });
  daemon.start();
  assert.equal(started.wait(30), true);
  const worker = new t.Thread({ target: () => 0 });
  worker.start();
  worker.join();
  console.log(`pthreading exit with a blocked daemon: ending on ${where}`);
}

function smoke() {
  let passed = 0;
  function check(fn) {
    fn();
    passed++;
  }

  // The primitives on this thread.
  check(() => {
    const lock = new t.Lock();
    assert.equal(lock.acquire(), true);
    assert.equal(lock.acquire(false), false);
    lock.release();
    const rlock = new t.RLock();
    rlock.acquire();
    rlock.acquire();
    rlock.release();
    rlock.release();
    const sem = new t.BoundedSemaphore(2);
    assert.equal(sem.acquire(), true);
    sem.release();
    assert.throws(() => sem.release(), t.ValueError);
    const event = new t.Event();
    assert.equal(event.wait(0.01), false);
    event.set();
    assert.equal(event.isSet(), true);
    const barrier = new t.Barrier(1);
    assert.equal(barrier.wait(), 0);
    const cond = new t.Condition();
    cond.acquire();
    assert.equal(cond.wait(0.01), false);
    cond.release();
  });

  // A thread with primitives in its args: they are the same objects there.
  check(() => {
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
    assert.equal(sem.acquire(true, 30), true, 'the thread never ran');
    assert.equal(q.get(true, 30), 'smoke');
    event.set();
    worker.join(30);
    assert.equal(worker.isAlive(), false);
  });

  // A Queue between a producer and a consumer thread, and a Value counted up
  // by four threads under its lock.
  check(() => {
    const q = new t.Queue(4);
    const total = new t.Value('i', 0);
    const producer = new t.Thread({ target: (queue) => { for (let i = 1; i <= 100; i++) queue.put(i); queue.put(null); }, args: [q] });
    const consumer = new t.Thread({
      target: (queue, v) => {
        for (let item = queue.get(); item !== null; item = queue.get()) v.getLock().with(() => { v.value += item; });
      },
      args: [q, total],
    });
    const adders = Array.from({ length: 4 }, () => new t.Thread({
      target: (v) => { for (let i = 0; i < 250; i++) v.getLock().with(() => { v.value += 1; }); },
      args: [total],
    }));
    for (const th of [producer, consumer, ...adders]) th.start();
    for (const th of [producer, consumer, ...adders]) th.join(60);
    assert.equal(total.value, 5050 + 1000);
  });

  // The executor: results in order, an exception carried by its Future.
  check(() => {
    const pool = new t.ThreadPoolExecutor(2);
    const squares = [...pool.map((x) => x * x, [1, 2, 3, 4, 5])];
    assert.deepEqual(squares, [1, 4, 9, 16, 25]);
    const failing = pool.submit(() => { throw new RangeError('from a task'); });
    assert.throws(() => failing.result(30), RangeError);
    pool.shutdown();
  });

  // The async twins, woken by another thread while the event loop runs.
  async function asyncChecks() {
    const lock = new t.Lock();
    lock.acquire();
    const event = new t.Event();
    const q = new t.Queue();
    const th = new t.Thread({
      target: (l, e, queue) => { e.wait(); queue.put('from the thread'); l.release(); },
      args: [lock, event, q],
    });
    th.start();
    const got = lock.acquireAsync(true, 30);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 1);
    await t.sleepAsync(0.02);
    event.set();
    assert.equal(await got, true);
    assert.equal(await q.getAsync(true, 30), 'from the thread');
    await th.joinAsync(30);
    clearInterval(ticker);
    assert.ok(ticks > 0, 'the event loop was blocked during the async waits');
    lock.release();
    const pool = new t.ThreadPoolExecutor(1);
    assert.equal(await pool.submit((a, b) => a + b, 2, 3).resultAsync(30), 5);
    await pool.shutdownAsync();
    passed++;
  }

  asyncChecks().then(
    () => console.log(`pthreading smoke on ${where}: ${passed} passed, 0 failed`),
    (error) => {
      console.error(`pthreading smoke on ${where} failed:`, error);
      process.exit(1);
    },
  );
}
