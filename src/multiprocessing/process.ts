/**
 * `Process`: Python's `multiprocessing.Process`, on `child_process.fork`.
 *
 * The target is shipped as a Thread's is: a function as its source text
 * (compiled in the child as if written in the file that created the
 * Process, so `require` resolves from there; everything pthreading and
 * pthreading/multiprocessing export is a global there), or a module target
 * `{ module, export }`. Arguments travel by structured clone (the IPC
 * channel's "advanced" serialization); multiprocessing primitives among
 * them arrive as the same primitives.
 *
 * A subclass that overrides `run()` travels as a Thread subclass does:
 * the source of its methods, getters and setters (each inspected first:
 * names the child cannot see are refused at start()), and the instance's
 * own fields by structured clone, as Python pickles the Process object.
 * Unlike a Thread's, the fields run() changes do not come back: the child
 * has its own memory, as in Python (share a Value, Queue or SharedMemory).
 *
 * `join()` blocks in the kernel (a pidfd, polled) and reads the exit
 * status without reaping the child, so Node still reports its exit;
 * `joinAsync()` waits for that report.
 */
import { ChildProcess, fork } from 'node:child_process';
import { constants } from 'node:os';
import path from 'node:path';

import { ArgumentTypeError, RuntimeError, ValueError, describe } from '../runtime/errors';
import { atDeadline, deadlineAfter } from '../runtime/native';
import { checkName, waitTimeout } from '../runtime/validate';
import { type Level, levelOf } from '../threads/compile';
import { Missing, Site, callerSites, freeVariableError } from '../threads/scope';
import { inspectFunction } from '../threads/thread';
import { checkMayBlock } from './common';
import { mp } from './native';

/** A target loaded from a module in the child: `export` defaults to 'default'. */
export interface ProcessModuleTarget {
  module: string | URL;
  export?: string;
}

/** Python's `Process(group, target, name, args, kwargs, *, daemon)`. */
export interface ProcessOptions {
  /** The function (sent as source) or module export the child runs. */
  target?: ((...args: any[]) => unknown) | ProcessModuleTarget | null;
  /** Default `Process-N` (`Process-1:2` in a child of Process-1), as Python. */
  name?: string | null;
  /** Positional arguments of the target (structured-cloned). */
  args?: unknown[] | null;
  /** Passed as the target's last argument when given. */
  kwargs?: Record<string, unknown> | null;
  /** A daemon child is killed when this process exits; a non-daemon one keeps it alive until it ends. Default: the current process's. */
  daemon?: boolean | null;
}

/** What the child receives first on its IPC channel (process-main.ts). */
export interface ProcessSpec {
  name: string;
  daemon: boolean;
  identity: number[];
  creator: string;
  parent: { pid: number; name: string };
  target: { kind: 'function'; source: string; name: string } | { kind: 'module'; module: string; export: string } | null;
  args: unknown[];
  kwargs: Record<string, unknown> | null;
  /** A subclass: each level's name and members, base-most first (empty for a plain Process). */
  levels: Level[];
  /** The instance's own fields (a subclass's included), cloned. */
  state: Record<string, unknown>;
}

/** What the child's Process object runs by default (set by process-main.ts). */
interface Local {
  target: ((...args: unknown[]) => unknown) | null;
  args: unknown[];
  kwargs: Record<string, unknown> | null;
}
const locals = new WeakMap<Process, Local>();
// The frames of the code that created each Process (for the inspection of a subclass's methods).
const sitesOf = new WeakMap<Process, Site[]>();
// In a child: the Process object it runs.
let running: Process | null = null;

/** @internal Called in a child: `p` is the current process's object, running `local`. */
export function setRunning(p: Process, local: Local): void {
  locals.set(p, local);
  running = p;
}

// The fields of a Process that stay with the object that started it.
const STAYS = new Set(['_child', '_exited', '_target', '_args', '_kwargs']);

/** How this process was started: set by process-main.ts in a child. */
const self: { name: string; daemon: boolean; identity: number[]; parent: { pid: number; name: string } | null } = {
  name: 'MainProcess',
  daemon: false,
  identity: [],
  parent: null,
};

/** @internal Called in a child once its spec has arrived. */
export function setCurrentProcess(spec: ProcessSpec): void {
  self.name = spec.name;
  self.daemon = spec.daemon;
  self.identity = spec.identity;
  self.parent = spec.parent;
}

let counter = 0;
const children = new Set<Process>();
let exitHooked = false;

const BOOT = path.join(__dirname, 'process-main.js');

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? ((constants.signals as Record<string, number>)[signal] ?? 0) : 0;
}

/**
 * A child process running `target(...args, kwargs?)`: Python's
 * `multiprocessing.Process`. Or subclass it and override {@link run}: the
 * subclass's methods are sent to the child as source, its fields as data,
 * and `run()` runs there (changes it makes to `this` stay in the child).
 */
export class Process {
  private _name: string;
  private _daemon: boolean;
  private readonly _identity: number[];
  private readonly _target: ProcessOptions['target'];
  private readonly _args: unknown[];
  private readonly _kwargs: Record<string, unknown> | null;
  private readonly _creator: string;
  private _child: ChildProcess | null = null;
  private _exitcode: number | null = null;
  private _exited: Promise<void> | null = null;
  private _closed = false;

  /**
   * @param options `{ target, name, args, kwargs, daemon }`, as Python's.
   * @throws TypeError for a target that is neither a function nor
   *   `{ module, export }`, or arguments of the wrong type.
   */
  constructor(options: ProcessOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw new ArgumentTypeError(`Process: options must be an object like { target, args }, not ${describe(options)}`);
    }
    const { target = null, name = null, args = null, kwargs = null, daemon = null } = options;
    if (target !== null && typeof target !== 'function' && !(typeof target === 'object' && 'module' in target)) {
      throw new ArgumentTypeError(`Process: target must be a function or { module, export }, not ${describe(target)}`);
    }
    if (args !== null && !Array.isArray(args)) throw new ArgumentTypeError(`Process: args must be an array, not ${describe(args)}`);
    if (kwargs !== null && (typeof kwargs !== 'object' || Array.isArray(kwargs))) {
      throw new ArgumentTypeError(`Process: kwargs must be an object, not ${describe(kwargs)}`);
    }
    if (daemon !== null && typeof daemon !== 'boolean') throw new ArgumentTypeError(`Process: daemon must be a boolean, not ${describe(daemon)}`);
    this._identity = [...self.identity, ++counter];
    this._name = name === null ? `Process-${this._identity.join(':')}` : checkName('Process', name);
    this._daemon = daemon ?? self.daemon;
    this._target = target;
    this._args = args ? [...args] : [];
    this._kwargs = kwargs;
    const sites = callerSites();
    this._creator = sites[0].file;
    sitesOf.set(this, sites);
  }

  /** The name (only for identification; several may share one). */
  get name(): string {
    return this._name;
  }

  set name(name: string) {
    this._name = checkName('Process.name', name);
  }

  /** Whether it is a daemon: killed when this process exits. Settable before start(). */
  get daemon(): boolean {
    return this._daemon;
  }

  set daemon(daemon: boolean) {
    if (this._child) throw new RuntimeError('process has already started');
    if (typeof daemon !== 'boolean') throw new ArgumentTypeError(`Process.daemon must be a boolean, not ${describe(daemon)}`);
    this._daemon = daemon;
  }

  /** The child's process id; null before start(). In the child, its own. */
  get pid(): number | null {
    if (this === running) return process.pid;
    return this._child?.pid ?? null;
  }

  /** Python's alias of {@link pid}. */
  get ident(): number | null {
    return this.pid;
  }

  /**
   * The exit code: null while it runs (or before start), its code once it
   * exits, the negative signal number if a signal ended it (as Python).
   */
  get exitcode(): number | null {
    if (this._exitcode === null && this._child?.pid) this.peek(0);
    return this._exitcode;
  }

  /**
   * What the child does: calls the target with `args` (and `kwargs` as a
   * last argument, if given). Override it in a subclass; the override is
   * sent to the child as source and runs there.
   */
  run(): unknown {
    // In the child, what process-main.ts rebuilt; called here (as Python
    // allows), the target itself.
    const local = locals.get(this);
    const target = local ? local.target : typeof this._target === 'function' ? this._target : null;
    if (!target) return undefined;
    const args = local ? local.args : this._args;
    const kwargs = local ? local.kwargs : this._kwargs;
    return target(...args, ...(kwargs ? [kwargs] : []));
  }

  /**
   * Starts the child process (at most once).
   * @throws RuntimeError if already started or closed.
   * @throws FreeVariableError (a ReferenceError) if a subclass's methods
   *   use names of the code around them, which the child cannot see.
   * @throws TypeError if a subclass's methods use `#private` fields, or
   *   the arguments or the instance's fields cannot be cloned.
   */
  start(): void {
    this.checkOpen('start');
    if (this._child) throw new RuntimeError('cannot start a process twice');
    const levels = this.subclassLevels();
    const state: Record<string, unknown> = {};
    for (const key of Object.keys(this)) if (!STAYS.has(key)) state[key] = (this as unknown as Record<string, unknown>)[key];
    const target = this._target;
    let spec: ProcessSpec['target'] = null;
    if (typeof target === 'function') spec = { kind: 'function', source: String(target), name: target.name };
    else if (target) {
      const m = target.module;
      spec = { kind: 'module', module: m instanceof URL ? m.href : m, export: target.export ?? 'default' };
    }
    const child = fork(BOOT, [], { serialization: 'advanced', stdio: 'inherit' });
    this._child = child;
    this._exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        this._exitcode = code ?? -signalNumber(signal);
        children.delete(this);
        resolve();
      });
    });
    children.add(this);
    hookExit();
    const message: ProcessSpec = {
      name: this._name,
      daemon: this._daemon,
      identity: this._identity,
      creator: this._creator,
      parent: { pid: process.pid, name: self.name },
      target: spec,
      args: this._args,
      kwargs: this._kwargs,
      levels,
      state,
    };
    try {
      child.send(message, (error) => {
        // The channel is only for the start: once the spec is sent, close it
        // so neither side's event loop waits on it.
        if (!error && child.connected) child.disconnect();
      });
    } catch (error) {
      child.kill('SIGKILL');
      throw new ArgumentTypeError(
        `Process.start: the arguments or the fields of ${this.constructor.name} cannot be sent to a process: ${(error as Error).message}`,
        'ERR_DATA_CLONE',
      );
    }
    if (this._daemon) child.unref();
  }

  // A subclass's methods, getters and setters, base-most class first, each
  // inspected for the names it uses (refused at once if the child cannot
  // see them) and where it is written.
  private subclassLevels(): ProcessSpec['levels'] {
    const sites = sitesOf.get(this) ?? [];
    const missing: Missing[] = [];
    const privates = new Set<string>();
    const levels: ProcessSpec['levels'] = [];
    for (let proto = Object.getPrototypeOf(this) as object; proto !== Process.prototype; proto = Object.getPrototypeOf(proto) as object) {
      if (proto === null) throw new RuntimeError('Process.start: not a Process');
      levels.unshift(
        levelOf(proto, (fn, source) => {
          const found = inspectFunction(fn, source, sites);
          // The child has `multiprocessing` as a global too (process-main.ts).
          missing.push(...found.missing.filter((m) => m.name !== 'multiprocessing'));
          for (const p of found.privates) privates.add(p);
          return found.placement;
        }),
      );
    }
    if (privates.size) {
      throw new ArgumentTypeError(
        `Process.start: ${this.constructor.name} uses private fields (${[...privates].join(', ')}), which cannot reach its ` +
          "process: a Process subclass's methods are sent as source text and its fields as data, and a class's " +
          '#private fields are neither. Use ordinary fields (this._name) instead',
        'ERR_PRIVATE_FIELDS',
      );
    }
    if (missing.length) throw freeVariableError('Process.start', this.constructor.name, 'in args (or as a field set in the constructor)', missing);
    return levels;
  }

  /**
   * Blocks until the child ends, or `timeout` seconds pass (`null`: for
   * ever). Check {@link exitcode} (or {@link isAlive}) to tell which.
   * @throws RuntimeError if not started (or this is the current process).
   */
  join(timeout?: number | null): void {
    this.checkOpen('join');
    if (!this._child) throw new RuntimeError('can only join a started process');
    const seconds = waitTimeout('Process.join', timeout);
    if (this._exitcode !== null) return;
    checkMayBlock();
    this.peek(seconds ?? -1);
  }

  /** As {@link join}, without blocking the event loop. */
  async joinAsync(timeout?: number | null): Promise<void> {
    this.checkOpen('joinAsync');
    if (!this._child) throw new RuntimeError('can only join a started process');
    const seconds = waitTimeout('Process.joinAsync', timeout);
    if (this._exitcode !== null) return;
    if (seconds === null) return this._exited!;
    let stop: (() => void) | undefined;
    await Promise.race([this._exited!, new Promise<void>((resolve) => (stop = atDeadline(deadlineAfter(seconds), resolve)))]);
    stop?.();
  }

  /** Whether the child has started and not ended. */
  isAlive(): boolean {
    if (!this._child || this._closed) return false;
    return this.exitcode === null;
  }

  /** Sends SIGTERM (Python's `terminate()`). */
  terminate(): void {
    this.checkOpen('terminate');
    this._child?.kill('SIGTERM');
  }

  /** Sends SIGKILL (Python's `kill()`). */
  kill(): void {
    this.checkOpen('kill');
    this._child?.kill('SIGKILL');
  }

  /**
   * Releases what the Process object holds; most methods throw after.
   * @throws ValueError if the child is still running.
   */
  close(): void {
    if (this._closed) return;
    if (this._child && this.exitcode === null) {
      throw new ValueError('Cannot close a process while it is still running. You should first call join() or terminate().');
    }
    this._closed = true;
    children.delete(this);
  }

  toString(): string {
    const status = this._closed
      ? 'closed'
      : !this._child
        ? 'initial'
        : this.exitcode === null
          ? 'started'
          : this._exitcode === 0
            ? 'stopped'
            : `stopped exitcode=${this._exitcode}`;
    return `<Process name='${this._name}' ${status}${this._daemon ? ' daemon' : ''}>`;
  }

  // Reads the exit status (without reaping), waiting up to `seconds`.
  private peek(seconds: number): void {
    const pid = this._child!.pid;
    if (pid === undefined) {
      this._exitcode = this._exitcode ?? 1; // fork failed: Node reports it as 'error'
      return;
    }
    const r = mp.waitChild(pid, seconds);
    if (Array.isArray(r)) this._exitcode = r[1] !== 0 ? -r[1] : r[0];
    else if (r === -2) throw new RuntimeError('Process.join needs pidfd_open (Linux 5.3 or later); use joinAsync()', 'ERR_UNSUPPORTED');
  }

  private checkOpen(method: string): void {
    if (this._closed) throw new ValueError(`Process.${method}: process object is closed`);
  }
}

/** Python's `multiprocessing.current_process()`: what this process is. */
export function currentProcess(): { name: string; pid: number; daemon: boolean; ident: number } {
  return { name: self.name, pid: process.pid, daemon: self.daemon, ident: process.pid };
}

/**
 * Python's `multiprocessing.parent_process()`: the process that started
 * this one with {@link Process}, or null in the main process.
 */
export function parentProcess(): { name: string; pid: number; isAlive(): boolean } | null {
  const parent = self.parent;
  if (!parent) return null;
  return {
    name: parent.name,
    pid: parent.pid,
    isAlive: () => {
      try {
        process.kill(parent.pid, 0);
        return process.ppid === parent.pid;
      } catch {
        return false;
      }
    },
  };
}

/** Python's `multiprocessing.active_children()`: started, not yet ended. */
export function activeChildren(): Process[] {
  return [...children].filter((p) => p.isAlive());
}

// As Python at exit: daemon children are terminated; non-daemon ones are
// waited for (their handles keep Node's loop alive until they end anyway,
// so this matters only for process.exit()).
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => {
    for (const p of children) {
      if (!p.isAlive()) continue;
      if (p.daemon) p.terminate();
      else p.join();
    }
  });
}
