/**
 * The errors of `pthreading/multiprocessing` beyond the threading ones:
 * Python's `OSError` family, as `multiprocessing.shared_memory` raises
 * them, and the refusal of a segment this build cannot read.
 */
import { PthreadingError, RuntimeError } from '../runtime/errors';

/** Python's `OSError`: a system call failed; `errno` says why. */
export class OSError extends PthreadingError {
  /** The C errno (2 ENOENT, 13 EACCES, 17 EEXIST, ...). */
  readonly errno: number;

  constructor(message: string, errno: number, code = 'ERR_OS') {
    super(message, code);
    this.errno = errno;
  }
}

/** Python's `FileExistsError`: created with `create: true`, and the name is taken. */
export class FileExistsError extends OSError {
  constructor(message: string) {
    super(message, 17, 'ERR_EXISTS');
  }
}

/** Python's `FileNotFoundError`: opened with `create: false` (or revived), and no such name. */
export class FileNotFoundError extends OSError {
  constructor(message: string) {
    super(message, 2, 'ERR_NOT_FOUND');
  }
}

/** Python's `PermissionError`: the segment belongs to another user, or its mode forbids us. */
export class PermissionError extends OSError {
  constructor(message: string, errno = 13) {
    super(message, errno, 'ERR_PERMISSION');
  }
}

/**
 * A segment that exists under the name but that this build will not read:
 * not made by pthreading, made by another version or layout, or for
 * another kind of primitive. Nothing in it was read or changed.
 */
export class SegmentMismatchError extends RuntimeError {
  constructor(message: string) {
    super(message, 'ERR_SEGMENT_MISMATCH');
  }
}
