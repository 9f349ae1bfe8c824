/**
 * `SharedMemory`: Python's `multiprocessing.shared_memory.SharedMemory`, a
 * block of bytes in a named segment that every process of the user may
 * open by name or receive in a message.
 *
 * JavaScript cannot hold a live view of the mapping (that would take an
 * external ArrayBuffer, which Electron refuses), so there is no `buf`:
 * `read()` copies bytes out into a new Buffer, `write()` copies them in,
 * `readInto()` copies into a view the caller owns, each one native call.
 * The bytes are plain memory: nothing makes a copy atomic or orders it
 * against another process's; guard a read-modify-write with a Lock.
 */
import { ArgumentTypeError, ValueError, describe } from '../runtime/errors';
import { Shared, handle, mixShared, shownName } from './common';
import { Handle, Kind, SharedOptions, attach, mp, registerShared } from './native';

/** The most bytes one SharedMemory holds (2 GiB − 1). */
export const MAX_SHARED_MEMORY = 0x7fffffff;

const B = 'B'.charCodeAt(0);

/** Python's `SharedMemory(name=None, create=False, size=0)`, as options. */
export interface SharedMemoryOptions extends SharedOptions {
  /**
   * Bytes of a new block (at least 1). Opening an existing one by name
   * with `create: false` ignores it, as Python does; with `create` left
   * out (open or create), an existing block must have this size.
   */
  size?: number;
}

/** Bytes a JavaScript caller may hand over: any view, or an ArrayBuffer. */
export type BytesLike = ArrayBufferView | ArrayBuffer | SharedArrayBuffer;

function checkInteger(method: string, what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ArgumentTypeError(`${method}: ${what} must be an integer, not ${describe(v)}`);
  return v;
}

/**
 * A block of bytes shared by every process that opens it. Create one with
 * `new SharedMemory({ size })` (anonymous: pass it along) or
 * `new SharedMemory({ name, create: true, size })`; open it elsewhere with
 * `new SharedMemory({ name })` or by reviving it from a message. Its bytes
 * start as zeros.
 */
export class SharedMemory {
  /** @internal */ readonly _kind: string = 'multiprocessing.SharedMemory';
  /** @internal */ _name!: string;
  /** @internal */ declare _handle: Handle;

  /**
   * @param options `name` (1 to 200 of `A-Z a-z 0-9 . _ -`; none: a new
   *   anonymous block), `create` (`true` create only, `false` open only;
   *   left out: open or create when `size` is given, open otherwise),
   *   `size` in bytes, `mode` (default `0o600`).
   * @throws ValueError for a bad name, mode or size (0 or negative when
   *   creating, above {@link MAX_SHARED_MEMORY}), or an anonymous block
   *   with `create: false`. @throws TypeError for options of the wrong type.
   * @throws FileExistsError (`create: true`, the name is taken),
   *   FileNotFoundError (opening a name that does not exist),
   *   PermissionError (another user's). @throws SegmentMismatchError when
   *   the name holds something else, or a block of another size than
   *   `size` (open or create).
   */
  constructor(options: SharedMemoryOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw new ArgumentTypeError(`SharedMemory(): options must be an object like { name, create, size }, not ${describe(options)}`);
    }
    const { size, create, name } = options;
    let bytes = 0;
    if (size !== undefined) {
      bytes = checkInteger('SharedMemory()', 'size', size);
      if (bytes < 0) throw new ValueError("SharedMemory(): 'size' must be a positive integer");
      if (bytes > MAX_SHARED_MEMORY) throw new ValueError(`SharedMemory(): 'size' must be at most ${MAX_SHARED_MEMORY} bytes, not ${bytes}`);
    }
    const anonymous = name === undefined || name === null;
    // Python's default is open only; open or create needs a size to create with.
    const opening = create === false || (create === undefined && !anonymous && size === undefined);
    if (!opening && bytes === 0) throw new ValueError("SharedMemory(): 'size' must be a positive number different from zero");
    const opts = opening && create === undefined ? { ...options, create: false } : options;
    attach(this, 'SharedMemory()', Kind.SharedMemory, opts, opening ? 0 : B, opening ? 0 : bytes);
  }

  /** The name other processes open it by (an anonymous one's is generated). */
  get name(): string {
    return shownName(this._name);
  }

  /** Its size in bytes. */
  get size(): number {
    return mp.shape(handle(this, 'SharedMemory.size'))[1];
  }

  /**
   * Copies `length` bytes from `offset` (default: all of them from there
   * to the end) into a new Buffer. Python's `bytes(shm.buf[offset:offset + length])`.
   * @throws RangeError if the range is not inside the block.
   */
  read(offset = 0, length?: number): Buffer {
    const h = handle(this, 'SharedMemory.read');
    const size = mp.shape(h)[1];
    checkInteger('SharedMemory.read', 'offset', offset);
    const n = length === undefined ? size - offset : checkInteger('SharedMemory.read', 'length', length);
    checkRange('SharedMemory.read', offset, n, size);
    return mp.bytesRead(h, offset, n)!;
  }

  /**
   * Copies all of `source` into the block at `offset`. Python's
   * `shm.buf[offset:offset + len(source)] = source`. Returns the bytes written.
   * @throws RangeError if it does not fit. @throws TypeError if `source` is
   *   not a Buffer, typed array, DataView or ArrayBuffer.
   */
  write(offset: number, source: BytesLike): number {
    const h = handle(this, 'SharedMemory.write');
    checkInteger('SharedMemory.write', 'offset', offset);
    if (!ArrayBuffer.isView(source) && !(source instanceof ArrayBuffer) && !(source instanceof SharedArrayBuffer)) {
      throw new ArgumentTypeError(`SharedMemory.write: source must be a Buffer, typed array, DataView or ArrayBuffer, not ${describe(source)}`);
    }
    checkRange('SharedMemory.write', offset, source.byteLength, mp.shape(h)[1]);
    return mp.bytesWrite(h, offset, asView(source));
  }

  /**
   * Copies bytes from `offset` into `target`: as many as it holds, or as
   * are left before the end. Returns how many were copied.
   * @throws RangeError if `offset` is outside the block. @throws TypeError
   *   if `target` is not a Buffer, typed array, DataView or ArrayBuffer.
   */
  readInto(target: BytesLike, offset = 0): number {
    const h = handle(this, 'SharedMemory.readInto');
    checkInteger('SharedMemory.readInto', 'offset', offset);
    if (!ArrayBuffer.isView(target) && !(target instanceof ArrayBuffer) && !(target instanceof SharedArrayBuffer)) {
      throw new ArgumentTypeError(`SharedMemory.readInto: target must be a Buffer, typed array, DataView or ArrayBuffer, not ${describe(target)}`);
    }
    checkRange('SharedMemory.readInto', offset, 0, mp.shape(h)[1]);
    return mp.bytesReadInto(h, offset, asView(target));
  }

  toString(): string {
    if (this._handle === null) return `SharedMemory('${this.name}', closed)`;
    return `SharedMemory('${this.name}', size=${this.size})`;
  }
}

// The native side takes views only.
function asView(bytes: BytesLike | SharedArrayBuffer): ArrayBufferView {
  return ArrayBuffer.isView(bytes) ? bytes : new Uint8Array(bytes);
}

function checkRange(method: string, offset: number, length: number, size: number): void {
  if (offset < 0 || length < 0 || offset + length > size) {
    throw new RangeError(`${method}: bytes ${offset} to ${offset + length} are outside the block (its size is ${size})`);
  }
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SharedMemory extends Shared {}

mixShared(SharedMemory.prototype);
registerShared(Kind.SharedMemory, SharedMemory.prototype);
