// The tasks both pools run in bench/executor.js, as piscina needs them: a
// module whose export takes one argument. The ThreadPoolExecutor runs the
// same functions, submitted as source.
'use strict';

/** Writes when it started running (ms, process.hrtime) into out[0]. */
function stamp({ out }) {
  out[0] = Number(process.hrtime.bigint()) / 1e6;
  return 0;
}

/** A small CPU-bound task. */
function fib({ n }) {
  let a = 0;
  let b = 1;
  for (let i = 0; i < n; i++) [a, b] = [b, (a + b) % 1000003];
  return a;
}

module.exports = { stamp, fib };
