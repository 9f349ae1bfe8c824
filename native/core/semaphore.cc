// Semaphore: slot 0 is the value, slot 1 counts parked waiters. JS takes a
// unit with a CAS while the value is positive; release adds to the value and
// calls WakeWaiters only when slot 1 says somebody sleeps.
#include "check.h"
#include "ops.h"

namespace pthreading {

bool ValidateSemaphore(int32_t* word, void*) {
  // Count ourselves first, then look at the value: with the releaser's
  // "add value, then read slot 1" (both seq_cst), one of the two sees the
  // other, so either we do not sleep or the releaser wakes us.
  Slot(word, kWaitersSlot).fetch_add(1);
  if (Slot(word, kStateSlot).load() > 0) {
    Slot(word, kWaitersSlot).fetch_sub(1);
    return false;
  }
  return true;
}

// Slot 1 counts the waiters queued on the word: it changes only under the
// bucket lock, with the queue, so it never goes below zero.
void CountedTimedOut(int32_t* word, bool) {
  const int32_t before = Slot(word, kWaitersSlot).fetch_sub(1);
  PT_CHECK(before > 0, "a waiter count below zero");
}

void CountedUnparked(int32_t* word, const UnparkResult& result) {
  const int32_t before = Slot(word, kWaitersSlot).fetch_sub(static_cast<int32_t>(result.unparked));
  PT_CHECK(before >= static_cast<int32_t>(result.unparked), "a waiter count below zero");
}

size_t WakeWaiters(int32_t* word, size_t n) {
  return UnparkSome(word, n, CountedUnparked);
}

}  // namespace pthreading
