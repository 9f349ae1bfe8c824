// threading_semaphore.py
const threading = require('pthreading');
const { logging, sleep } = threading;

// Threads share no JS heap: the pool's list is a SharedList, and the pool
// arrives in each thread as its data (active list and lock).
class ActivePool {
  constructor() {
    this.active = new threading.SharedList();
    this.lock = new threading.Lock();
  }
}

function worker(s, pool) {
  // ActivePool's methods: a thread runs only the source of its target.
  function makeActive(name) {
    pool.lock.with(() => {
      pool.active.append(name);
      logging.debug('Running: %s', pool.active.toArray());
    });
  }

  function makeInactive(name) {
    pool.lock.with(() => {
      pool.active.remove(name);
      logging.debug('Running: %s', pool.active.toArray());
    });
  }

  logging.debug('Waiting to join the pool');
  s.with(() => {
    const name = threading.currentThread().getName();
    makeActive(name);
    sleep(0.1);
    makeInactive(name);
  });
}

logging.basicConfig({
  level: logging.DEBUG,
  format: '%(asctime)s (%(threadName)-2s) %(message)s',
});

const pool = new ActivePool();
const s = new threading.Semaphore(2);
for (let i = 0; i < 4; i++) {
  const t = new threading.Thread({
    target: worker,
    name: String(i),
    args: [s, pool],
  });
  t.start();
}
