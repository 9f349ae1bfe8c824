// threading_enumerate.py
const threading = require('pthreading');
const { logging, sleep } = threading;

function worker() {
  // thread worker function
  const pause = (1 + Math.floor(Math.random() * 5)) / 10;
  logging.debug('sleeping %0.2f', pause);
  sleep(pause);
  logging.debug('ending');
}

logging.basicConfig({
  level: logging.DEBUG,
  format: '(%(threadName)-10s) %(message)s',
});

for (let i = 0; i < 3; i++) {
  const t = new threading.Thread({ target: worker, daemon: true });
  t.start();
}

const main_thread = threading.mainThread();
for (const t of threading.enumerate()) {
  if (t === main_thread) {
    continue;
  }
  logging.debug('joining %s', t.getName());
  t.join();
}
