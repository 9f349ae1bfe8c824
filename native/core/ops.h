// The rules each primitive's word follows while threads park on it.
//
// Word layouts (Int32 slots of the primitive's SharedArrayBuffer; the TS
// files of the same name read and CAS the same slots):
//   Lock / RLock  [0] state: LOCKED_BIT 1 | PARKED_BIT 2
//   Semaphore     [0] value           [1] parked waiters
//   Event         [0] generation << 1 | flag              [1] parked waiters
//   Condition     [0] key only        [1] parked waiters
//
// The "parked waiters" slot is maintained here, under the bucket lock, so
// the JS side can skip the native call entirely when nobody sleeps.
#pragma once

#include <atomic>
#include <cstdint>

#include "parking.h"

namespace pthreading {

enum Op : int {
  kOpLock = 1,
  kOpSemaphore = 2,
  kOpEvent = 3,
  kOpCondition = 4,
  // Sleep while the word equals an expected value (ctx): sleep(), join().
  kOpFutex = 5,
  // An async waiter on a word shared between processes (core/shm.h): not
  // in the parking lot, and not a park JavaScript may ask for by number.
  kOpShared = 6,
};

inline bool IsOp(int op) { return op >= kOpLock && op <= kOpFutex; }

// The words' layouts, one source for both languages: src/runtime/native.ts
// declares the same numbers (Word) and checks them against these, which
// napi/addon.cc exports, at load.
constexpr int32_t kLockedBit = 1;    // Lock/RLock slot 0: held
constexpr int32_t kParkedBit = 2;    // Lock/RLock slot 0: waiters queued
constexpr int32_t kEventFlag = 1;    // Event slot 0: the flag (the generation above it)
constexpr int kStateSlot = 0;        // every op: the state the waiters watch
constexpr int kWaitersSlot = 1;      // Semaphore, Event, Condition: parked waiters
constexpr int kDepartedSlot = 2;     // a Barrier's Condition: parties that ended inside wait()

// JavaScript mirrors these numbers (src/runtime/native.ts, checked there
// at load against the constants napi/addon.cc exports): they never move.
static_assert(kOpLock == 1 && kOpSemaphore == 2 && kOpEvent == 3 && kOpCondition == 4 && kOpFutex == 5);
static_assert(kUnparked == 0 && kHandoff == 1 && kInvalid == 2 && kTimedOut == 3 && kCancelled == 4);

// Every access to shared memory goes through these, sequentially consistent
// like JavaScript's Atomics, so JS and C++ agree on one order of operations.
inline std::atomic_ref<int32_t> Slot(int32_t* word, int index) {
  return std::atomic_ref<int32_t>(word[index]);
}

// Number of Int32 slots each op needs.
inline int SlotsFor(int op) { return op == kOpLock || op == kOpFutex ? 1 : 2; }

// Whether `op` takes an expected value (a number) as its extra argument.
inline bool TakesExpected(int op) { return op == kOpFutex || op == kOpEvent; }

// Validate and timed_out callbacks for `op` (ctx unused by these).
ParkCallbacks CallbacksFor(int op);

// lock.cc: releases a lock word, waking or handing off to a waiter.
// Returns false when the word was not locked.
bool UnlockWord(int32_t* word);
// semaphore.cc / event.cc / condition.cc: wakes up to n waiters.
size_t WakeWaiters(int32_t* word, size_t n);

// A waiter that was woken but leaves without using the wake-up (its thread
// is torn down, or blocked in a sync wait and so unable to run) passes it
// on: Lock, Semaphore and Condition wake the next waiter; Event and Futex
// wake everybody anyway. Call with no bucket lock held.
void PassOn(int op, int32_t* word);
void PassOnLock(int32_t* word);

// Shared by the counted ops: validate bumps slot 1, leaving lowers it.
void CountedTimedOut(int32_t* word, bool was_last);
void CountedUnparked(int32_t* word, const UnparkResult& result);

bool ValidateLock(int32_t* word, void*);
void LockTimedOut(int32_t* word, bool was_last);
bool ValidateSemaphore(int32_t* word, void*);
bool ValidateEvent(int32_t* word, void* seen);
bool ValidateCondition(int32_t* word, void*);
bool ValidateFutex(int32_t* word, void* expected);

}  // namespace pthreading
