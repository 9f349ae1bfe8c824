// Condition: waiters queue on slot 0's address, slot 1 counts them. A
// waiter is queued *before* it releases the condition's lock (the
// before_sleep step), and notify() is called with that lock held, so a
// notify can never miss a waiter that has started to wait, and notify(n)
// wakes exactly the first n waiters.
#include "ops.h"

namespace pthreading {

bool ValidateCondition(int32_t* word, void*) {
  Slot(word, kWaitersSlot).fetch_add(1);
  return true;
}

}  // namespace pthreading
