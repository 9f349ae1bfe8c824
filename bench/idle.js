// The CPU time of idle threads: 1,000 threads asleep in sleep(),
// Event.wait() and join() (250 joiners, each joining a sleeping thread of
// its own), while the main thread sleeps too, over windows of 2 s. An idle
// wait must cost nothing: no polling, no spinning, no timer ticking in any
// thread.
//
// Each peer runs in a fresh process of its own: pthreading, 1,000 raw
// Workers blocked in Atomics.wait (what any thread library on Node pays for
// its isolates), and Python's threading. Two figures per window:
// - the whole process, by process.cpuUsage() (getrusage for Python);
// - the idle threads' own OS threads, by their /proc/self/task/<tid>/schedstat
//   (Linux), which leaves out the thread that measures and Node's own threads.
// The thread that wakes at the end of a window to measure is charged for its
// own wake-up; on a virtual machine without steal-time accounting that
// charge can include the host's time, so the whole-process figure varies
// from window to window for every peer alike. Each figure is the median of
// five windows.
//
// The sleeps are long (600 s): booting 1,000 threads takes tens of seconds
// on 2 cores, and a thread that ends inside a window (its teardown) is not
// an idle one.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const { python } = require('./peers');
const { report } = require('./report');

const QUARTER = Math.max(1, Math.floor(Number(process.env.IDLE_THREADS || 1000) / 4));
const THREADS = 4 * QUARTER;
const SECONDS = 2;
const WINDOWS = 5;

/** CPU seconds the given OS threads have run, or null where /proc is not there. */
function threadsCpu(tids) {
  try {
    let ns = 0;
    for (const tid of tids) ns += Number(fs.readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    return ns / 1e9;
  } catch {
    return null;
  }
}

/** Median seconds, whole process and the idle threads, over the windows. */
function measure(tids, sleep) {
  const whole = [];
  const threads = [];
  for (let w = 0; w < WINDOWS; w++) {
    const t0 = threadsCpu(tids);
    const before = process.cpuUsage();
    sleep(SECONDS);
    const used = process.cpuUsage(before);
    const t1 = threadsCpu(tids);
    whole.push((used.user + used.system) / 1e6);
    if (t0 !== null && t1 !== null) threads.push(t1 - t0);
  }
  const median = (xs) => (xs.length ? xs.sort((a, b) => a - b)[xs.length >> 1] : null);
  return { whole: median(whole), threads: median(threads) };
}

async function pthreading() {
  const { Barrier, Event, Thread, enumerate, mainThread, sleep, setSpareThreads } = require('pthreading');
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
  const tids = enumerate().filter((t) => t !== mainThread()).map((t) => t.nativeId);
  if (tids.length !== THREADS) throw new Error(`expected ${THREADS} threads, found ${tids.length}`);
  sleep(2); // let the last ones fall asleep and finish their start-up
  return measure(tids, sleep);
}

async function workers() {
  const { Worker } = require('node:worker_threads');
  // [0]: never changes (the wait word); [1]: workers ready; [2 + i]: worker i's OS thread id
  const words = new Int32Array(new SharedArrayBuffer(4 * (2 + THREADS)));
  const source = `
    const { workerData: { words, i } } = require('node:worker_threads');
    let tid = 0;
    try { tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop()); } catch {}
    Atomics.store(words, 2 + i, tid);
    Atomics.add(words, 1, 1);
    Atomics.notify(words, 1);
    Atomics.wait(words, 0, 0);`;
  for (let i = 0; i < THREADS; i++) new Worker(source, { eval: true, workerData: { words, i } }).unref();
  for (let n; (n = Atomics.load(words, 1)) < THREADS; ) Atomics.wait(words, 1, n, 100);
  const sleep = (s) => Atomics.wait(words, 0, 0, s * 1000);
  sleep(2);
  return measure([...words.subarray(2)].filter((tid) => tid > 0), sleep);
}

function pythonThreads() {
  return python(`
import json, resource, threading, time
Q, SECONDS, WINDOWS = ${QUARTER}, ${SECONDS}, ${WINDOWS}
release = threading.Event()
ready = threading.Barrier(3 * Q + 1)
def sleeper(): ready.wait(); time.sleep(600)
def waiter(): ready.wait(); release.wait()
def joiner():
    child = threading.Thread(target=time.sleep, args=(600,), daemon=True); child.start()
    ready.wait(); child.join()
for _ in range(Q):
    for f in (sleeper, waiter, joiner): threading.Thread(target=f, daemon=True).start()
ready.wait()
time.sleep(2)
tids = [t.native_id for t in threading.enumerate() if t is not threading.main_thread()]
def threads_cpu():
    try: return sum(int(open('/proc/self/task/%d/schedstat' % t).read().split()[0]) for t in tids) / 1e9
    except OSError: return None
whole, threads = [], []
for _ in range(WINDOWS):
    t0 = threads_cpu(); r0 = resource.getrusage(resource.RUSAGE_SELF)
    time.sleep(SECONDS)
    r1 = resource.getrusage(resource.RUSAGE_SELF); t1 = threads_cpu()
    whole.append(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
    if t0 is not None and t1 is not None: threads.append(t1 - t0)
med = lambda xs: sorted(xs)[len(xs) // 2] if xs else None
print(json.dumps({'whole': med(whole), 'threads': med(threads)}))
`);
}

/** Each peer in a fresh process of its own: `node idle.js <peer>` prints its result. */
function inChild(peer) {
  const out = execFileSync(process.execPath, [__filename, peer], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop());
}

async function main() {
  const peer = process.argv[2];
  if (peer) {
    const result = await (peer === 'pthreading' ? pthreading() : workers());
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0); // the daemons are still asleep
  }
  const results = [
    ['pthreading', inChild('pthreading')],
    ['raw Worker (Atomics.wait)', inChild('workers')],
    ['Python threading', pythonThreads()],
  ].filter(([, r]) => r !== null);
  const rows = [];
  const over = `over ${SECONDS} s (median of ${WINDOWS} windows)`;
  for (const [name, r] of results) {
    rows.push({ bench: `CPU time of ${THREADS} idle threads ${over}, whole process`, peer: name, value: 1000 * r.whole, unit: 'ms', better: 'lower' });
  }
  for (const [name, r] of results) {
    if (r.threads === null) continue;
    rows.push({ bench: `CPU time of ${THREADS} idle threads ${over}, their own OS threads`, peer: name, value: 1000 * r.threads, unit: 'ms', better: 'lower' });
  }
  const ours = results[0][1];
  const targets = [
    {
      name: `CPU time of ${THREADS} sleeping threads (sleep(), Event.wait(), join()) over ${SECONDS} s, whole process: ≤ 1% of one core (in %)`,
      ratio: (100 * ours.whole) / SECONDS,
      target: 1,
      ok: (100 * ours.whole) / SECONDS <= 1,
    },
  ];
  if (ours.threads !== null) {
    targets.push({
      name: `CPU time of the ${THREADS} sleeping threads' own OS threads over ${SECONDS} s: ≈ 0 (≤ 1 ms in all, in ms)`,
      ratio: 1000 * ours.threads,
      target: 1,
      ok: 1000 * ours.threads <= 1,
    });
  }
  report(rows, targets);
}

main();
