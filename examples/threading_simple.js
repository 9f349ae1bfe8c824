// threading_simple.py
const threading = require('pthreading');

function worker(num) {
  // thread worker function
  console.log(`Worker: ${num}`);
}

const threads = [];
for (let i = 0; i < 5; i++) {
  const t = new threading.Thread({ target: worker, args: [i] });
  threads.push(t);
  t.start();
}
