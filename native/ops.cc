// Which rules apply to which op: the table behind ops.h.
#include "ops.h"

namespace pthreading {

ParkCallbacks CallbacksFor(int op) {
  ParkCallbacks cb;
  switch (op) {
    case kOpLock:
      cb.validate = ValidateLock;
      cb.timed_out = LockTimedOut;
      break;
    case kOpSemaphore:
      cb.validate = ValidateSemaphore;
      cb.timed_out = CountedTimedOut;
      break;
    case kOpEvent:
      cb.validate = ValidateEvent;
      cb.timed_out = CountedTimedOut;
      break;
    case kOpCondition:
      cb.validate = ValidateCondition;
      cb.timed_out = CountedTimedOut;
      break;
    case kOpFutex:
      cb.validate = ValidateFutex;
      break;
  }
  return cb;
}

bool ValidateFutex(int32_t* word, void* expected) {
  return Slot(word, 0).load() == *static_cast<int32_t*>(expected);
}

}  // namespace pthreading
