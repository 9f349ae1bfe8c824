// Runs every benchmark in a fresh process and prints one table: each figure
// with its ratio to the best peer of its row, then the targets of the
// project's performance goals and whether this run reached them. Writes the same
// as JSON to bench/results/<time>.json so runs can be compared.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const benches = [
  ['uncontended.js'],
  ['contended.js'],
  ['pingpong.js'],
  ['thread-start.js'],
  ['executor.js'],
  ['timer.js'],
  ['memory.js', '--expose-gc'],
  ['idle.js'],
  ['multiprocessing.js'],
];

const only = process.argv.slice(2);
const rows = [];
const targets = [];
for (const [file, ...flags] of benches) {
  if (only.length && !only.some((o) => file.startsWith(o))) continue;
  process.stderr.write(`running ${file} ...\n`);
  const out = execFileSync(process.execPath, [...flags, path.join(__dirname, file)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const result = JSON.parse(out.trim().split('\n').pop());
  rows.push(...result.rows);
  targets.push(...result.targets);
}

const fmt = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));
const lines = ['| benchmark | peer | value | ratio to best |', '|---|---|---:|---:|'];
const groups = [...new Set(rows.map((r) => r.bench))];
for (const bench of groups) {
  const group = rows.filter((r) => r.bench === bench);
  const values = group.map((r) => r.value);
  const best = group[0].better === 'lower' ? Math.min(...values) : Math.max(...values);
  for (const r of group) {
    const ratio = r.better === 'lower' ? r.value / best : best / r.value;
    lines.push(`| ${bench} | ${r.peer} | ${fmt(r.value)} ${r.unit} | ${group.length > 1 && best > 0 ? `${ratio.toFixed(2)}×` : ''} |`);
  }
}
lines.push('', '| target | this run | reached |', '|---|---:|:---:|');
for (const t of targets) lines.push(`| ${t.name} | ${fmt(t.ratio)} | ${t.ok ? 'yes' : 'no'} |`);
const machine = `${os.cpus().length} × ${os.cpus()[0].model.trim()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
console.log(`Machine: ${machine}\n\n${lines.join('\n')}`);

const dir = path.join(__dirname, 'results');
fs.mkdirSync(dir, { recursive: true });
const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
fs.writeFileSync(file, JSON.stringify({ machine, date: new Date().toISOString(), rows, targets }, null, 2));
process.stderr.write(`results written to ${path.relative(process.cwd(), file)}\n`);
