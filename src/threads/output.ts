/**
 * Output from threads appears at once and in the order written.
 *
 * A Worker's `process.stdout` is normally a stream that the parent thread
 * drains on its event loop, so `console.log` from a thread shows late (or
 * never, while the parent blocks in `join()`), out of order with the
 * parent's own output. On threads started by pthreading, stdout and stderr
 * write straight to file descriptors 1 and 2 instead, synchronously, as the
 * main thread's writes to files and pipes already are.
 */
import fs from 'node:fs';

const pause = new Int32Array(new SharedArrayBuffer(4));

function writeAll(fd: number, data: Uint8Array): void {
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += fs.writeSync(fd, data, offset, data.length - offset);
    } catch (error) {
      // A non-blocking pipe that is full: wait for the reader, then retry.
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

type WriteCallback = (error?: Error | null) => void;

function syncWrite(fd: number) {
  return function write(chunk: unknown, encoding?: BufferEncoding | WriteCallback, callback?: WriteCallback): boolean {
    const cb = typeof encoding === 'function' ? encoding : callback;
    const enc = typeof encoding === 'string' ? encoding : 'utf8';
    const data = typeof chunk === 'string' ? Buffer.from(chunk, enc) : (chunk as Uint8Array);
    try {
      writeAll(fd, data);
    } catch (error) {
      if (cb) cb(error as Error);
      return false;
    }
    if (cb) process.nextTick(cb);
    return true;
  };
}

/** Makes this thread's stdout and stderr write synchronously to fds 1, 2. */
export function installSyncOutput(): void {
  (process.stdout as unknown as { write: unknown }).write = syncWrite(1);
  (process.stderr as unknown as { write: unknown }).write = syncWrite(2);
}
