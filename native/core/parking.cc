#include "parking.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define PT_CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define PT_CPU_RELAX() __asm__ __volatile__("yield")
#else
#define PT_CPU_RELAX() std::this_thread::yield()
#endif

#include "check.h"
#include "ops.h"
#include "parker.h"

namespace pthreading {

Deadline NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Deadline DeadlineAfter(double seconds) {
  if (!(seconds >= 0)) return kForever;  // negative or NaN: forever
  const double ns = seconds * 1e9;
  const Deadline now = NowNs();
  if (ns >= static_cast<double>(kForever - now)) return kForever;
  return now + static_cast<Deadline>(ns);
}

// ---------------------------------------------------------------------------
// Parker

namespace {

// Bounded spinning before a sync waiter sleeps. On a machine with few cores a
// futex round trip costs hundreds of microseconds, while the thread that will
// wake us usually does so within a few microseconds; spinning that long turns
// a ping-pong into a few microseconds. It is bounded in time, and at most
// (cores - 1) threads spin at once, so many waiters never burn the machine.
constexpr Deadline kSpinNs = 40'000;
std::atomic<int> g_spinners{0};
const int g_max_spinners = [] {
  const unsigned n = std::thread::hardware_concurrency();
  return n > 1 ? static_cast<int>(n) - 1 : 0;
}();

}  // namespace

bool Parker::ParkUntil(Deadline deadline, const std::atomic<bool>& interrupted, bool spin) {
  if (spin) {
    // Relaxed: a bound on how many threads spin at once; it orders no data.
    if (g_spinners.fetch_add(1, std::memory_order_relaxed) < g_max_spinners) {
      // Never spin past the caller's deadline (a zero timeout does not spin).
      const Deadline spin_end = std::min(NowNs() + kSpinNs, deadline);
      for (unsigned i = 1;; ++i) {
        if (Released()) {
          g_spinners.fetch_sub(1, std::memory_order_relaxed);
          return true;
        }
        PT_CPU_RELAX();
        if ((i & 63) == 0 && NowNs() >= spin_end) break;
      }
    }
    g_spinners.fetch_sub(1, std::memory_order_relaxed);
  }
  for (;;) {
    // Pairs with Unpark()'s exchange (its release makes the token visible).
    int32_t s = state_.load(std::memory_order_seq_cst);
    if (s == 0) return true;
    // Pairs with EnvState::Cancel(): its flag store then our state look, and
    // our Prepare() then this flag look, all seq_cst: one sees the other.
    if (interrupted.load(std::memory_order_seq_cst)) return false;
    if (deadline != kForever && NowNs() >= deadline) return false;
    // Announce the sleep, so Unpark() knows to make the wake-up call. The
    // OS wait (parker.h) sleeps only while the word is still kSleeping: an
    // Unpark() or Interrupt() since the look at `interrupted` has changed
    // it, and the wait returns at once.
    if (s == kParked && !state_.compare_exchange_strong(s, kSleeping, std::memory_order_seq_cst)) continue;
    OsWait(&state_, kSleeping, deadline);
  }
}

void Parker::WaitUnparked() {
  for (;;) {
    // Pairs with Unpark()'s exchange, as Released() does.
    int32_t s = state_.load(std::memory_order_acquire);
    if (s == 0) return;
    if (s == kParked) {
      if (!state_.compare_exchange_strong(s, kSleeping, std::memory_order_seq_cst)) continue;
      s = kSleeping;
    }
    OsWait(&state_, s, kForever);
  }
}

void Parker::Unpark() {
  // Release: the token written under the bucket lock happens-before the
  // waiter's acquire load that sees 0. A waiter still spinning (kParked)
  // sees the 0 by itself: the OS wake, a system call, is only for one
  // that announced its sleep (or was interrupted and may sleep again in
  // WaitUnparked).
  if (state_.exchange(0, std::memory_order_acq_rel) != kParked) OsWakeAll(&state_);
}

void Parker::Interrupt() {
  // Called after the cancel flag's seq_cst store (EnvState::Cancel): pairs
  // with Prepare() and ParkUntil's look at the flag.
  int32_t s = state_.load(std::memory_order_seq_cst);
  while (s == kParked || s == kSleeping) {
    if (state_.compare_exchange_weak(s, kInterrupted, std::memory_order_seq_cst)) {
      OsWakeAll(&state_);
      return;
    }
  }
}

// ---------------------------------------------------------------------------
// Buckets

namespace {

struct alignas(64) Bucket {
  std::mutex mutex;
  Waiter* head = nullptr;
  Waiter* tail = nullptr;
  // Eventual fairness, as in parking_lot: once this time has passed, the
  // next unlock hands the lock straight to the first waiter instead of
  // letting a running thread barge in. Re-armed 0..1 ms later each time.
  Deadline fair_timeout = 0;
  uint32_t seed = 0;
};

constexpr size_t kBucketBits = 10;
Bucket g_buckets[size_t{1} << kBucketBits];
// Waiters on primitives, and futex waiters (sleep, join, warm workers).
std::atomic<size_t> g_queued{0};
std::atomic<size_t> g_futex_queued{0};

std::atomic<size_t>& CounterFor(const Waiter* w) { return w->op == kOpFutex ? g_futex_queued : g_queued; }

Bucket& BucketFor(uintptr_t key) {
  // Fibonacci hashing; the low two bits of an int32 address are always 0.
  const uint64_t h = static_cast<uint64_t>(key >> 2) * 0x9E3779B97F4A7C15ull;
  return g_buckets[h >> (64 - kBucketBits)];
}

// The parker's OS wait word (parker.h) is the atomic itself.
static_assert(sizeof(std::atomic<int32_t>) == sizeof(int32_t) && std::atomic<int32_t>::is_always_lock_free);
// Shared words are read and written in place by JavaScript's Atomics.
static_assert(std::atomic_ref<int32_t>::is_always_lock_free && std::atomic_ref<int32_t>::required_alignment == 4);

void Enqueue(Bucket& b, Waiter* w) {
  PT_CHECK(!w->queued, "a waiter queued twice");
  w->prev = b.tail;
  w->next = nullptr;
  if (b.tail) b.tail->next = w; else b.head = w;
  b.tail = w;
  w->queued = true;
  // Relaxed: a statistic (nativeStats); the queue itself is guarded by the bucket lock.
  CounterFor(w).fetch_add(1, std::memory_order_relaxed);
}

void Dequeue(Bucket& b, Waiter* w) {
  PT_CHECK(w->queued && CounterFor(w).load(std::memory_order_relaxed) > 0, "a waiter dequeued that is not queued");
  if (w->prev) w->prev->next = w->next; else b.head = w->next;
  if (w->next) w->next->prev = w->prev; else b.tail = w->prev;
  w->prev = w->next = nullptr;
  w->queued = false;
  CounterFor(w).fetch_sub(1, std::memory_order_relaxed);
}

bool HasKey(const Bucket& b, uintptr_t key) {
  for (Waiter* w = b.head; w; w = w->next)
    if (w->key == key) return true;
  return false;
}

bool TimeToBeFair(Bucket& b) {
  const Deadline now = NowNs();
  if (now < b.fair_timeout) return false;
  // xorshift32: cheap jitter so threads do not fall into lock-step.
  uint32_t x = b.seed ? b.seed : 0x9E3779B9u;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  b.seed = x;
  b.fair_timeout = now + static_cast<Deadline>(x % 1'000'000);
  return true;
}

// Something to do after the bucket lock is released.
struct Wake {
  std::shared_ptr<Sleeper> env;
  bool is_async;
  uint32_t async_id;
  int32_t token;
  int op;
  int32_t* word;
};

Wake WakeFor(const Waiter* w) { return Wake{w->env, w->is_async, w->async_id, w->token, w->op, w->word}; }

// Called by the unparker, whose caller holds the words: their memory lives
// through any pass-on that Deliver makes.
void DeliverWakes(std::vector<Wake>& wakes) {
  for (Wake& w : wakes) {
    if (w.is_async) w.env->Deliver(w.async_id, w.op, w.word);
    else w.env->parker().Unpark();
  }
}

}  // namespace

Status ParkSync(const std::shared_ptr<Sleeper>& env, int32_t* word, int op,
                const ParkCallbacks& cb, Deadline deadline) {
  const uintptr_t key = reinterpret_cast<uintptr_t>(word);
  Bucket& b = BucketFor(key);
  Waiter w;
  w.key = key;
  w.word = word;
  w.op = op;
  w.env = env;
  {
    std::unique_lock<std::mutex> guard(b.mutex);
    // Pairs with EnvState::Cancel()'s store. Only an early way out: the look
    // that counts is ParkUntil's seq_cst one, after Prepare().
    const bool cancelled = env->cancelled().load(std::memory_order_acquire);
    if (cancelled || (cb.validate && !cb.validate(word, cb.ctx))) {
      // Not sleeping. before_sleep still runs, so a Condition's lock is
      // released on this path as on every other.
      guard.unlock();
      if (cb.before_sleep) cb.before_sleep(cb.ctx);
      return cancelled ? kCancelled : kInvalid;
    }
    env->parker().Prepare();
    Enqueue(b, &w);
  }
  if (cb.before_sleep) cb.before_sleep(cb.ctx);

  // A Lock waiter does not spin: it would wake within microseconds, lose
  // the race to the holder (which re-takes the lock at once) and park
  // again, and each round forces the holder's unlock into native code. A
  // waiter that sleeps lets the holder run at full speed meanwhile, as
  // glibc's and parking_lot's locks do once their short spin is over.
  // Nor does a Futex wait (sleep(), join(), a warm worker): nobody is about
  // to end it early, so an idle thread costs no CPU at all.
  // Event, Condition and Semaphore waits do spin: their wake-ups are
  // hand-offs of work between threads, where latency is what counts.
  // While this thread sleeps its async waiters cannot run: BeginSyncPark
  // passes on the wake-ups they hold (registry.h).
  env->BeginSyncPark();
  const bool unparked = env->parker().ParkUntil(deadline, env->cancelled(), op != kOpLock && op != kOpFutex);
  env->EndSyncPark();

  if (!unparked) {
    std::lock_guard<std::mutex> guard(b.mutex);
    if (w.queued) {
      Dequeue(b, &w);
      if (cb.timed_out) cb.timed_out(word, !HasKey(b, key));
      return env->cancelled().load(std::memory_order_acquire) ? kCancelled : kTimedOut;
    }
  }
  // An unparker dequeued us (perhaps just as we gave up); it stores 0 into
  // our parker last. Wait for that so no stale wake-up reaches our next park.
  if (!unparked) env->parker().WaitUnparked();
  // Pairs with EnvState::Cancel()'s store (seen by ParkUntil already when it
  // made the park end; here it tells a wake-up from a cancel).
  if (env->cancelled().load(std::memory_order_acquire)) {
    // Woken, or handed the lock, as the thread is torn down: this waiter
    // will not use it, so the next one gets it, as if we had timed out.
    if (w.token == kHandoff) UnlockWord(word);
    else PassOn(op, word);
    return kCancelled;
  }
  return static_cast<Status>(w.token);
}

bool ParkAsync(Waiter* w, const ParkCallbacks& cb) {
  Bucket& b = BucketFor(w->key);
  bool queued = false;
  {
    std::lock_guard<std::mutex> guard(b.mutex);
    if (!cb.validate || cb.validate(w->word, cb.ctx)) {
      w->token = kUnparked;
      Enqueue(b, w);
      queued = true;
    }
  }
  // On both paths, as in ParkSync.
  if (cb.before_sleep) cb.before_sleep(cb.ctx);
  return queued;
}

bool RemoveWaiter(Waiter* w, void (*timed_out)(int32_t*, bool)) {
  if (w->remove) return w->remove(w);
  Bucket& b = BucketFor(w->key);
  std::lock_guard<std::mutex> guard(b.mutex);
  if (!w->queued) return false;
  Dequeue(b, w);
  if (timed_out) timed_out(w->word, !HasKey(b, w->key));
  return true;
}

size_t UnparkOne(int32_t* word,
                 int32_t (*callback)(int32_t* word, const UnparkResult&)) {
  const uintptr_t key = reinterpret_cast<uintptr_t>(word);
  Bucket& b = BucketFor(key);
  std::vector<Wake> wakes;
  {
    std::lock_guard<std::mutex> guard(b.mutex);
    Waiter* w = b.head;
    while (w && w->key != key) w = w->next;
    UnparkResult result;
    if (w) {
      Dequeue(b, w);
      result.unparked = 1;
      result.have_more = HasKey(b, key);
      result.be_fair = TimeToBeFair(b);
      result.can_take = !w->is_async;
    }
    const int32_t token = callback(word, result);
    if (!w) return 0;
    w->token = token;
    wakes.push_back(WakeFor(w));
  }
  DeliverWakes(wakes);
  return 1;
}

size_t UnparkSome(int32_t* word, size_t count,
                  void (*callback)(int32_t* word, const UnparkResult&)) {
  const uintptr_t key = reinterpret_cast<uintptr_t>(word);
  Bucket& b = BucketFor(key);
  std::vector<Wake> wakes;
  {
    std::lock_guard<std::mutex> guard(b.mutex);
    Waiter* w = b.head;
    while (w && wakes.size() < count) {
      Waiter* next = w->next;
      if (w->key == key) {
        Dequeue(b, w);
        w->token = kUnparked;
        wakes.push_back(WakeFor(w));
      }
      w = next;
    }
    if (callback) {
      UnparkResult result;
      result.unparked = wakes.size();
      result.have_more = HasKey(b, key);
      callback(word, result);
    }
  }
  DeliverWakes(wakes);
  return wakes.size();
}

size_t QueuedWaiters() { return g_queued.load(std::memory_order_relaxed); }

size_t QueuedFutexWaiters() { return g_futex_queued.load(std::memory_order_relaxed); }

}  // namespace pthreading
