/**
 * `Barrier`: Python's `threading.Barrier`, a port of CPython's state
 * machine over a {@link Condition} with a {@link Lock}.
 *
 * Slots: [0] state, [1] count of threads inside wait(). All access is under
 * the condition's lock. States, as in CPython:
 *   FILLING (0)    threads are arriving; the last one releases them all
 *   DRAINING (1)   released threads are leaving wait()
 *   RESETTING (-1) reset() was called while threads were waiting
 *   BROKEN (-2)    abort(), a timeout, or a failing action broke it
 * A thread arriving while the barrier drains or resets waits for it to
 * fill again.
 */
import { BrokenBarrierError, RuntimeError } from '../runtime/errors';
import { AsyncOptions } from '../runtime/guard';
import { Condition } from './condition';
import { Section, critical, criticalWith } from './critical';
import { Lock } from './lock';
import { Waiting, Word, binding, checkSignal, runAsync, runSync } from '../runtime/native';
import { nameOf, setNameOf, sourceHooks } from '../runtime/hooks';
import { registerKind, sharedWords } from '../runtime/shared';
import { asyncSignal, checkCount, checkFunction, waitTimeout } from '../runtime/validate';

const STATE = 0;
const COUNT = 1;
const FILLING = 0;
const DRAINING = 1;
const RESETTING = -1;
const BROKEN = -2;

// The action of barriers created in this thread; other threads compile it
// from its source (so, like a Thread target, it must not close over locals).
const actions = new WeakMap<object, () => unknown>();
// Actions compiled in this thread, by source: a least-recently-used cache
// of at most COMPILED_MAX, so a long-running thread that meets barriers
// with ever new actions does not keep them all. (A Map iterates in
// insertion order: a hit moves its entry to the end, the oldest goes first.)
const COMPILED_MAX = 64;
const compiled = new Map<string, () => unknown>();

/** @internal How many compiled actions this thread keeps (for tests). */
export function compiledActionCount(): number {
  return compiled.size;
}

function compiledAction(source: string, at: object | null): () => unknown {
  let action = compiled.get(source);
  if (action) compiled.delete(source);
  else {
    action = compileAction(source, at);
    if (compiled.size >= COMPILED_MAX) compiled.delete(compiled.keys().next().value as string);
  }
  compiled.set(source, action);
  return action;
}

/**
 * A barrier for a fixed number of threads: each calls wait(), and all are
 * released together once `parties` of them have.
 */
export class Barrier {
  /** @internal */ readonly _kind: string = 'Barrier';
  /** @internal */ readonly _words: Int32Array = sharedWords(2);
  /** @internal */ readonly _cond: Condition = new Condition(new Lock());
  /** @internal */ readonly _parties: number;
  /** @internal */ readonly _timeout: number | null;
  /** @internal */ readonly _action: string | null;
  /** @internal Where the action is written (its stack traces say so). */
  readonly _actionAt: object | null;

  /**
   * @param parties how many threads must call wait() (>= 1).
   * @param action called by one of the released threads (the last to
   *   arrive) before any is released; if it throws, the barrier breaks.
   * @param timeout default timeout of wait(), in seconds (`null`: none).
   */
  constructor(parties: number, action?: (() => unknown) | null, timeout?: number | null) {
    checkCount('Barrier', 'parties', parties, 1);
    this._parties = parties;
    this._timeout = waitTimeout('Barrier', timeout);
    if (action !== undefined && action !== null) {
      checkFunction('Barrier', 'action', action);
      actions.set(this, action);
      // The function's own source, whatever its `toString` says or does.
      this._action = Function.prototype.toString.call(action);
      this._actionAt = sourceHooks.placeOf(this._action);
    } else {
      this._action = null;
      this._actionAt = null;
    }
  }

  /**
   * Waits until `parties` threads have called wait(), then returns this
   * thread's arrival index, 0 to parties - 1 (distinct for each thread).
   * `timeout` (seconds) overrides the constructor's default.
   * @throws BrokenBarrierError if the barrier is broken or reset while
   *   waiting, or breaks because this wait timed out.
   */
  wait(timeout?: number | null): number {
    return runSync(this.waiting('Barrier.wait', timeout));
  }

  /**
   * As {@link wait}, without blocking the event loop. Aborting breaks the
   * barrier (the other parties get BrokenBarrierError) and rejects with
   * an `AbortError`.
   */
  async waitAsync(timeout?: number | null, options?: AsyncOptions): Promise<number> {
    const signal = asyncSignal('Barrier.waitAsync', options);
    checkSignal(signal);
    return runAsync(this.waiting('Barrier.waitAsync', timeout), signal);
  }

  private waiting(method: string, timeout: unknown): Waiting<number> {
    const seconds = timeout === undefined ? this._timeout : waitTimeout(method, timeout);
    return critical(this._cond._lock as Lock, (section) => this.passing(seconds, section));
  }

  // CPython's wait(), holding the lock (except while its waits sleep).
  private *passing(seconds: number | null, section: Section): Waiting<number> {
    const w = this._words;
    this.fold();
    yield* this.enter(section);
    const index = w[COUNT]++;
    // Until it leaves below, this thread ending counts as its departure.
    const party = binding.enrolParty(this._cond._words);
    try {
      if (index + 1 === this._parties) this.releaseAll();
      else yield* this.waitReleased(seconds, section);
      return index;
    } finally {
      // Without the lock, the thread is stopping: its departure is counted
      // natively as it ends, and the others fold it in.
      if (section.held) {
        binding.leaveParty(party);
        w[COUNT]--;
        this.exit();
      }
    }
  }

  // Waits while the barrier drains or resets.
  private *enter(section: Section): Waiting<void> {
    const w = this._words;
    while (w[STATE] === RESETTING || w[STATE] === DRAINING) {
      yield* this._cond._waiting(Infinity, section);
      this.fold();
    }
    if (w[STATE] < 0) throw new BrokenBarrierError();
  }

  // The last thread in: run the action, then release everybody.
  private releaseAll(): void {
    try {
      this.runAction();
      this._words[STATE] = DRAINING;
      this._cond.notifyAll();
    } catch (error) {
      this.break();
      throw error;
    }
  }

  private *waitReleased(seconds: number | null, section: Section): Waiting<void> {
    const w = this._words;
    let released: boolean;
    try {
      released = yield* this._cond._waitingFor(
        () => {
          this.fold();
          return w[STATE] !== FILLING;
        },
        seconds,
        section,
      );
    } catch (error) {
      if (section.held) this.break();
      throw error;
    }
    if (!released) {
      this.break();
      throw new BrokenBarrierError('the barrier broke: wait() timed out');
    }
    if (w[STATE] < 0) throw new BrokenBarrierError();
  }

  // The last thread out of a drain or reset lets the barrier fill again.
  private exit(): void {
    const w = this._words;
    if (w[COUNT] === 0 && (w[STATE] === RESETTING || w[STATE] === DRAINING)) {
      w[STATE] = FILLING;
      this._cond.notifyAll();
    }
  }

  // Parties whose thread ended inside wait() (counted natively, see
  // enrolParty) leave now: while the barrier fills, that breaks it, as a
  // party that can no longer arrive; while it drains, they are simply out.
  private fold(): void {
    const departed = Atomics.exchange(this._cond._words, Word.DepartedSlot, 0);
    if (departed === 0) return;
    this._words[COUNT] -= departed;
    if (this._words[STATE] === FILLING) this.break();
    else this.exit();
  }

  private runAction(): void {
    if (this._action === null) return;
    const action = actions.get(this) ?? compiledAction(this._action, this._actionAt);
    action();
  }

  /**
   * Returns the barrier to its empty state. Threads waiting in it get
   * BrokenBarrierError.
   */
  reset(): void {
    criticalWith(this._cond._lock, () => {
      this.fold();
      const w = this._words;
      if (w[COUNT] > 0) {
        if (w[STATE] === FILLING || w[STATE] === BROKEN) w[STATE] = RESETTING;
      } else {
        w[STATE] = FILLING;
      }
      this._cond.notifyAll();
    });
  }

  /**
   * Breaks the barrier: current and future wait() calls raise
   * BrokenBarrierError until reset(). Use it to let waiters out when a
   * party cannot arrive.
   */
  abort(): void {
    criticalWith(this._cond._lock, () => {
      this.fold();
      this.break();
    });
  }

  private break(): void {
    this._words[STATE] = BROKEN;
    this._cond.notifyAll();
  }

  /** The number of threads required to pass the barrier. */
  get parties(): number {
    return this._parties;
  }

  /** The number of threads currently waiting in the barrier. */
  get nWaiting(): number {
    if (Atomics.load(this._words, STATE) !== FILLING) return 0;
    return Atomics.load(this._words, COUNT) - Atomics.load(this._cond._words, Word.DepartedSlot);
  }

  /** Whether the barrier is broken. */
  get broken(): boolean {
    return Atomics.load(this._words, STATE) === BROKEN;
  }

  /** A name for reports; null by default. It travels with the object: set it before passing it on. */
  get name(): string | null {
    return nameOf(this);
  }

  set name(name: string | null) {
    setNameOf(this, name);
  }

  toString(): string {
    if (this.broken) return `<${this.constructor.name}: broken>`;
    return `<${this.constructor.name}: waiters=${this.nWaiting}/${this._parties}>`;
  }
}

function compileAction(source: string, at: object | null): () => unknown {
  try {
    return sourceHooks.compile(source, at);
  } catch (error) {
    throw new RuntimeError(
      `Barrier: the action cannot run in this thread (it is sent as source text, so it must be a ` +
        `self-contained function): ${(error as Error).message}`,
      'ERR_BARRIER_ACTION',
    );
  }
}

registerKind('Barrier', Barrier.prototype);
