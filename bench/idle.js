// The CPU time of idle threads: 1,000 threads asleep in sleep(),
// Event.wait() and join() (250 joiners, each joining a sleeping thread of
// its own), measured with process.cpuUsage() across the process for 2 s
// while the main thread sleeps too. The sleeps are long (600 s): booting
// 1,000 threads takes tens of seconds on 2 cores, and a thread that ends
// inside the window (its teardown) is not an idle one. An idle wait must cost nothing: no
// polling, no spinning, no timer ticking in any thread.
'use strict';
const { Barrier, Event, Thread, sleep, setSpareThreads } = require('pthreading');
const { report } = require('./report');

const QUARTER = Math.max(1, Math.floor(Number(process.env.IDLE_THREADS || 1000) / 4));
const SECONDS = 2;

async function main() {
  setSpareThreads(0); // no warm workers: every thread counted is a waiting one
  const release = new Event();
  const ready = new Barrier(3 * QUARTER + 1);
  const starts = [];
  const spawn = (target, args) => {
    const t = new Thread({ target, args, daemon: true });
    starts.push(t.startAsync());
  };
  for (let i = 0; i < QUARTER; i++) {
    spawn((ready) => { ready.wait(); sleep(600); }, [ready]);
    spawn((ready, release) => { ready.wait(); release.wait(); }, [ready, release]);
    spawn((ready) => {
      const child = new Thread({ target: () => sleep(600), daemon: true });
      child.start();
      ready.wait();
      child.join();
    }, [ready]);
  }
  await Promise.all(starts);
  await ready.waitAsync();
  sleep(Number(process.env.IDLE_SETTLE || 2)); // let the last ones fall asleep and finish their start-up
  const before = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  sleep(SECONDS);
  const used = process.cpuUsage(before);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = (used.user + used.system) / 1e6;
  const threads = 4 * QUARTER;
  report(
    [{ bench: `CPU seconds of ${threads} idle threads over ${SECONDS} s`, peer: 'pthreading', value: cpu, unit: 's', better: 'lower' }],
    [
      {
        name: `CPU time of ${threads} sleeping threads (sleep(), Event.wait(), join()) over ${SECONDS} s, whole process: ≤ 1% of one core (in %)`,
        ratio: (100 * cpu) / wall,
        target: 1,
        ok: (100 * cpu) / wall <= 1,
      },
    ],
  );
  process.exit(0); // the daemons are still asleep
}

main();
