// The utility process of electron-main.js: revives the lock it was sent
// and takes it (a utility process may block; it has no window).
'use strict';
const { revive } = require('pthreading/multiprocessing');

process.parentPort.once('message', ({ data }) => {
  const { lock } = revive(data);
  lock.acquire();
  console.log('utility: holding the lock');
  lock.release();
  process.exit(0);
});
