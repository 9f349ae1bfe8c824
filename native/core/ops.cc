// Which rules apply to which op: the table behind ops.h.
#include "ops.h"
#include "shm.h"

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

void PassOn(int op, int32_t* word) {
  switch (op) {
    case kOpLock:
      PassOnLock(word);
      break;
    case kOpSemaphore:
    case kOpCondition:
      WakeWaiters(word, 1);
      break;
    case kOpShared:
      mp::PassOnShared(word);
      break;
    default:
      break;
  }
}

bool ValidateFutex(int32_t* word, void* expected) {
  // Under the bucket lock; pairs with the waker's store made before its
  // wake takes the same lock (ThreadFinished, JS wakeFutex callers).
  return Slot(word, 0).load() == *static_cast<int32_t*>(expected);
}

}  // namespace pthreading
