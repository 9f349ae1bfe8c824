// Across processes (pthreading/multiprocessing): the uncontended Lock pair
// beside pthreading's in-process Lock and Python's multiprocessing.Lock;
// 2 processes x N increments of a shared counter under one Lock beside
// Python's multiprocessing and proper-lockfile (the lock files most Node
// code uses across processes; it takes far longer, so it runs fewer
// increments and its time is scaled up: the row says from how many); an Event ping-pong between 2 processes beside
// Python's multiprocessing.Event. Python rows appear when python3 is here.
// BENCH_MP_SCALE shrinks or grows the counts (a smoke run: 0.01).
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Lock: ThreadLock } = require('pthreading');
const { Array: SharedArray, Event, Lock, Semaphore, Value } = require('pthreading/multiprocessing');
const { python } = require('./peers');
const { report } = require('./report');

const scale = Number(process.env.BENCH_MP_SCALE ?? 1);
const INCREMENTS = Math.max(100, Math.round(1e6 * scale));
const ROUNDS = Math.max(100, Math.round(20_000 * scale));
const LOCKFILE_INCREMENTS = Math.max(20, Math.round(2_000 * scale));

// A node child running `body` with `d` (JSON, revived); resolves with what it prints last.
function child(body, d) {
  const source = `
    const mp = require('pthreading/multiprocessing');
    const d = mp.revive(JSON.parse(process.argv[1]));
    const t = performance.now();
    ${body}
    console.log(performance.now() - t);`;
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['-e', source, JSON.stringify(d)], { stdio: ['ignore', 'pipe', 'inherit'], cwd: __dirname });
    let out = '';
    c.stdout.on('data', (b) => (out += b));
    c.on('exit', (code) => (code === 0 ? resolve(Number(out.trim().split('\n').pop())) : reject(new Error(`child exited ${code}`))));
  });
}

async function main() {
  const rows = [];
  const targets = [];

  // --- uncontended pair ---
  // Timed as Python's timeit times its row, for every peer: a closure
  // called n times in a loop timed as a whole, best of 5 repeats (a
  // per-iteration clock, as tinybench reads, would add its own ~50 ns to
  // the JavaScript rows only).
  const mpLock = new Lock();
  const threadLock = new ThreadLock();
  const PAIRS = Math.max(1000, Math.round(1e6 * scale));
  const timeit = (fn) => {
    let best = Infinity;
    for (let r = 0; r < 5; r++) {
      const t = process.hrtime.bigint();
      for (let i = 0; i < PAIRS; i++) fn();
      best = Math.min(best, Number(process.hrtime.bigint() - t) / PAIRS);
    }
    return best;
  };
  const ns = {
    'pthreading multiprocessing Lock': timeit(() => {
      mpLock.acquire();
      mpLock.release();
    }),
    'pthreading Lock (in-process)': timeit(() => {
      threadLock.acquire();
      threadLock.release();
    }),
  };
  for (const peer of Object.keys(ns)) rows.push({ bench: 'uncontended acquire+release across processes', peer, value: ns[peer], unit: 'ns/op', better: 'lower' });
  const pyPair = python(`
import json, multiprocessing, timeit
l = multiprocessing.Lock()
n = ${PAIRS}
t = min(timeit.repeat(lambda: (l.acquire(), l.release()), number=n, repeat=5))
print(json.dumps(t / n * 1e9))`);
  if (pyPair !== null) rows.push({ bench: 'uncontended acquire+release across processes', peer: 'Python multiprocessing.Lock', value: pyPair, unit: 'ns/op', better: 'lower' });
  const pairRatio = ns['pthreading multiprocessing Lock'] / ns['pthreading Lock (in-process)'];
  targets.push({ name: 'cross-process uncontended pair ≤ 2 × in-process Lock', ratio: pairRatio, target: 2, ok: pairRatio <= 2 });
  if (pyPair !== null) {
    const r = ns['pthreading multiprocessing Lock'] / pyPair;
    targets.push({ name: "cross-process uncontended pair ≤ Python's multiprocessing.Lock", ratio: r, target: 1, ok: r <= 1 });
  }

  // --- 2 processes x N increments under one Lock ---
  // Timed from a start signal both workers wait for (each already running
  // and holding the primitives) to the last one's end, in both languages:
  // what is measured is the lock, not how long a process takes to boot
  // (a node child with pthreading takes 0.1-0.5 s to start, a forked
  // Python worker almost none, which the first version of this row counted).
  const counter = new Value('i', 0);
  const ready = new Semaphore(0);
  const go = new Event();
  const ends = new SharedArray('d', 2);
  const incr = (k) => `d.ready.release(); d.go.wait();
    for (let i = 0; i < ${INCREMENTS}; i++) { d.lock.acquire(); d.counter.value += 1; d.lock.release(); }
    d.ends.set(${k}, performance.timeOrigin + performance.now());`;
  const both = Promise.all([0, 1].map((k) => child(incr(k), { lock: mpLock, counter, ready, go, ends })));
  await ready.acquireAsync();
  await ready.acquireAsync();
  const t0 = performance.timeOrigin + performance.now();
  go.set();
  await both;
  const mpMs = Math.max(...ends.toArray()) - t0;
  if (counter.value !== 2 * INCREMENTS) throw new Error(`lost increments: ${counter.value}`);
  const label = `2 processes × ${INCREMENTS} increments under one Lock`;
  rows.push({ bench: label, peer: 'pthreading multiprocessing', value: mpMs, unit: 'ms', better: 'lower' });
  const pyIncr = python(`
import json, multiprocessing, time
def work(l, v, n, ready, go, ends, k):
    ready.release(); go.wait()
    for _ in range(n):
        with l:
            v.value += 1
    ends[k] = time.perf_counter()
if __name__ == '__main__':
    l = multiprocessing.Lock(); v = multiprocessing.Value('i', 0, lock=False)
    ready = multiprocessing.Semaphore(0); go = multiprocessing.Event(); ends = multiprocessing.Array('d', 2, lock=False)
    ps = [multiprocessing.Process(target=work, args=(l, v, ${INCREMENTS}, ready, go, ends, k)) for k in range(2)]
    for p in ps: p.start()
    ready.acquire(); ready.acquire()
    t = time.perf_counter()
    go.set()
    for p in ps: p.join()
    assert v.value == 2 * ${INCREMENTS}
    print(json.dumps((max(ends) - t) * 1000))`);
  if (pyIncr !== null) rows.push({ bench: label, peer: 'Python multiprocessing', value: pyIncr, unit: 'ms', better: 'lower' });

  // proper-lockfile: an mkdir per acquire, an rmdir per release, a busy
  // lock retried every millisecond (its fastest polling). The same counter.
  const target = path.join(os.tmpdir(), `pthreading-bench-${process.pid}.target`);
  fs.writeFileSync(target, '');
  const lfCounter = new Value('i', 0);
  // Async: the child prints its own time last (child() reads the last line).
  const lfIncr = `const lockfile = require('proper-lockfile');
    const retries = { forever: true, factor: 1, minTimeout: 1, maxTimeout: 1 };
    (async () => {
      for (let i = 0; i < ${LOCKFILE_INCREMENTS}; i++) {
        const release = await lockfile.lock(d.target, { realpath: false, retries });
        d.counter.value += 1;
        await release();
      }
      console.log(performance.now() - t);
    })();`;
  // Each child's own time of its loop (its boot left out: scaled up, it
  // would count many times over); the slower one is the row's.
  const lfMs = Math.max(...(await Promise.all([child(lfIncr, { target, counter: lfCounter }), child(lfIncr, { target, counter: lfCounter })])));
  fs.rmSync(target, { force: true });
  if (lfCounter.value !== 2 * LOCKFILE_INCREMENTS) throw new Error(`proper-lockfile lost increments: ${lfCounter.value}`);
  rows.push({
    bench: label,
    peer: `proper-lockfile (2 × ${LOCKFILE_INCREMENTS} run, scaled to ${INCREMENTS})`,
    value: (lfMs * INCREMENTS) / LOCKFILE_INCREMENTS,
    unit: 'ms',
    better: 'lower',
  });
  lfCounter.unlink();

  // --- Event ping-pong between 2 processes ---
  const ping = new Event();
  const pong = new Event();
  // From the start signal too: otherwise the first ping waits for the
  // other child to boot, and that wait is counted as rounds.
  go.clear();
  const a = `d.ready.release(); d.go.wait();
    for (let i = 0; i < ${ROUNDS}; i++) { d.ping.set(); d.pong.wait(); d.pong.clear(); }
    d.ends.set(0, performance.timeOrigin + performance.now());`;
  const b = `d.ready.release(); d.go.wait();
    for (let i = 0; i < ${ROUNDS}; i++) { d.ping.wait(); d.ping.clear(); d.pong.set(); }`;
  const sides = Promise.all([child(a, { ping, pong, ready, go, ends }), child(b, { ping, pong, ready, go, ends })]);
  await ready.acquireAsync();
  await ready.acquireAsync();
  const t1 = performance.timeOrigin + performance.now();
  go.set();
  await sides;
  const ms = ends.get(0) - t1;
  const pp = `Event ping-pong between 2 processes (round trip)`;
  rows.push({ bench: pp, peer: 'pthreading multiprocessing Event', value: (ms * 1000) / ROUNDS, unit: 'µs', better: 'lower' });
  const pyPing = python(`
import json, multiprocessing, time
def side(a, b, n, first, ready=None):
    if ready: ready.release()
    for _ in range(n):
        if first:
            a.set(); b.wait(); b.clear()
        else:
            a.wait(); a.clear(); b.set()
if __name__ == '__main__':
    ping, pong = multiprocessing.Event(), multiprocessing.Event()
    n = ${ROUNDS}
    ready = multiprocessing.Semaphore(0)
    p = multiprocessing.Process(target=side, args=(ping, pong, n, False, ready)); p.start()
    ready.acquire()
    t = time.perf_counter(); side(ping, pong, n, True); dt = time.perf_counter() - t
    p.join()
    print(json.dumps(dt * 1e6 / n))`);
  if (pyPing !== null) {
    rows.push({ bench: pp, peer: 'Python multiprocessing.Event', value: pyPing, unit: 'µs', better: 'lower' });
    const r = (ms * 1000) / ROUNDS / pyPing;
    targets.push({ name: "cross-process Event ping-pong ≤ Python's multiprocessing.Event", ratio: r, target: 1, ok: r <= 1 });
  }
  for (const p of [mpLock, counter, ready, go, ends, ping, pong]) p.unlink();
  report(rows, targets);
}

main();
