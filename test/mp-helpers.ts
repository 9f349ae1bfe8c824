/**
 * Test helpers for pthreading/multiprocessing: real child processes
 * (test/fixtures/mp-child.cjs) that run the function sources they are
 * sent, and a fresh name per test.
 */
import { ChildProcess, fork } from 'node:child_process';
import path from 'node:path';

type Mp = typeof import('pthreading/multiprocessing');

interface Reply {
  id?: number;
  ready?: boolean;
  value?: unknown;
  note?: unknown;
  error?: { name: string; message: string; code?: string };
}

/** One call running in a child: its result, and notes sent along the way. */
export interface Call<T> {
  result: Promise<T>;
  /** Resolves with the next note the call sends (`reply(x)`). */
  note(): Promise<unknown>;
}

export class Child {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void; notes: unknown[]; waiters: ((v: unknown) => void)[] }>();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(readonly proc: ChildProcess) {
    this.exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
    proc.on('message', (m: Reply) => {
      const p = m.id === undefined ? undefined : this.pending.get(m.id);
      if (!p) return;
      if ('note' in m) {
        const w = p.waiters.shift();
        if (w) w(m.note);
        else p.notes.push(m.note);
        return;
      }
      this.pending.delete(m.id!);
      if (m.error) p.reject(Object.assign(new Error(m.error.message), m.error));
      else p.resolve(m.value);
    });
  }

  /** Starts a child and waits until it is ready. */
  static async start(options: { uid?: number; gid?: number } = {}): Promise<Child> {
    const proc = fork(path.join(__dirname, 'fixtures', 'mp-child.cjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], ...options });
    const child = new Child(proc);
    await new Promise<void>((resolve, reject) => {
      proc.once('message', (m: Reply) => (m.ready ? resolve() : reject(new Error('bad first message'))));
      proc.once('exit', (code) => reject(new Error(`child exited with ${code} before it was ready`)));
    });
    return child;
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** Runs `fn(mp, args, reply)` in the child; `args` travel as JSON. */
  call<T>(fn: (mp: Mp, args: any, reply: (note: unknown) => void) => T | Promise<T>, args: unknown = null): Call<Awaited<T>> {
    const id = this.nextId++;
    const entry = { resolve: (_: unknown) => {}, reject: (_: unknown) => {}, notes: [] as unknown[], waiters: [] as ((v: unknown) => void)[] };
    const result = new Promise<Awaited<T>>((resolve, reject) => {
      entry.resolve = resolve as (v: unknown) => void;
      entry.reject = reject;
    });
    this.pending.set(id, entry);
    this.proc.send({ id, source: fn.toString(), args: JSON.parse(JSON.stringify(args)) });
    return {
      result,
      note: () => (entry.notes.length > 0 ? Promise.resolve(entry.notes.shift()) : new Promise((r) => entry.waiters.push(r))),
    };
  }

  /** Runs `fn` in the child and returns its result. */
  run<T>(fn: (mp: Mp, args: any, reply: (note: unknown) => void) => T | Promise<T>, args: unknown = null): Promise<Awaited<T>> {
    return this.call(fn, args).result;
  }

  /** `kill -9`, and waits until the child is gone. */
  async kill9(): Promise<void> {
    this.proc.kill('SIGKILL');
    await this.exited;
  }

  /** Ends the child (disconnects; it exits once idle). */
  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.disconnect();
      await this.exited;
    }
  }
}

let counter = 0;
/** A name no other test (or earlier run) uses. */
export function freshName(what: string): string {
  return `test-${what}-${process.pid}-${++counter}`;
}

export { seededRandom } from './helpers';
