// Timer lateness while the main thread is busy: each Timer records when its
// function ran; lateness = that minus (the end of start() + interval).
// The main thread spins the whole time, so only a timer that waits on its
// own thread can be on time. setTimeout, on the busy main loop, for contrast.
'use strict';
const { Timer } = require('pthreading');
const { report, percentile } = require('./report');

const now = () => Number(process.hrtime.bigint()) / 1e6;
const N = 60;
const INTERVAL = 0.02;

async function main() {
  const late = [];
  for (let i = 0; i < N; i++) {
    const out = new Float64Array(new SharedArrayBuffer(8));
    const t = new Timer(INTERVAL, (o) => (o[0] = Number(process.hrtime.bigint()) / 1e6), [out]);
    t.start();
    const due = now() + INTERVAL * 1000;
    while (now() < due + 5); // busy main thread
    t.join();
    late.push(out[0] - due);
  }
  const timeouts = [];
  for (let i = 0; i < 20; i++) {
    const due = now() + INTERVAL * 1000;
    const fired = new Promise((resolve) => setTimeout(() => resolve(now()), INTERVAL * 1000));
    while (now() < due + 5);
    timeouts.push((await fired) - due);
  }
  late.sort((a, b) => a - b);
  timeouts.sort((a, b) => a - b);
  const p99 = percentile(late, 99);
  const timeoutP99 = percentile(timeouts, 99);
  const ratio = p99 / timeoutP99;
  report(
    [
      { bench: 'Timer lateness, main busy (p50)', peer: 'pthreading Timer', value: percentile(late, 50), unit: 'ms', better: 'lower' },
      { bench: 'Timer lateness, main busy (p99)', peer: 'pthreading Timer', value: p99, unit: 'ms', better: 'lower' },
      { bench: 'Timer lateness, main busy (p99)', peer: 'setTimeout', value: timeoutP99, unit: 'ms', better: 'lower' },
    ],
    [
      { name: 'Timer p99 lateness ≤ 1 ms while main is busy', ratio: p99, target: 1, ok: p99 <= 1 },
      { name: "Timer p99 lateness ≤ 0.1 × setTimeout's p99 while main is busy", ratio, target: 0.1, ok: ratio <= 0.1 },
    ],
  );
}

main();
