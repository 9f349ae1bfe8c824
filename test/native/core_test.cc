// Unit tests of native/core without Node: the parking lot and the word
// rules driven from plain std::threads, as the JavaScript side drives them
// (CAS fast paths here, ParkSync / UnlockWord / WakeWaiters for the slow
// ones). Built and run by scripts/core-test.sh under ASan and TSan, with
// the invariant checks on.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>
#include <vector>

#include "core/ops.h"
#include "core/parking.h"

using namespace pthreading;

namespace {

int failures = 0;

#define EXPECT(cond)                                                        \
  do {                                                                      \
    if (!(cond)) {                                                          \
      std::fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                           \
    }                                                                       \
  } while (0)

// A thread as the parking lot sees it, with no event loop: it has no async
// waiters, so nothing is ever delivered to it.
class TestSleeper final : public Sleeper {
 public:
  void Deliver(uint32_t, int, int32_t*) override { std::abort(); }
  void BeginSyncPark() override {}
  void EndSyncPark() override {}
  void Cancel() {
    cancelled_.store(true, std::memory_order_seq_cst);
    parker_.Interrupt();
  }
};

constexpr int32_t kLocked = kLockedBit;
constexpr int32_t kParked = kParkedBit;

// Lock acquire as src/sync/lock.ts does it.
bool Acquire(const std::shared_ptr<Sleeper>& me, int32_t* word, Deadline deadline = kForever) {
  auto state = Slot(word, 0);
  for (;;) {
    int32_t s = state.load();
    if (!(s & kLocked)) {
      if (state.compare_exchange_weak(s, s | kLocked)) return true;
      continue;
    }
    Status st = ParkSync(me, word, kOpLock, CallbacksFor(kOpLock), deadline);
    if (st == kHandoff) return true;
    if (st == kTimedOut || st == kCancelled) return false;
  }
}

void Release(int32_t* word) {
  auto state = Slot(word, 0);
  int32_t s = kLocked;
  if (!state.compare_exchange_strong(s, 0)) EXPECT(UnlockWord(word));
}

void LockCounts() {
  alignas(64) int32_t word = 0;
  long counter = 0;
  constexpr int kThreads = 4, kRounds = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&] {
      auto me = std::make_shared<TestSleeper>();
      for (int i = 0; i < kRounds; i++) {
        EXPECT(Acquire(me, &word));
        counter++;  // a data race here is a broken lock: TSan says so
        Release(&word);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT(counter == long(kThreads) * kRounds);
  EXPECT(Slot(&word, 0).load() == 0);
  EXPECT(QueuedWaiters() == 0);
}

void LockTimesOut() {
  alignas(64) int32_t word = kLocked;
  auto me = std::make_shared<TestSleeper>();
  EXPECT(!Acquire(me, &word, DeadlineAfter(0.01)));
  // The last waiter to leave clears PARKED: the next unlock stays a CAS.
  EXPECT(Slot(&word, 0).load() == kLocked);
  EXPECT(QueuedWaiters() == 0);
}

void CancelledWaiterLeavesNothing() {
  alignas(64) int32_t word = kLocked;
  auto sleeper = std::make_shared<TestSleeper>();
  std::atomic<int> outcome{-1};
  std::thread waiter([&] { outcome = Acquire(sleeper, &word) ? 1 : 0; });
  while (!(Slot(&word, 0).load() & kParked)) std::this_thread::yield();
  sleeper->Cancel();
  waiter.join();
  EXPECT(outcome == 0);
  EXPECT(Slot(&word, 0).load() == kLocked);
  EXPECT(QueuedWaiters() == 0);
  // A cancelled thread never parks again.
  EXPECT(!Acquire(sleeper, &word));
}

void SemaphoreWakes() {
  // [0] value, [1] parked: acquire as src/sync/semaphore.ts does.
  alignas(64) int32_t words[2] = {0, 0};
  constexpr int kThreads = 3;
  std::atomic<int> taken{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&] {
      auto me = std::make_shared<TestSleeper>();
      auto value = Slot(words, 0);
      for (;;) {
        int32_t v = value.load();
        if (v > 0) {
          if (value.compare_exchange_weak(v, v - 1)) break;
          continue;
        }
        ParkSync(me, words, kOpSemaphore, CallbacksFor(kOpSemaphore), kForever);
      }
      taken++;
    });
  }
  for (int i = 0; i < kThreads; i++) {
    Slot(words, 0).fetch_add(1);
    if (Slot(words, 1).load() > 0) WakeWaiters(words, 1);
  }
  for (auto& t : threads) t.join();
  EXPECT(taken == kThreads);
  EXPECT(Slot(words, 0).load() == 0);
  EXPECT(Slot(words, 1).load() == 0);
  EXPECT(QueuedWaiters() == 0);
}

}  // namespace

int main() {
  LockCounts();
  LockTimesOut();
  CancelledWaiterLeavesNothing();
  SemaphoreWakes();
  std::printf("%d passed, %d failed\n", failures ? 0 : 4, failures);
  return failures ? 1 : 0;
}
