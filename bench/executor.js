// ThreadPoolExecutor beside piscina, on the same tasks:
//   - submit -> run on an idle pool: from submit() to the task's first line
//     (a warm Thread start, for reference);
//   - throughput of many small tasks through 2 threads (best of 3 rounds each).
'use strict';
const path = require('node:path');
const { Piscina } = require('piscina');
const { Thread, ThreadPoolExecutor } = require('pthreading');
const { stamp, fib } = require('./tasks/work');
const { report, percentile } = require('./report');

const N = 200;
const TASKS = 20_000;
const now = () => Number(process.hrtime.bigint()) / 1e6;
const idle = () => new Promise((r) => setTimeout(r, 5));
const median = (xs) => percentile([...xs].sort((a, b) => a - b), 50);
const p99 = (xs) => percentile([...xs].sort((a, b) => a - b), 99);

async function latencies(submit) {
  const out = new Float64Array(new SharedArrayBuffer(8));
  await submit(out); // start the pool's thread
  const ms = [];
  for (let i = 0; i < N; i++) {
    await idle();
    const t = now();
    await submit(out);
    ms.push(out[0] - t);
  }
  return ms;
}

async function throughput(run) {
  const t = now();
  const all = [];
  for (let i = 0; i < TASKS; i++) all.push(run(i));
  await Promise.all(all);
  return TASKS / ((now() - t) / 1000);
}

async function main() {
  const executor = new ThreadPoolExecutor(2);
  const piscina = new Piscina({ filename: path.join(__dirname, 'tasks', 'work.js'), minThreads: 2, maxThreads: 2 });

  const ours = await latencies((out) => executor.submit(stamp, { out }));
  const theirs = await latencies((out) => piscina.run({ out }, { name: 'stamp' }));
  const threads = [];
  for (let i = 0; i < 40; i++) {
    await new Promise((r) => setTimeout(r, 150)); // let a warm worker boot
    const out = new Float64Array(new SharedArrayBuffer(8));
    const th = new Thread({ target: (o) => (o[0] = Number(process.hrtime.bigint()) / 1e6), args: [out] });
    const t = now();
    th.start();
    th.join();
    threads.push(out[0] - t);
  }

  // Best of three rounds each, in turns (either one first), as the other
  // throughput rows: one round is at the mercy of the JIT and the machine.
  let oursRate = 0;
  let theirsRate = 0;
  for (let round = 0; round < 3; round++) {
    const runOurs = async () => (oursRate = Math.max(oursRate, await throughput((i) => executor.submit(fib, { n: 200 + (i % 7) }))));
    const runTheirs = async () => (theirsRate = Math.max(theirsRate, await throughput((i) => piscina.run({ n: 200 + (i % 7) }, { name: 'fib' }))));
    if (round % 2 === 0) await runOurs(), await runTheirs();
    else await runTheirs(), await runOurs();
  }
  await executor.shutdownAsync();
  await piscina.destroy();

  const bench = 'Pool submit -> run, idle pool';
  const rows = [
    { bench: `${bench} (median)`, peer: 'pthreading ThreadPoolExecutor', value: median(ours), unit: 'ms', better: 'lower' },
    { bench: `${bench} (median)`, peer: 'piscina', value: median(theirs), unit: 'ms', better: 'lower' },
    { bench: `${bench} (median)`, peer: 'pthreading Thread start (warm), for reference', value: median(threads), unit: 'ms', better: 'lower' },
    { bench: `${bench} (p99)`, peer: 'pthreading ThreadPoolExecutor', value: p99(ours), unit: 'ms', better: 'lower' },
    { bench: `${bench} (p99)`, peer: 'piscina', value: p99(theirs), unit: 'ms', better: 'lower' },
    { bench: `${TASKS} small tasks, 2 threads`, peer: 'pthreading ThreadPoolExecutor', value: oursRate, unit: 'tasks/s', better: 'higher' },
    { bench: `${TASKS} small tasks, 2 threads`, peer: 'piscina', value: theirsRate, unit: 'tasks/s', better: 'higher' },
  ];
  const rateRatio = oursRate / theirsRate;
  report(rows, [
    { name: 'submit to an idle pool starts running ≤ 1 ms (median)', ratio: median(ours), target: 1, ok: median(ours) <= 1 },
    { name: `ThreadPoolExecutor, ${TASKS} small tasks, 2 threads: throughput ≥ 1.3 × piscina`, ratio: rateRatio, target: 1.3, ok: rateRatio >= 1.3 },
  ]);
}

main();
