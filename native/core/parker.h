// One OS primitive per platform for the Parker (parking.h) to sleep on: a
// wait on a 32-bit word that sleeps only while the word holds an expected
// value, and a wake of every thread sleeping on that word. Each platform's
// file defines, in an anonymous namespace of pthreading:
//
//   void OsWait(std::atomic<int32_t>* word, int32_t expected, Deadline deadline);
//     Sleeps while *word == expected, until woken, the absolute NowNs()
//     deadline (kForever: none), or spuriously. The comparison is atomic
//     with respect to OsWakeAll, so no wake-up between the caller's load
//     and the sleep is lost. The caller re-checks in a loop.
//   void OsWakeAll(std::atomic<int32_t>* word);
//     Wakes every thread in OsWait on `word`.
//
// No platform polls: a thread in OsWait costs nothing until it is woken.
// Included by parking.cc only.
#pragma once

#if defined(__linux__)
#include "parker_linux.h"
#elif defined(_WIN32)
#include "parker_windows.h"
#elif defined(__APPLE__)
#include "parker_macos.h"
#else
#error "pthreading has no thread parker for this OS (Linux, Windows and macOS have one)"
#endif
