/**
 * Growable shared memory for the Queue and the shared containers, which
 * hold as much as they are given (Python's hold items until memory runs
 * out).
 *
 * A growable `SharedArrayBuffer` (`new SharedArrayBuffer(n, {
 * maxByteLength })`) reserves address space up front and commits pages as
 * it grows; it never moves, so the words at its start stay where every
 * thread holds them, and a length-tracking view (`new Uint8Array(buffer,
 * offset)`) sees the new length in every thread. Measured on Node 20:
 * creating one that reserves 2 GiB costs about 12 µs and no resident
 * memory (a fixed 1 MiB one, 50 µs), and 20,000 of them live at once are
 * fine. Chained fixed segments were the alternative, but a segment one
 * thread creates cannot reach the others through shared memory.
 * The memory is never given back while the object lives: a buffer stays
 * as large as its contents ever were.
 */
import { MemoryError } from '../runtime/errors';

/** The most bytes one buffer reserves: its Int32 slots hold byte offsets. */
export const MAX_BYTES = 2 ** 31 - 1;

/** A growable SharedArrayBuffer (ES2024), typed here for the ES2022 lib. */
export interface GrowableBuffer extends SharedArrayBuffer {
  readonly maxByteLength: number;
  grow(byteLength: number): void;
}

const Growable = SharedArrayBuffer as unknown as new (byteLength: number, options: { maxByteLength: number }) => GrowableBuffer;

/**
 * A buffer of `initial` bytes that may grow to `max`. Where the system
 * refuses to reserve that much (a 32-bit process), less is reserved,
 * halving down to `initial`.
 * @throws MemoryError if not even `initial` bytes can be had.
 */
export function growableBuffer(what: string, initial: number, max: number): GrowableBuffer {
  for (let reserve = max; ; reserve = Math.max(initial, Math.floor(reserve / 2))) {
    try {
      return new Growable(initial, { maxByteLength: reserve });
    } catch (error) {
      if (reserve === initial) throw new MemoryError(`${what}: cannot allocate ${initial} bytes: ${String(error)}`);
    }
  }
}

/**
 * Grows `buffer` to at least `needed` bytes: to twice its length or more,
 * so that n additions cost O(n) copies in all. Returns false if it cannot
 * (beyond its reservation, or the system refuses the memory).
 */
export function growTo(buffer: GrowableBuffer, needed: number): boolean {
  if (needed <= buffer.byteLength) return true;
  if (needed > buffer.maxByteLength) return false;
  const doubled = Math.min(buffer.maxByteLength, Math.max(needed, 2 * buffer.byteLength));
  for (const size of [doubled, needed]) {
    try {
      buffer.grow(size);
      return true;
    } catch {
      // the system refused that much: try the least that will do
    }
  }
  return false;
}
