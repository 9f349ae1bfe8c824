// threading_names.py
const threading = require('pthreading');
const { sleep } = threading;

function worker() {
  console.log(threading.currentThread().getName(), 'Starting');
  sleep(0.2);
  console.log(threading.currentThread().getName(), 'Exiting');
}

function my_service() {
  console.log(threading.currentThread().getName(), 'Starting');
  sleep(0.3);
  console.log(threading.currentThread().getName(), 'Exiting');
}

const t = new threading.Thread({ name: 'my_service', target: my_service });
const w = new threading.Thread({ name: 'worker', target: worker });
const w2 = new threading.Thread({ target: worker }); // use default name

w.start();
w2.start();
t.start();
