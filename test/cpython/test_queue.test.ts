/**
 * A port of CPython 3.13's Lib/test/test_queue.py: the QueueTest cases of
 * BaseQueueTestMixin (CPython runs them for the Python and the C queue,
 * PyQueueTest and CQueueTest; pthreading has one Queue). One `it` per CPython
 * test method, named after it. See README.md beside this file for the cases
 * that cannot apply (shutdown, LifoQueue, PriorityQueue, SimpleQueue).
 */
import { describe, expect, it } from 'vitest';

import { Empty, Event, Full, Lock, Queue, Thread, Value, ValueError } from 'pthreading';

import { queued } from './support';

// Thread targets are sent as source text and reach the library through
// this plain variable, which every thread has as a global of the same name.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pthreading = require('pthreading') as typeof import('pthreading');
void pthreading;

const QUEUE_SIZE = 5;

function qfull(q: Queue): boolean {
  return q.maxsize > 0 && q.qsize() === q.maxsize;
}

type Trigger = ['get'] | ['put', unknown];

/**
 * _TriggerThread: runs `q.get()` or `q.put(item)` to unclog a blocked
 * queue. CPython sleeps 0.1 s first so the blocking function gets a chance
 * to block; here the thread waits until one more waiter than `base` is
 * parked in a native queue (the main thread, blocked), then acts.
 */
function triggerThread(q: Queue, trigger: Trigger): { thread: Thread; startedEvent: Event } {
  const startedEvent = new Event();
  const thread = new Thread({
    target: (q: Queue, startedEvent: Event, base: number, op: string, item: unknown) => {
      const end = performance.now() + 30_000;
      while (pthreading.nativeStats().queuedWaiters <= base && performance.now() < end) pthreading.sleep(0.001);
      startedEvent.set();
      if (op === 'get') q.get();
      else q.put(item);
    },
    args: [q, startedEvent, queued(), ...trigger],
    daemon: true,
  });
  return { thread, startedEvent };
}

/** BlockingTestMixin.do_blocking_test */
function doBlockingTest<T>(blockFunc: () => T, q: Queue, trigger: Trigger): T {
  const { thread, startedEvent } = triggerThread(q, trigger);
  thread.start();
  try {
    const result = blockFunc();
    // If block_func returned before our thread made the call, we failed!
    if (!startedEvent.isSet()) throw new Error(`blocking function ${blockFunc} appeared not to block`);
    return result;
  } finally {
    thread.join(30); // make sure the thread terminates
    expect(thread.isAlive()).toBe(false);
  }
}

function basicQueueTest(q: Queue<number | string>): void {
  if (q.qsize()) throw new Error('Call this function with an empty queue');
  expect(q.empty()).toBe(true);
  expect(q.full()).toBe(false);
  // I guess we better check things actually queue correctly a little :)
  q.put(111);
  q.put(333);
  q.put(222);
  const actualOrder = [q.get(), q.get(), q.get()];
  expect(actualOrder, "Didn't seem to queue the correct data!").toEqual([111, 333, 222]);
  for (let i = 0; i < QUEUE_SIZE - 1; i++) {
    q.put(i);
    expect(q.qsize(), 'Queue should not be empty').toBeTruthy();
  }
  expect(!qfull(q), 'Queue should not be full').toBe(true);
  const last = 2 * QUEUE_SIZE;
  const full = 3 * 2 * QUEUE_SIZE;
  q.put(last);
  expect(qfull(q), 'Queue should be full').toBe(true);
  expect(q.empty()).toBe(false);
  expect(q.full()).toBe(true);
  expect(() => q.put(full, false), "Didn't appear to block with a full queue").toThrow(Full);
  expect(() => q.put(full, true, 0.01), "Didn't appear to time-out with a full queue").toThrow(Full);
  // Test a blocking put
  doBlockingTest(() => q.put(full), q, ['get']);
  doBlockingTest(() => q.put(full, true, 10), q, ['get']);
  // Empty it
  for (let i = 0; i < QUEUE_SIZE; i++) q.get();
  expect(!q.qsize(), 'Queue should be empty').toBe(true);
  expect(() => q.get(false), "Didn't appear to block with an empty queue").toThrow(Empty);
  expect(() => q.get(true, 0.01), "Didn't appear to time-out with an empty queue").toThrow(Empty);
  // Test a blocking get
  expect(doBlockingTest(() => q.get(), q, ['put', 'empty'])).toBe('empty');
  expect(doBlockingTest(() => q.get(true, 10), q, ['put', 'empty'])).toBe('empty');
}

// BaseQueueTestMixin.worker, run by each thread: self.cum and self.cumlock
// are a Value and a Lock passed in.
function worker(q: Queue<number>, cumlock: Lock, cum: Value): void {
  for (;;) {
    const x = q.get();
    if (x < 0) {
      q.taskDone();
      return;
    }
    cumlock.with(() => {
      cum.value += x;
    });
    q.taskDone();
  }
}

function queueJoinTest(q: Queue<number>): void {
  const cumlock = new Lock();
  const cum = new Value('i', 0, { lock: false });
  const threads: Thread[] = [];
  for (let i = 0; i < 2; i++) {
    const thread = new Thread({ target: worker, args: [q, cumlock, cum], daemon: true });
    thread.start();
    threads.push(thread);
  }
  for (let i = 0; i < 100; i++) q.put(i);
  q.join();
  expect(cum.value, 'q.join() did not block until all tasks were done').toBe((100 * 99) / 2);
  for (let i = 0; i < 2; i++) q.put(-1); // instruct the threads to close
  q.join(); // verify that you can join twice
  for (const thread of threads) thread.join();
}

describe('QueueTest', () => {
  const type2test = <T>(maxsize?: number): Queue<T> => new Queue<T>(maxsize);

  it('QueueTest.test_queue_task_done', () => {
    // Test to make sure a queue task completed successfully.
    const q = type2test();
    expect(() => q.taskDone(), 'Did not detect task count going negative').toThrow(ValueError);
  });

  it('QueueTest.test_queue_join', () => {
    // Test that a queue join()s successfully, and before anything else
    // (done twice for insurance).
    const q = type2test<number>();
    queueJoinTest(q);
    queueJoinTest(q);
    expect(() => q.taskDone(), 'Did not detect task count going negative').toThrow(ValueError);
  });

  it('QueueTest.test_basic', () => {
    // Do it a couple of times on the same queue.
    // Done twice to make sure works with same instance reused.
    const q = type2test<number | string>(QUEUE_SIZE);
    basicQueueTest(q);
    basicQueueTest(q);
  });

  it('QueueTest.test_negative_timeout_raises_exception', () => {
    const q = type2test(QUEUE_SIZE);
    expect(() => q.put(1, true, -1)).toThrow(ValueError);
    expect(() => q.get(true, -1)).toThrow(ValueError);
  });

  it('QueueTest.test_nowait', () => {
    const q = type2test(QUEUE_SIZE);
    for (let i = 0; i < QUEUE_SIZE; i++) q.putNowait(1);
    expect(() => q.putNowait(1)).toThrow(Full);
    for (let i = 0; i < QUEUE_SIZE; i++) q.getNowait();
    expect(() => q.getNowait()).toThrow(Empty);
  });

  it('QueueTest.test_shrinking_queue', () => {
    // issue 10110
    const q = type2test(3);
    q.put(1);
    q.put(2);
    q.put(3);
    expect(() => q.putNowait(4)).toThrow(Full);
    expect(q.qsize()).toBe(3);
    q.maxsize = 2; // shrink the queue
    expect(() => q.putNowait(4)).toThrow(Full);
  });
});
