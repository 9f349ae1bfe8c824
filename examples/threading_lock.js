// threading_lock.py
const threading = require('pthreading');
const { logging, sleep } = threading;

// Threads share no JS heap: the count lives in a shared Value, and the
// Counter arrives in each thread as its data (lock and value).
class Counter {
  constructor(start = 0) {
    this.lock = new threading.Lock();
    this.value = new threading.Value('i', start);
  }
}

function worker(c, worker_number) {
  // Counter.increment: a thread runs only the source of its target.
  function increment() {
    logging.debug('Waiting for lock');
    c.lock.acquire();
    try {
      logging.debug('Acquired lock');
      c.value.value = c.value.value + 1;
      console.log(c.value.value, `by ${worker_number}`);
    } finally {
      c.lock.release();
    }
  }

  for (let i = 0; i < 2; i++) {
    const pause = Math.random();
    logging.debug('Sleeping %0.02f', pause);
    sleep(pause);
    increment();
  }
  logging.debug('Done');
}

logging.basicConfig({
  level: logging.DEBUG,
  format: '(%(threadName)-10s) %(message)s',
});

const counter = new Counter();
for (let i = 0; i < 2; i++) {
  const t = new threading.Thread({ target: worker, args: [counter, i] });
  t.start();
}

logging.debug('Waiting for worker threads');
const main_thread = threading.mainThread();
for (const t of threading.enumerate()) {
  if (t !== main_thread) {
    t.join();
  }
}
logging.debug('Counter: %d', counter.value.value);
