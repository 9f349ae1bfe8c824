// Thread start -> run: from start() to the first line of the target, for a
// pthreading Thread with warm workers (the default), with none (cold), and
// a raw Worker; Python's thread start+join when python3 is here. Then 100
// start() calls back to back, with no pause in which warm workers could be
// booted again: how long each call takes, beside Python's.
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
  const burstMs = burst();
  const ms = { 'raw Worker': median(raw), 'pthreading Thread (cold)': median(cold), 'pthreading Thread (warm)': median(warm) };
  const rows = Object.entries(ms).map(([peer, value]) => ({ bench: 'Thread start -> run (median)', peer, value, unit: 'ms', better: 'lower' }));
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
  const ratio = ms['pthreading Thread (cold)'] / ms['raw Worker'];
  report(rows, [
    { name: 'Thread start ≤ 1.1 × raw Worker (cold)', ratio, target: 1.1, ok: ratio <= 1.1 },
    { name: 'pooled (warm) start ≤ 1 ms', ratio: ms['pthreading Thread (warm)'], target: 1, ok: ms['pthreading Thread (warm)'] <= 1 },
    { name: `${BURST} starts back to back: median start() ≤ 1 ms`, ratio: burstMs, target: 1, ok: burstMs <= 1 },
  ]);
}

main();
