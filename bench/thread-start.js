// Thread start -> run: from start() to the first line of the target, for a
// pthreading Thread with warm workers (the default), with none (cold), and
// a raw Worker; Python's thread start+join when python3 is here. The median
// and the p99 of the same samples (START_N of each, 40 by default: their p99
// is the slowest one). Then 100 start() calls back to back, with no pause in
// which warm workers could be booted again: how long each call takes,
// beside Python's.
'use strict';
const { Worker } = require('node:worker_threads');
const { Event, Thread, setSpareThreads } = require('pthreading');
const { python } = require('./peers');
const { report, percentile } = require('./report');

const N = Number(process.env.START_N || 40);
const now = () => Number(process.hrtime.bigint()) / 1e6;

function median(xs) {
  return percentile([...xs].sort((a, b) => a - b), 50);
}

async function rawWorker() {
  const out = new Float64Array(new SharedArrayBuffer(8));
  const t = now();
  const w = new Worker('require("node:worker_threads").workerData.out[0] = Number(process.hrtime.bigint()) / 1e6;', {
    eval: true,
    workerData: { out },
  });
  await new Promise((resolve) => w.once('exit', resolve));
  return out[0] - t;
}

function thread() {
  const out = new Float64Array(new SharedArrayBuffer(8));
  const t = new Thread({ target: (o) => (o[0] = Number(process.hrtime.bigint()) / 1e6), args: [out] });
  const start = now();
  t.start();
  t.join();
  return out[0] - start;
}

// start() and join() of one thread, as Python's start+join peer times it:
// in a loop, each thread's worker is reused by a later one.
function startJoin() {
  const t = new Thread({ target: () => 0 });
  const start = now();
  t.start();
  t.join();
  return now() - start;
}

const LOOP = 200;

const BURST = 100;

// BURST threads started back to back (each waits on one Event, so all are
// alive at once); the median time of a start() call.
function burst() {
  const go = new Event();
  const threads = [];
  const took = [];
  for (let i = 0; i < BURST; i++) {
    const t = new Thread({ target: (go) => go.wait(), args: [go] });
    const start = now();
    t.start();
    took.push(now() - start);
    threads.push(t);
  }
  go.set();
  for (const t of threads) t.join();
  return median(took);
}

async function main() {
  const raw = [];
  const cold = [];
  const warm = [];
  for (let i = 0; i < N; i++) raw.push(await rawWorker());
  setSpareThreads(0);
  for (let i = 0; i < N; i++) cold.push(thread());
  setSpareThreads(2);
  thread(); // boot the spares
  for (let i = 0; i < N; i++) {
    // Give the replacement spare time to boot, as between a server's requests.
    await new Promise((r) => setTimeout(r, 150));
    warm.push(thread());
  }
  await new Promise((r) => setTimeout(r, 150)); // the spares are booted again
  const loop = [];
  for (let i = 0; i < LOOP; i++) loop.push(startJoin());
  await new Promise((r) => setTimeout(r, 150));
  const burstMs = burst();
  const samples = { 'raw Worker': raw, 'pthreading Thread (cold)': cold, 'pthreading Thread (warm)': warm };
  const ms = {};
  const p99 = {};
  for (const [peer, xs] of Object.entries(samples)) {
    ms[peer] = median(xs);
    p99[peer] = percentile([...xs].sort((a, b) => a - b), 99);
  }
  const rows = Object.entries(ms).map(([peer, value]) => ({ bench: 'Thread start -> run (median)', peer, value, unit: 'ms', better: 'lower' }));
  for (const [peer, value] of Object.entries(p99)) rows.push({ bench: `Thread start -> run (p99 of ${N})`, peer, value, unit: 'ms', better: 'lower' });
  const burstBench = `${BURST} Thread.start() back to back (median call)`;
  rows.push({ bench: burstBench, peer: 'pthreading Thread', value: burstMs, unit: 'ms', better: 'lower' });
  const pyBurst = python(`
import json, threading, time
go = threading.Event(); ts = []; threads = []
for _ in range(${BURST}):
    t = threading.Thread(target=go.wait); s = time.perf_counter(); t.start(); ts.append(time.perf_counter() - s); threads.append(t)
go.set()
for t in threads: t.join()
ts.sort()
print(json.dumps(ts[len(ts)//2] * 1000))`);
  if (pyBurst !== null) rows.push({ bench: burstBench, peer: 'Python threading.Thread', value: pyBurst, unit: 'ms', better: 'lower' });
  const py = python(`
import json, threading, time
ts = []
for _ in range(200):
    s = time.perf_counter(); t = threading.Thread(target=lambda: None); t.start(); t.join(); ts.append(time.perf_counter() - s)
ts.sort()
print(json.dumps(ts[len(ts)//2] * 1000))`);
  if (py !== null) rows.push({ bench: 'Thread start -> run (median)', peer: 'Python threading.Thread (start+join)', value: py, unit: 'ms', better: 'lower' });
  const loopBench = `start() + join() of a thread, ${LOOP} in a loop (median)`;
  rows.push({ bench: loopBench, peer: 'pthreading Thread (workers reused)', value: median(loop), unit: 'ms', better: 'lower' });
  if (py !== null) rows.push({ bench: loopBench, peer: 'Python threading.Thread', value: py, unit: 'ms', better: 'lower' });
  const warmMedian = ms['pthreading Thread (warm)'];
  const warmP99 = p99['pthreading Thread (warm)'];
  const ratio = ms['pthreading Thread (cold)'] / ms['raw Worker'];
  report(rows, [
    { name: 'warm Thread.start() -> target running: median ≤ 0.15 ms', ratio: warmMedian, target: 0.15, ok: warmMedian <= 0.15 },
    { name: 'warm Thread.start() -> target running: p99 ≤ 0.5 ms', ratio: warmP99, target: 0.5, ok: warmP99 <= 0.5 },
    { name: `${BURST} Thread.start() back to back: median call ≤ 1 ms`, ratio: burstMs, target: 1, ok: burstMs <= 1 },
    { name: 'cold Thread.start() -> target running ≤ 1.2 × raw Worker (median)', ratio, target: 1.2, ok: ratio <= 1.2 },
  ]);
}

main();
