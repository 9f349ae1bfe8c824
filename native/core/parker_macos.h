// The Parker's sleep on macOS: os_sync_wait_on_address (macOS 14.4, the
// public API), else __ulock_wait (macOS 10.12 on; what libc++'s
// std::atomic::wait uses there). Not built or tested by the project's CI:
// macOS compiles the addon from source on install.
// Included by parking.cc only (see parker.h for the contract).
#pragma once

#include <errno.h>

#include <atomic>
#include <cstdint>

#if __has_include(<os/os_sync_wait_on_address.h>)
#include <os/clock.h>
#include <os/os_sync_wait_on_address.h>
#define PT_HAVE_OS_SYNC 1
#endif

// bsd/sys/ulock.h in xnu; exported by libSystem since macOS 10.12.
extern "C" int __ulock_wait(uint32_t operation, void* addr, uint64_t value, uint32_t timeout_us);
extern "C" int __ulock_wake(uint32_t operation, void* addr, uint64_t wake_value);

namespace pthreading {
namespace {

constexpr uint32_t kUlCompareAndWait = 1;
constexpr uint32_t kUlfWakeAll = 0x00000100;
constexpr uint32_t kUlfNoErrno = 0x01000000;

void OsWait(std::atomic<int32_t>* word, int32_t expected, Deadline deadline) {
  // Both calls sleep only while *word still equals `expected`, compared
  // under the kernel's lock, so a change (and its wake) made after our
  // caller's load is never missed. Both take a relative timeout; an early
  // or spurious return is re-checked by the caller.
  Deadline left = 0;
  if (deadline != kForever) {
    left = deadline - NowNs();
    if (left <= 0) return;
  }
  void* addr = static_cast<void*>(word);
  const uint64_t value = static_cast<uint32_t>(expected);
#if defined(PT_HAVE_OS_SYNC)
  if (__builtin_available(macOS 14.4, *)) {
    if (deadline == kForever) os_sync_wait_on_address(addr, value, sizeof(int32_t), OS_SYNC_WAIT_ON_ADDRESS_NONE);
    else os_sync_wait_on_address_with_timeout(addr, value, sizeof(int32_t), OS_SYNC_WAIT_ON_ADDRESS_NONE,
                                              OS_CLOCK_MACH_ABSOLUTE_TIME, static_cast<uint64_t>(left));
    return;
  }
#endif
  // Microseconds, rounded up; 0 means no timeout, so a long wait is cut
  // into waits of at most ~71 minutes.
  uint32_t us = 0;
  if (deadline != kForever) {
    const Deadline rounded = (left + 999) / 1000;
    us = rounded >= static_cast<Deadline>(UINT32_MAX) ? UINT32_MAX : static_cast<uint32_t>(rounded);
  }
  __ulock_wait(kUlCompareAndWait | kUlfNoErrno, addr, value, us);
}

void OsWakeAll(std::atomic<int32_t>* word) {
  // The parker lives in a long-lived Sleeper that the unparker keeps alive.
#if defined(PT_HAVE_OS_SYNC)
  if (__builtin_available(macOS 14.4, *)) {
    os_sync_wake_by_address_all(static_cast<void*>(word), sizeof(int32_t), OS_SYNC_WAKE_BY_ADDRESS_NONE);
    return;
  }
#endif
  __ulock_wake(kUlCompareAndWait | kUlfWakeAll | kUlfNoErrno, static_cast<void*>(word), 0);
}

}  // namespace
}  // namespace pthreading
