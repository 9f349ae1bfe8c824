// Lock: one word with two bits, as in parking_lot's RawMutex.
//
//   state            meaning
//   0                unlocked
//   LOCKED           locked, nobody parked: unlock is a plain CAS in JS
//   LOCKED|PARKED    locked, waiters parked: unlock comes here to wake one
//   PARKED           unlocked, waiters still parked: a woken waiter races
//                    running threads for it (JS acquires with CAS s -> s|LOCKED)
//
// JS acquires with CAS 0 -> LOCKED and releases with CAS LOCKED -> 0; only
// when a CAS fails does it call in here. Unlock normally wakes one waiter
// and lets it race for the lock (throughput); when the bucket's fairness
// timer has expired it hands the lock over directly (kHandoff) to a sync
// waiter, so no waiter starves under sustained contention.
#include "check.h"
#include "ops.h"

namespace pthreading {

namespace {
constexpr int32_t kLocked = kLockedBit;
constexpr int32_t kParked = kParkedBit;

int32_t UnlockCallback(int32_t* word, const UnparkResult& r) {
  auto state = Slot(word, 0);
  // PARKED is set and cleared only under the bucket lock, which we hold:
  // set means a waiter is queued (the last to leave clears it).
  PT_CHECK(r.unparked != 0 || !(state.load() & kParked), "a Lock is PARKED with no waiter queued");
  // Hand the lock only to a waiter that takes it at once (a parked sync
  // waiter): an async waiter's thread may be blocked in a sync wait, even
  // on this very lock, and could not run to use it.
  if (r.unparked != 0 && r.be_fair && r.can_take) {
    // Hand-off: the lock stays LOCKED and now belongs to the woken waiter.
    if (!r.have_more) state.store(kLocked);
    return kHandoff;
  }
  state.store(r.have_more ? kParked : 0);
  return kUnparked;
}
// A pass-on: wake the next waiter to race for the lock; nobody owns it
// through us. The last waiter to leave clears PARKED (under the bucket
// lock, as every change of PARKED).
int32_t PassOnCallback(int32_t* word, const UnparkResult& r) {
  if (!r.have_more) Slot(word, 0).fetch_and(~kParked);
  return kUnparked;
}
}  // namespace

void PassOnLock(int32_t* word) { UnparkOne(word, PassOnCallback); }

bool ValidateLock(int32_t* word, void*) {
  auto state = Slot(word, 0);
  int32_t s = state.load();
  for (;;) {
    if (!(s & kLocked)) return false;  // freed meanwhile: retry the CAS
    if (s & kParked) return true;
    if (state.compare_exchange_weak(s, s | kParked)) return true;
  }
}

void LockTimedOut(int32_t* word, bool was_last) {
  // The last waiter to leave clears PARKED so the next unlock stays in JS.
  if (was_last) Slot(word, 0).fetch_and(~kParked);
}

bool UnlockWord(int32_t* word) {
  auto state = Slot(word, 0);
  int32_t s = state.load();
  for (;;) {
    if (!(s & kLocked)) return false;
    if (s & kParked) break;
    if (state.compare_exchange_weak(s, 0)) return true;
  }
  UnparkOne(word, UnlockCallback);
  return true;
}

}  // namespace pthreading
