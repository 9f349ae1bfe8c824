// The Parker's sleep on Windows (8 and later): WaitOnAddress on its state
// word, as parking_lot's thread_parker/windows and Rust's std do.
// Included by parking.cc only (see parker.h for the contract).
#pragma once

#ifndef NOMINMAX
#define NOMINMAX
#endif
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <synchapi.h>

#include <atomic>
#include <cstdint>

namespace pthreading {
namespace {

void OsWait(std::atomic<int32_t>* word, int32_t expected, Deadline deadline) {
  // WaitOnAddress takes a relative timeout in milliseconds: round up, so a
  // wait never ends before its deadline (the caller re-checks the clock and
  // the word, and waits again after an early or spurious return).
  DWORD ms = INFINITE;
  if (deadline != kForever) {
    const Deadline left = deadline - NowNs();
    if (left <= 0) return;
    const Deadline rounded = (left + 999'999) / 1'000'000;
    ms = rounded >= static_cast<Deadline>(INFINITE) ? INFINITE - 1 : static_cast<DWORD>(rounded);
  }
  // Sleeps only while *word still equals `expected`: the comparison and
  // the queuing are atomic with respect to WakeByAddressAll, so a change
  // (and its wake) made after our caller's load is never missed.
  WaitOnAddress(reinterpret_cast<volatile VOID*>(word), &expected, sizeof expected, ms);
}

void OsWakeAll(std::atomic<int32_t>* word) {
  // The parker lives in a long-lived Sleeper that the unparker keeps alive.
  WakeByAddressAll(reinterpret_cast<PVOID>(word));
}

}  // namespace
}  // namespace pthreading
