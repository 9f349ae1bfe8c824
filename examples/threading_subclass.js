// threading_subclass.py
const threading = require('pthreading');
const { logging } = threading;

class MyThread extends threading.Thread {
  run() {
    logging.debug('running');
  }
}

logging.basicConfig({
  level: logging.DEBUG,
  format: '(%(threadName)-10s) %(message)s',
});

for (let i = 0; i < 5; i++) {
  const t = new MyThread();
  t.start();
}
