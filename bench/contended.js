// Contended Lock: N threads increment one plain counter under one lock.
// pthreading's Lock against the hand-written Atomics.wait lock, in the same
// harness: raw Workers that start together on a shared flag.
//  - 2 threads x 1e6 increments: elapsed time (throughput);
//  - 1, 2, 4, 8 threads for a fixed time: total acquisitions per second and
//    fairness (the most over the fewest acquisitions of any one thread).
'use strict';
const { Worker } = require('node:worker_threads');
const { Lock } = require('pthreading');
const { AtomicsLock, atomicsLockSource } = require('./peers');
const { report } = require('./report');

const peers = {
  'pthreading Lock': {
    make: () => new Lock(),
    setup: "require('pthreading'); const lock = workerData.lock;",
  },
  'Atomics.wait lock': {
    make: () => new AtomicsLock().words,
    setup: `${atomicsLockSource}; const lock = new AtomicsLock(workerData.lock);`,
  },
};

// Each worker: wait for go, then loop; counts its acquisitions in counts[i].
function run(peer, threads, { iterations, seconds }) {
  const lock = peers[peer].make();
  const shared = new Int32Array(new SharedArrayBuffer(4 * (threads + 4)));
  // [0] go flag, [1] ready count, [2] the plain counter, [3] stop flag, [4+i] per thread
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    ${peers[peer].setup}
    const s = workerData.shared, me = 4 + workerData.i;
    Atomics.add(s, 1, 1);
    while (Atomics.load(s, 0) === 0);
    let n = 0;
    if (workerData.iterations) {
      for (; n < workerData.iterations; n++) { lock.acquire(); s[2] = s[2] + 1; lock.release(); }
    } else {
      while (Atomics.load(s, 3) === 0) { lock.acquire(); s[2] = s[2] + 1; lock.release(); n++; }
    }
    s[me] = n;
    parentPort.postMessage('done');
  `;
  const workers = [];
  const done = [];
  for (let i = 0; i < threads; i++) {
    const w = new Worker(code, { eval: true, workerData: { lock, shared, i, iterations } });
    workers.push(w);
    done.push(new Promise((resolve) => w.once('message', resolve)));
  }
  return (async () => {
    while (Atomics.load(shared, 1) < threads) await new Promise((r) => setTimeout(r, 1));
    const start = performance.now();
    Atomics.store(shared, 0, 1);
    if (seconds) {
      await new Promise((r) => setTimeout(r, seconds * 1000));
      Atomics.store(shared, 3, 1);
    }
    await Promise.all(done);
    const elapsed = (performance.now() - start) / 1000;
    await Promise.all(workers.map((w) => w.terminate()));
    const counts = Array.from(shared.subarray(4, 4 + threads));
    const total = counts.reduce((a, b) => a + b, 0);
    if (shared[2] !== total) throw new Error(`${peer}: lost increments (${shared[2]} != ${total})`);
    return { elapsed, total, counts };
  })();
}

async function main() {
  const rows = [];
  const throughput = {};
  const timed = {}; // threads -> peer -> { rate, fairness }
  for (const peer of Object.keys(peers)) {
    const best = [];
    for (let k = 0; k < 3; k++) best.push((await run(peer, 2, { iterations: 1e6 })).elapsed);
    throughput[peer] = 2e6 / Math.min(...best);
    rows.push({ bench: '2 threads x 1e6 increments', peer, value: throughput[peer] / 1e6, unit: 'M acq/s', better: 'higher' });
  }
  for (const threads of [1, 2, 4, 8]) {
    timed[threads] = {};
    for (const peer of Object.keys(peers)) {
      const { elapsed, total, counts } = await run(peer, threads, { seconds: 0.5 });
      const rate = total / elapsed;
      rows.push({ bench: `${threads} threads, 0.5 s`, peer, value: rate / 1e6, unit: 'M acq/s', better: 'higher' });
      const fairness = Math.max(...counts) / Math.max(1, Math.min(...counts));
      rows.push({ bench: `${threads} threads fairness (max/min)`, peer, value: fairness, unit: 'ratio', better: 'lower' });
      timed[threads][peer] = { rate, fairness };
    }
  }
  const ratio = throughput['pthreading Lock'] / throughput['Atomics.wait lock'];
  const targets = [{ name: '2 threads x 1e6 under Lock ≥ 1.0 × Atomics.wait lock throughput', ratio, target: 1.0, ok: ratio >= 1.0 }];
  for (const threads of [2, 4, 8]) {
    const r = timed[threads]['pthreading Lock'].rate / timed[threads]['Atomics.wait lock'].rate;
    targets.push({ name: `${threads} threads, 0.5 s: Lock throughput ≥ 1.2 × Atomics.wait lock`, ratio: r, target: 1.2, ok: r >= 1.2 });
  }
  for (const threads of [2, 4, 8]) {
    const f = timed[threads]['pthreading Lock'].fairness;
    targets.push({ name: `${threads} threads, 0.5 s: Lock fairness (max/min acquisitions per thread) ≤ 1.3`, ratio: f, target: 1.3, ok: f <= 1.3 });
  }
  report(rows, targets);
}

main();
