/**
 * A bounded-time randomized stress test across processes: 4 child
 * processes, each with its main thread (async forms) and seven pthreading
 * threads (sync forms; PTHREADING_STRESS_SHAPE=3x3 runs 3 processes of a
 * main thread and 2 threads, as the sanitizers do) - do random
 * acquire/release with random timeouts on a shared Lock, RLock and
 * BoundedSemaphore, while this process kills one of them with SIGKILL at
 * random moments and starts another. Invariants:
 * nobody is ever inside the Lock with another (except after an acquire
 * told ownerDied), RLock reentry never fails, the semaphore never has a
 * unit too many; at the end every unit is back, both locks are free and
 * nothing is left watched. Seeded; PTHREADING_SEED replays one,
 * PTHREADING_STRESS runs longer.
 */
import { ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { BoundedSemaphore, Lock, RLock, multiprocessingStats, rawWord } from 'pthreading/multiprocessing';

import { seededRandom } from './mp-helpers';

const seed = Number(process.env.PTHREADING_SEED ?? Math.floor(Math.random() * 2 ** 31));
const seconds = 3 * Number(process.env.PTHREADING_STRESS ?? 1);
const shape = /^(\d+)x(\d+)$/.exec(process.env.PTHREADING_STRESS_SHAPE ?? '4x8');
const PROCESSES = Number(shape?.[1] ?? 4);
const THREADS = Number(shape?.[2] ?? 8) - 1; // per process, beside its main thread

describe(`multiprocessing stress (seed ${seed})`, () => {
  it(`${PROCESSES} processes x ${THREADS + 1} threads of random operations with random kill -9 keep every invariant`, async () => {
    const p = { lock: new Lock(), rlock: new RLock(), sem: new BoundedSemaphore(2) };
    const ownerFile = `/dev/shm/test-mp-stress-${process.pid}`;
    fs.writeFileSync(ownerFile, '');
    fs.rmSync(`${ownerFile}.bad`, { force: true });
    fs.rmSync(`${ownerFile}.ops`, { force: true });
    const until = Date.now() + seconds * 1000;
    const rand = seededRandom(seed);
    const live = new Set<ChildProcess>();
    const exits: Promise<unknown>[] = [];
    let killed = 0;
    let finished = 0;
    let hung = '';
    const spawn = (): void => {
      const c = fork(path.join(__dirname, 'fixtures', 'mp-stress-child.cjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      live.add(c);
      exits.push(new Promise((resolve) => c.once('exit', resolve)).then(() => live.delete(c)));
      c.on('message', (m: { ready?: boolean; ops?: number }) => {
        if (m.ready) c.send({ p: JSON.parse(JSON.stringify(p)), seed: rand(2 ** 30), duration: 1500, ownerFile, threads: THREADS });
        else if (m.ops !== undefined) finished++;
      });
    };
    for (let i = 0; i < PROCESSES; i++) spawn();
    while (Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100 + rand(300)));
      const victims = [...live];
      const victim = victims[rand(victims.length)];
      if (!victim) continue;
      victim.kill('SIGKILL');
      killed++;
      spawn();
    }
    // The last ones run to their end. One still running 20 s later is
    // stuck: report what it waits on, then end it.
    const stuck = setTimeout(() => {
      const words = (x: object): number[] => [0, 1, 2, 3].map((i) => rawWord(x as Lock, i));
      hung = `stuck: lock ${words(p.lock)} rlock ${words(p.rlock)} sem ${words(p.sem)}, children ${[...live].map((c) => c.pid)}`;
      console.log(hung);
      for (const c of live) {
        try {
          for (const t of fs.readdirSync(`/proc/${c.pid}/task`)) {
            const comm = fs.readFileSync(`/proc/${c.pid}/task/${t}/comm`, 'utf8').trim();
            const wchan = fs.readFileSync(`/proc/${c.pid}/task/${t}/wchan`, 'utf8').trim();
            const stat = fs.readFileSync(`/proc/${c.pid}/task/${t}/stat`, 'utf8').split(' ')[2];
            console.log(`  ${c.pid}/${t} ${comm} ${stat} ${wchan}`);
          }
        } catch {}
      }
      for (const c of live) c.kill('SIGKILL');
    }, 20_000);
    await Promise.all(exits);
    clearTimeout(stuck);
    expect(hung, `seed ${seed}`).toBe('');
    const bad = fs.existsSync(`${ownerFile}.bad`) ? fs.readFileSync(`${ownerFile}.bad`, 'utf8') : '';
    // Each thread that ran to its end wrote "<pid>/<thread> <ops>"; the main threads' are the async forms.
    const lines = fs.readFileSync(`${ownerFile}.ops`, 'utf8').trim().split('\n');
    const total = (which: RegExp): number => lines.filter((l) => which.test(l)).reduce((n, l) => n + Number(l.split(' ')[1]), 0);
    fs.rmSync(`${ownerFile}.ops`, { force: true });
    fs.rmSync(ownerFile, { force: true });
    fs.rmSync(`${ownerFile}.bad`, { force: true });
    if (bad) console.log(bad);
    expect(bad, `seed ${seed}`).toBe('');
    expect(killed).toBeGreaterThan(0);
    expect(finished).toBeGreaterThan(0);
    expect(total(/\/main /)).toBeGreaterThan(20);
    expect(total(/\/\d /)).toBeGreaterThan(20);
    // Every holder is gone: what they held comes back to the next acquirer.
    expect(p.lock.acquire(true, 5)).toBe(true);
    p.lock.release();
    expect(p.rlock.acquire(true, 5)).toBe(true);
    p.rlock.release();
    expect(p.sem.acquire(true, 5)).toBe(true);
    p.sem.release();
    expect(p.sem.value).toBe(2);
    expect(multiprocessingStats().watchedAsync).toBe(0);
  });
});
