/**
 * `Barrier` shared between processes: Python's `multiprocessing.Barrier`.
 *
 * `parties` processes (or threads of them) call wait(); once all have,
 * they pass together. A party that dies while waiting breaks the barrier
 * (the others get `BrokenBarrierError`) instead of leaving them waiting for
 * ever; so does a timeout, an abort(), or an action that throws.
 */
import { ArgumentTypeError, BrokenBarrierError, describe } from '../runtime/errors';
import { AsyncOptions } from '../runtime/guard';
import { checkSignal, deadlineAfter, stopThisThread } from '../runtime/native';
import { asyncSignal, checkCount, waitTimeout } from '../runtime/validate';
import { Shared, aborted, checkMayBlock, handle, mixShared, shownName } from './common';
import { Handle, Kind, SharedOptions, attach, mp, registerShared, waitAsync } from './native';

// Results of the native wait that are not an index (native/core/shm.h).
const LAST = -4;
const BROKEN = -1;
const TIMED_OUT = -2;
const CANCELLED = -3;
const PENDING = -5;

/**
 * A barrier for `parties` participants in any processes: each wait()
 * blocks until all have called it, then all return, each with its arrival
 * index (0 .. parties - 1). Opening an existing named barrier ignores
 * `parties`.
 */
export class Barrier {
  /** @internal */ readonly _kind: string = 'multiprocessing.Barrier';
  /** @internal */ _name!: string;
  /** @internal */ declare _handle: Handle;
  /** @internal */ _action: (() => unknown) | null;
  /** @internal */ _timeout: number | null;

  /**
   * @param parties how many must wait before all pass (at least 1).
   * @param action run by the last to arrive, in its process, before all
   *   pass; if it throws, the barrier breaks. Not shared: each object has its own.
   * @param timeout the default timeout of wait(), in seconds.
   * @param options `name`, `create`, `mode` as for {@link Lock}.
   */
  constructor(parties: number, action?: (() => unknown) | null, timeout?: number | null, options?: SharedOptions) {
    checkCount('Barrier()', 'parties', parties, 1, 0xffff);
    if (action !== undefined && action !== null && typeof action !== 'function') {
      throw new ArgumentTypeError(`Barrier(): action must be a function or null, not ${describe(action)}`);
    }
    this._action = action ?? null;
    this._timeout = waitTimeout('Barrier()', timeout);
    attach(this, 'Barrier()', Kind.Barrier, options, 0, parties);
    Object.defineProperty(this, '_action', { enumerable: false });
  }

  private finish(r: number, h: Handle): number {
    if (r === LAST) {
      try {
        this._action?.();
      } catch (error) {
        mp.barrierControl(h, 1);
        throw error;
      }
      mp.barrierControl(h, 0);
      return this.parties - 1;
    }
    if (r === CANCELLED) stopThisThread();
    if (r === BROKEN || r === TIMED_OUT) throw new BrokenBarrierError();
    return r;
  }

  /**
   * Waits until all parties have called wait(), or `timeout` seconds (the
   * barrier's default if not given) pass. Returns the arrival index.
   * @throws BrokenBarrierError if the barrier is or becomes broken
   *   (a timeout breaks it, for every party).
   */
  wait(timeout?: number | null): number {
    const h = handle(this, 'Barrier.wait');
    const seconds = timeout === undefined ? this._timeout : waitTimeout('Barrier.wait', timeout);
    checkMayBlock();
    const [r] = mp.barrierWait(h, seconds ?? -1);
    return this.finish(r, h);
  }

  /** As {@link wait}, without blocking the event loop. An abort breaks the barrier. */
  async waitAsync(timeout?: number | null, options?: AsyncOptions): Promise<number> {
    const h = handle(this, 'Barrier.waitAsync');
    const seconds = timeout === undefined ? this._timeout : waitTimeout('Barrier.waitAsync', timeout);
    const signal = asyncSignal('Barrier.waitAsync', options);
    checkSignal(signal);
    const [r, gen, pending] = mp.barrierArrive(h);
    if (!pending) return this.finish(r, h);
    let got: number | undefined;
    try {
      got = await waitAsync(
        h,
        () => {
          const x = mp.barrierCheck(h, gen, r, false);
          return x === PENDING ? undefined : x;
        },
        () => gen,
        deadlineAfter(seconds),
        signal,
        aborted(signal),
      );
    } catch (error) {
      // Aborted: this party leaves, so the others cannot pass: broken.
      mp.barrierCheck(h, gen, r, true);
      throw error;
    }
    return this.finish(got ?? mp.barrierCheck(h, gen, r, true), h);
  }

  /** Breaks the current waiters (BrokenBarrierError) and starts afresh. */
  reset(): void {
    mp.barrierControl(handle(this, 'Barrier.reset'), 3);
  }

  /** Breaks the barrier: current and later waits fail until reset(). */
  abort(): void {
    mp.barrierControl(handle(this, 'Barrier.abort'), 2);
  }

  /** How many must wait. */
  get parties(): number {
    return mp.barrierControl(handle(this, 'Barrier.parties'), 4)[0];
  }

  /** How many wait now. */
  get nWaiting(): number {
    return mp.barrierControl(handle(this, 'Barrier.nWaiting'), 4)[1];
  }

  /** Whether it is broken. */
  get broken(): boolean {
    return mp.barrierControl(handle(this, 'Barrier.broken'), 4)[2];
  }

  /** The name other processes open it by. */
  get name(): string {
    return shownName(this._name);
  }

  toString(): string {
    if (this._handle === null) return `<Barrier(${this.name}, closed)>`;
    return `<Barrier(${this.name}, waiters=${this.nWaiting}/${this.parties}${this.broken ? ', broken' : ''})>`;
  }
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Barrier extends Shared {}

mixShared(Barrier.prototype);
registerShared(Kind.Barrier, Barrier.prototype);
