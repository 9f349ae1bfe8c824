// threading_names_log.py
const threading = require('pthreading');
const { logging, sleep } = threading;

function worker() {
  logging.debug('Starting');
  sleep(0.2);
  logging.debug('Exiting');
}

function my_service() {
  logging.debug('Starting');
  sleep(0.3);
  logging.debug('Exiting');
}

logging.basicConfig({
  level: logging.DEBUG,
  format: '[%(levelname)s] (%(threadName)-10s) %(message)s',
});

const t = new threading.Thread({ name: 'my_service', target: my_service });
const w = new threading.Thread({ name: 'worker', target: worker });
const w2 = new threading.Thread({ target: worker }); // use default name

w.start();
w2.start();
t.start();
