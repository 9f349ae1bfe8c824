// Ping-pong between 2 threads: the round-trip latency of a wake-up.
// pthreading Event and Condition against an Atomics.wait/notify ping-pong,
// and Python's threading.Event when python3 is here.
'use strict';
const { Worker } = require('node:worker_threads');
const { Condition, Event, Lock } = require('pthreading');
const { python } = require('./peers');
const { report } = require('./report');

const ROUNDS = 20_000;

const sides = {
  'pthreading Event': {
    make: () => ({ ping: new Event(), pong: new Event() }),
    a: 'for (let i = 0; i < n; i++) { d.ping.set(); d.pong.wait(); d.pong.clear(); }',
    b: 'for (let i = 0; i < n; i++) { d.ping.wait(); d.ping.clear(); d.pong.set(); }',
  },
  'pthreading Condition': {
    make: () => ({ cond: new Condition(new Lock()), turn: new Int32Array(new SharedArrayBuffer(4)) }),
    a: `for (let i = 0; i < n; i++) { d.cond.acquire(); d.turn[0] = 1; d.cond.notify(); while (d.turn[0] !== 0) d.cond.wait(); d.cond.release(); }`,
    b: `for (let i = 0; i < n; i++) { d.cond.acquire(); while (d.turn[0] !== 1) d.cond.wait(); d.turn[0] = 0; d.cond.notify(); d.cond.release(); }`,
  },
  'Atomics.wait/notify': {
    make: () => ({ w: new Int32Array(new SharedArrayBuffer(8)) }),
    // Each wait re-checks its word: Atomics.wait may return before a notify.
    a: `for (let i = 0; i < n; i++) { Atomics.store(d.w, 0, 1); Atomics.notify(d.w, 0); while (Atomics.load(d.w, 1) === 0) Atomics.wait(d.w, 1, 0); Atomics.store(d.w, 1, 0); }`,
    b: `for (let i = 0; i < n; i++) { while (Atomics.load(d.w, 0) === 0) Atomics.wait(d.w, 0, 0); Atomics.store(d.w, 0, 0); Atomics.store(d.w, 1, 1); Atomics.notify(d.w, 1); }`,
  },
};

function side(body, d, go) {
  const w = new Worker(
    `const { workerData } = require('node:worker_threads');
     require('pthreading');
     const { d, go, n } = workerData;
     Atomics.add(go, 1, 1);
     while (Atomics.load(go, 0) === 0);
     const t = performance.now();
     ${body}
     require('node:worker_threads').parentPort.postMessage(performance.now() - t);`,
    { eval: true, workerData: { d, go, n: ROUNDS } },
  );
  return { w, done: new Promise((resolve) => w.once('message', resolve)) };
}

async function roundTrip(name) {
  const d = sides[name].make();
  const go = new Int32Array(new SharedArrayBuffer(8));
  const a = side(sides[name].a, d, go);
  const b = side(sides[name].b, d, go);
  while (Atomics.load(go, 1) < 2) await new Promise((r) => setTimeout(r, 1));
  Atomics.store(go, 0, 1);
  const ms = await a.done;
  await b.done;
  await Promise.all([a.w.terminate(), b.w.terminate()]);
  return (ms * 1000) / ROUNDS;
}

async function main() {
  const us = {};
  for (const name of Object.keys(sides)) {
    const runs = [];
    for (let k = 0; k < 3; k++) runs.push(await roundTrip(name));
    process.stderr.write(`${name}: ${Math.min(...runs).toFixed(1)} µs\n`);
    us[name] = Math.min(...runs);
  }
  const rows = Object.entries(us).map(([peer, value]) => ({ bench: 'ping-pong round trip', peer, value, unit: 'µs', better: 'lower' }));
  const py = python(`
import json, threading, time
n = 5000
ping, pong = threading.Event(), threading.Event()
def b():
    for _ in range(n):
        ping.wait(); ping.clear(); pong.set()
t = threading.Thread(target=b); t.start()
s = time.perf_counter()
for _ in range(n):
    ping.set(); pong.wait(); pong.clear()
e = time.perf_counter() - s
t.join()
print(json.dumps(e / n * 1e6))`);
  if (py !== null) rows.push({ bench: 'ping-pong round trip', peer: 'Python threading.Event', value: py, unit: 'µs', better: 'lower' });
  const base = us['Atomics.wait/notify'];
  report(rows, [
    { name: 'Event ping-pong ≤ 0.5 × Atomics.wait/notify', ratio: us['pthreading Event'] / base, target: 0.5, ok: us['pthreading Event'] / base <= 0.5 },
    { name: 'Condition ping-pong ≤ 0.5 × Atomics.wait/notify', ratio: us['pthreading Condition'] / base, target: 0.5, ok: us['pthreading Condition'] / base <= 0.5 },
  ]);
}

main();
