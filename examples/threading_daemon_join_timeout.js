// threading_daemon_join_timeout.py
const threading = require('pthreading');
const { logging, sleep } = threading;

function daemon() {
  logging.debug('Starting');
  sleep(0.2);
  logging.debug('Exiting');
}

function non_daemon() {
  logging.debug('Starting');
  logging.debug('Exiting');
}

logging.basicConfig({
  level: logging.DEBUG,
  format: '(%(threadName)-10s) %(message)s',
});

const d = new threading.Thread({ name: 'daemon', target: daemon, daemon: true });

const t = new threading.Thread({ name: 'non-daemon', target: non_daemon });

d.start();
t.start();

d.join(0.1);
console.log('d.isAlive()', d.isAlive() ? 'True' : 'False');
t.join();
