// Electron: a Lock shared by the main process and a utility process.
// Not run by the tests (it needs Electron); start it with `electron .`
// from a project that has this file as its main and
// electron-utility.js beside it.
'use strict';
const path = require('node:path');
const { app, utilityProcess } = require('electron');
const { Lock } = require('pthreading/multiprocessing');

app.whenReady().then(async () => {
  // An anonymous lock: passed to the child in a message, revived there.
  const lock = new Lock();
  const child = utilityProcess.fork(path.join(__dirname, 'electron-utility.js'));
  child.postMessage(JSON.parse(JSON.stringify({ lock })));
  // The main process must never block: only the …Async forms here.
  await lock.withAsync(async () => {
    console.log('main: holding the lock');
    await new Promise((r) => setTimeout(r, 100));
  });
  child.once('exit', () => app.quit());
});
