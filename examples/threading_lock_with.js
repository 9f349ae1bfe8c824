// threading_lock_with.py
const threading = require('pthreading');
const { logging } = threading;

function worker_with(lock) {
  lock.with(() => {
    logging.debug('Lock acquired via with');
  });
}

function worker_no_with(lock) {
  lock.acquire();
  try {
    logging.debug('Lock acquired directly');
  } finally {
    lock.release();
  }
}

logging.basicConfig({
  level: logging.DEBUG,
  format: '(%(threadName)-10s) %(message)s',
});

const lock = new threading.Lock();
const w = new threading.Thread({ target: worker_with, args: [lock] });
const nw = new threading.Thread({ target: worker_no_with, args: [lock] });

w.start();
nw.start();
