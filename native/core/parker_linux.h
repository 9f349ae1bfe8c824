// The Parker's sleep on Linux: a private futex on its state word.
// Included by parking.cc only (see parker.h for the contract).
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstdint>

namespace pthreading {
namespace {

void OsWait(std::atomic<int32_t>* word, int32_t expected, Deadline deadline) {
  struct timespec ts;
  struct timespec* tsp = AbsoluteTimespec(deadline, &ts);
  // FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline, the clock
  // steady_clock reads on Linux. The kernel compares *word with `expected`
  // under its own futex-bucket lock, so a change (and its wake) made after
  // our caller's load is never missed. EINTR, EAGAIN and ETIMEDOUT all mean
  // "re-check", which every caller does in a loop.
  syscall(SYS_futex, reinterpret_cast<int32_t*>(word),
          FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, expected, tsp, nullptr,
          FUTEX_BITSET_MATCH_ANY);
}

void OsWakeAll(std::atomic<int32_t>* word) {
  // The parker lives in a long-lived Sleeper that the unparker keeps alive,
  // so the address is valid; futex wake never reads the word anyway.
  syscall(SYS_futex, reinterpret_cast<int32_t*>(word),
          FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX, nullptr, nullptr, 0);
}

}  // namespace
}  // namespace pthreading
