// How a thread sleeps and is woken: a parking lot keyed by address.
//
// The state of every primitive lives in a SharedArrayBuffer that JavaScript
// reads and CASes with `Atomics`. Native code is entered only to sleep
// ("park") until another thread changes that state, and to wake ("unpark")
// the threads sleeping on it. A waiter is queued in one of a fixed set of
// buckets chosen by the address of the word it waits on; each bucket has a
// mutex and a FIFO queue. This is the design of WebKit's ParkingLot and of
// Rust's parking_lot: a validate step and the enqueue happen under the bucket
// lock, and an unparker takes the same lock, so no wake-up is ever lost.
//
// Two kinds of waiter share the queues:
//   - a sync waiter blocks its OS thread on that thread's Parker;
//   - an async waiter belongs to a JS environment (a thread's event loop) and
//     is delivered there through the environment's wake handle. It never
//     occupies a thread while it waits.
// Both belong to a Sleeper: what the parking lot knows of a thread. The
// N-API layer (native/napi/registry.h) derives its per-environment state
// from it; nothing in native/core knows about N-API.
#pragma once

#include <atomic>
#include <cstdint>
#include <ctime>
#include <time.h>
#include <memory>

namespace pthreading {

class Sleeper;

// Monotonic nanoseconds. kForever means "no deadline".
using Deadline = int64_t;
constexpr Deadline kForever = INT64_MAX;
Deadline NowNs();
// seconds < 0 means forever; huge values saturate to kForever.
Deadline DeadlineAfter(double seconds);
#if defined(__linux__)
// `deadline` as the absolute time a futex wait on the monotonic clock (the
// one NowNs reads) takes: fills *ts and returns it, or null for kForever.
// (Linux only: its futex waits are the only users.)
inline struct timespec* AbsoluteTimespec(Deadline deadline, struct timespec* ts) {
  if (deadline == kForever) return nullptr;
  ts->tv_sec = static_cast<time_t>(deadline / 1'000'000'000);
  ts->tv_nsec = static_cast<long>(deadline % 1'000'000'000);
  return ts;
}
#endif

// Park outcomes, shared with JavaScript (src/runtime/native.ts mirrors them).
enum Status : int32_t {
  kUnparked = 0,   // woken by an unpark: re-check the state and retry
  kHandoff = 1,    // woken and handed ownership directly (fair unlock)
  kInvalid = 2,    // the validate step said "do not sleep": retry
  kTimedOut = 3,   // the deadline passed first
  kCancelled = 4,  // the thread is being torn down: give up at once
};

// The word a waiter sleeps on.
struct Waiter {
  uintptr_t key = 0;
  int32_t* word = nullptr;   // the primitive's word (== key), for timed_out
  int op = 0;                // which primitive's rules apply (ops.h)
  Waiter* prev = nullptr;    // bucket queue links; guarded by the bucket lock
  Waiter* next = nullptr;
  bool queued = false;       // guarded by the bucket lock
  int32_t token = kUnparked; // set by the unparker under the bucket lock
  bool is_async = false;
  uint32_t async_id = 0;
  // Owner environment; the unparker copies it under the bucket lock so it
  // can deliver the wake-up after releasing that lock.
  std::shared_ptr<Sleeper> env;
  // Keeps native-owned words (a thread's join word) alive while queued.
  std::shared_ptr<void> keepalive;
  // The expected value of a futex or event park (the op's ctx points here).
  int32_t expected = 0;
  // Set for a waiter queued elsewhere than the parking lot (a waiter on a
  // word shared between processes, core/shm.h): RemoveWaiter calls it.
  bool (*remove)(Waiter* w) = nullptr;
};

// What an unpark callback learns, under the bucket lock.
struct UnparkResult {
  size_t unparked = 0;     // how many waiters were dequeued
  bool have_more = false;  // whether waiters remain on this key
  bool be_fair = false;    // whether the fairness timer has expired
  // Whether the waiter can take ownership at once: a sync waiter, parked.
  // An async waiter is only woken (its thread may be blocked elsewhere).
  bool can_take = false;
};

// Callbacks run with the bucket lock held. They must not park or unpark.
struct ParkCallbacks {
  // Returns true to go to sleep; false means the state changed (kInvalid).
  bool (*validate)(int32_t* word, void* ctx) = nullptr;
  // Runs after the waiter is queued and the bucket lock is released
  // (Condition releases its lock here). May unpark other keys.
  void (*before_sleep)(void* ctx) = nullptr;
  // Runs under the bucket lock when a waiter leaves without an unpark
  // (timeout, cancel, abort, teardown).
  void (*timed_out)(int32_t* word, bool was_last) = nullptr;
  void* ctx = nullptr;
};

// Blocks the calling thread (whose environment is `env`) on `word`. Every
// way out leaves the primitive as if the waiter had never queued, except
// for what it legitimately took: before_sleep runs on every path (so a
// Condition's lock is always released), and a waiter that was woken or
// handed the lock just as its thread was torn down passes that on
// (PassOn, ops.h) and returns kCancelled.
Status ParkSync(const std::shared_ptr<Sleeper>& env, int32_t* word, int op,
                const ParkCallbacks& cb, Deadline deadline);

// Queues an async waiter owned by its environment. Returns false (and does
// not queue it) when validate fails; before_sleep runs either way.
bool ParkAsync(Waiter* w, const ParkCallbacks& cb);

// Removes an async waiter that is still queued, running timed_out. Returns
// false when an unparker already took it (its wake-up is on the way).
bool RemoveWaiter(Waiter* w, void (*timed_out)(int32_t*, bool));

// Wakes the first waiter on `word`. `callback` runs under the bucket lock
// with what happened and returns the token the waiter receives.
size_t UnparkOne(int32_t* word,
                 int32_t (*callback)(int32_t* word, const UnparkResult&));

// Wakes up to `count` waiters on `word` with token kUnparked. `callback`
// (may be null) runs under the bucket lock with what happened.
size_t UnparkSome(int32_t* word, size_t count,
                  void (*callback)(int32_t* word, const UnparkResult&));

// Live counts, for tests and leak checks: waiters on primitives, and
// futex waiters (sleep, join, warm workers waiting for a thread).
size_t QueuedWaiters();
size_t QueuedFutexWaiters();

}  // namespace pthreading

namespace pthreading {

// One per thread: how that thread's sync waits sleep. The state word is
// kParked while the thread is parked (spinning), kSleeping once it has
// announced an OS sleep (parker.h), kInterrupted once Interrupt() has asked
// it to re-check its cancel flag, and 0 once an unparker has released it;
// only the unparker that dequeued the waiter stores 0. Unpark() makes the
// OS wake call only for a thread past kParked. Interrupt() changes the word
// (not only wakes the sleeper), so an interrupt that lands between the
// sleeper's look at the flag and its OS wait is not lost.
class Parker {
 public:
  // Marks the thread as about to sleep; called before the waiter is queued.
  // Sequentially consistent, like the cancel flag's store and Interrupt()'s
  // exchange: either the sleeper sees the flag, or Interrupt() sees kParked.
  void Prepare() { state_.store(kParked, std::memory_order_seq_cst); }
  // Sleeps until Unpark(), the deadline, or `interrupted` becomes true.
  // Spins briefly first (bounded, see parking.cc). Returns true if unparked.
  bool ParkUntil(Deadline deadline, const std::atomic<bool>& interrupted, bool spin = true);
  // Waits for an unparker that has dequeued us to finish waking us.
  void WaitUnparked();
  // Releases the sleeper. Called by the thread that dequeued the waiter.
  void Unpark();
  // Wakes the sleeper without releasing it, so it re-checks `interrupted`.
  void Interrupt();

 private:
  static constexpr int32_t kParked = 1;
  static constexpr int32_t kInterrupted = 2;
  static constexpr int32_t kSleeping = 3;
  bool Released() const {
    // Acquire: pairs with the release store in Unpark(), so the token
    // written under the bucket lock is visible once we see 0.
    return state_.load(std::memory_order_acquire) == 0;
  }
  std::atomic<int32_t> state_{0};
};

// A thread as the parking lot sees it: the Parker its sync waits sleep on,
// the flag that cancels them, and where its async waiters' wake-ups go.
// Waiters hold it by shared_ptr, so an unparker can still deliver to it
// after the thread has gone.
class Sleeper {
 public:
  virtual ~Sleeper() = default;

  Parker& parker() { return parker_; }
  const std::atomic<bool>& cancelled() const { return cancelled_; }
  // Bumped (and futex-woken) with every cancel, after the flag is raised:
  // a wait that sleeps in the kernel on other words (core/shm.h) sleeps on
  // this one too, so a cancel ends it.
  const std::atomic<int32_t>& cancel_seq() const { return cancel_seq_; }

  // Hands a woken async waiter's wake-up to this thread. Any thread, with
  // no bucket lock held; the caller's caller holds `word`. If the thread is
  // blocked in a sync wait (so the waiter cannot run), the implementation
  // passes the wake-up on (PassOn, ops.h).
  virtual void Deliver(uint32_t async_id, int op, int32_t* word) = 0;
  // Around a sync wait of this thread (its own thread only).
  virtual void BeginSyncPark() = 0;
  virtual void EndSyncPark() = 0;

 protected:
  Parker parker_;
  std::atomic<bool> cancelled_{false};
  std::atomic<int32_t> cancel_seq_{0};
};

}  // namespace pthreading
