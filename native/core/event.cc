// Event: slot 0 holds the flag in bit 0 and a generation (the count of
// set() calls) in the bits above; slot 1 counts parked waiters. set() bumps
// the generation and sets the flag in one CAS, so no thread ever sees one
// without the other, and, if anybody sleeps, wakes them all. A waiter
// parks only while slot 0 is exactly what it saw when its wait began
// (ctx): any set() since then changes it. So "woken by set()" is exact: a
// set() that completed before the wait began cannot pass for a new one,
// and a waiter woken by set() reports True even if the flag was cleared
// again before it ran, as in Python.
#include "ops.h"

namespace pthreading {

bool ValidateEvent(int32_t* word, void* seen) {
  // Same ordering argument as ValidateSemaphore: count, then read the state.
  Slot(word, kWaitersSlot).fetch_add(1);
  if (Slot(word, kStateSlot).load() != *static_cast<int32_t*>(seen)) {
    Slot(word, kWaitersSlot).fetch_sub(1);
    return false;
  }
  return true;
}

}  // namespace pthreading
