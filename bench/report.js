// How each benchmark reports: rows of { bench, peer, value, unit, better }
// and targets of { name, ratio, target, ok }, as one JSON line on stdout.
'use strict';

function report(rows, targets = []) {
  process.stdout.write(`${JSON.stringify({ rows, targets })}\n`);
}

/** Nanoseconds per operation of a tinybench task. */
function nsPerOp(task) {
  return task.result.latency ? task.result.latency.mean * 1e6 : task.result.mean * 1e6;
}

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

module.exports = { report, nsPerOp, percentile };
