// Event: slot 0 is the flag, slot 1 counts parked waiters. set() stores 1
// and, if anybody sleeps, wakes them all; a waiter woken that way reports
// True even if the flag was cleared again before it ran, as in Python.
#include "ops.h"

namespace pthreading {

bool ValidateEvent(int32_t* word, void*) {
  // Same ordering argument as ValidateSemaphore: count, then read the flag.
  Slot(word, 1).fetch_add(1);
  if (Slot(word, 0).load() != 0) {
    Slot(word, 1).fetch_sub(1);
    return false;
  }
  return true;
}

}  // namespace pthreading
