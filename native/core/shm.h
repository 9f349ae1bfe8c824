// Primitives shared between processes: pthreading/multiprocessing.
//
// Each primitive lives in its own named POSIX shared-memory segment
// (shm_open + mmap, mode 0600 by default): a header checked on every open
// (magic, version, layout, kind), the primitive's words, and a table of the
// processes that have it open ("participants"). JavaScript cannot map the
// segment (that would take an external ArrayBuffer, which Electron refuses),
// so every operation is one native call.
//
// Sync waits sleep in the kernel on the shared word itself (a futex without
// FUTEX_PRIVATE_FLAG, so any process mapping the segment can wake it),
// through futex_waitv: the same sleep also ends when the holder dies or the
// thread is cancelled (Worker#terminate, process exit). Async waits never
// occupy a thread of their own: one waker thread per process sleeps on
// every word its async waiters watch and hands their wake-ups to their
// event loops (registry.h's per-environment wake handle).
//
// A holder killed with SIGKILL: each process that opens a segment claims a
// participant slot whose "life" word holds the TID of this process's keeper
// thread, and links the slot into that thread's robust futex list
// (set_robust_list). When the process dies, however it dies, the kernel
// marks every such life word FUTEX_OWNER_DIED and wakes a waiter on it. A
// waiter that finds a lock held by a dead participant, or units of a
// semaphore taken by one, takes them back ("reclaims" the slot), and the
// next acquirer is told the previous owner died (EOWNERDEAD, as a robust
// pthread mutex reports).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "parking.h"

namespace pthreading::mp {

// Kinds of primitive; a segment made for one kind is refused as another.
enum Kind : uint32_t {
  kLock = 1,
  kRLock = 2,
  kSemaphore = 3,
  kEvent = 4,
  // Shared data with a lock of its own (an RLock on words 0-3): one
  // element, or `length` elements, of a Python array typecode.
  kValue = 5,
  kArray = 6,
  kBarrier = 7,
  // A condition variable's sequence (its lock is a Lock or RLock segment of its own).
  kCondition = 8,
  // Python's SharedMemory: `length` bytes after the header (typecode 'B'),
  // read and written by copy (Bytes()); nothing held, nothing to give back.
  kSharedMemory = 9,
};
inline bool IsKind(uint32_t k) { return k >= kLock && k <= kSharedMemory; }
// Whether the kind keeps elements after the header (typecode and length).
inline bool HasData(uint32_t k) { return k == kValue || k == kArray || k == kSharedMemory; }
// Whether the kind's lock is reentrant (owned by one thread).
inline bool IsReentrant(uint32_t k) { return k == kRLock || k == kValue || k == kArray; }
// Bytes per element of a typecode (Python's array module on Linux), 0 if unknown.
inline int ItemSize(int32_t typecode) {
  switch (typecode) {
    case 'b': case 'B': return 1;
    case 'h': case 'H': return 2;
    case 'i': case 'I': case 'f': return 4;
    case 'd': return 8;
    default: return 0;
  }
}
constexpr int32_t kMaxLength = 1 << 24;  // elements of an Array
constexpr int32_t kMaxBytes = 0x7fffffff;  // bytes of a SharedMemory

// Outcomes of acquire and wait calls, shared with JavaScript
// (src/multiprocessing/native.ts mirrors them).
enum Result : int32_t {
  kBusy = 0,        // not acquired (taken, or the deadline passed)
  kAcquired = 1,    // acquired
  kOwnerDied = 2,   // acquired; the previous holder died holding it
  kCancelled = 3,   // the thread is being torn down
};

// Why an open failed, shared with JavaScript.
enum OpenError : int32_t {
  kOpenOk = 0,
  kOpenErrno = 1,        // a system call failed: detail is errno
  kOpenNotOurs = 2,      // no pthreading header (wrong magic)
  kOpenVersion = 3,      // another version: detail is the version found
  kOpenLayout = 4,       // same version, another layout: detail is the layout found
  kOpenKind = 5,         // another kind: detail is the kind found
  kOpenNotReady = 6,     // its creator never finished initialising it
  kOpenFull = 7,         // every participant slot is taken
  kOpenExists = 8,       // create-only and it exists
  kOpenMissing = 9,      // open-only and it does not exist
  kOpenType = 10,        // Value/Array of another typecode: detail is the one found
  kOpenLength = 11,      // Array of another length: detail is the one found
};

constexpr uint32_t kMagic = 0x504D5450;  // "PTMP" little-endian
constexpr uint32_t kVersion = 1;
constexpr int kMaxParticipants = 64;

// Barrier results that are not an index.
constexpr int kBarrierLast = -4;
constexpr int kBarrierBroken = -1;
constexpr int kBarrierTimedOut = -2;
constexpr int kBarrierCancelled = -3;
constexpr int kBarrierPending = -5;

// Header flags.
constexpr uint32_t kFlagTrackHolders = 1;  // Semaphore: a dead process's units come back

// One process's claim on a segment. `node` is that process's robust-list
// entry (a pointer in its own address space: only the kernel, walking that
// process's list, reads it); `life` is the futex word the kernel marks when
// the process dies: the keeper's TID while alive, FUTEX_OWNER_DIED (with
// FUTEX_WAITERS if somebody sleeps on it) once dead, 0 when free.
struct Participant {
  uint64_t node;
  std::atomic<uint32_t> life;
  std::atomic<int32_t> held;  // Semaphore: units this process has taken and not given back
  std::atomic<int32_t> pid;   // for reports only
  std::atomic<int32_t> gen;   // Barrier: the generation its waiters wait in
};

struct Header {
  uint32_t magic;
  uint32_t version;
  uint32_t layout;
  uint32_t kind;
  uint64_t size;
  std::atomic<uint32_t> ready;  // 0 while the creator initialises it, then 1
  uint32_t flags;
  int32_t bound;     // Semaphore: the highest value a release may reach
  int32_t typecode;  // Value, Array: the element type ('i', 'd', ...)
  int32_t length;    // Value, Array: the number of elements
  int32_t reserved;
  // The primitive's words (shm_sync.cc says what each kind keeps there).
  std::atomic<uint32_t> words[8];
  Participant slots[kMaxParticipants];
};

// The robust-list entry sits 8 bytes before the life word (futex_offset).
static_assert(offsetof(Participant, life) - offsetof(Participant, node) == 8);
static_assert(sizeof(Participant) == 24 && alignof(Participant) == 8);
static_assert(offsetof(Header, words) == 48 && offsetof(Header, slots) == 80);
static_assert(std::atomic<uint32_t>::is_always_lock_free && sizeof(std::atomic<uint32_t>) == 4);
// Which layout this build reads: sizes of the parts that other versions
// might change without bumping kVersion by mistake.
constexpr uint32_t kLayout = (sizeof(Header) << 8) ^ (kMaxParticipants << 24) ^ sizeof(Participant);

// A mapped segment, shared by every thread of this process that has it
// open (one mapping and one participant slot per process).
class Segment {
 public:
  // Opens or creates `name` (already validated: a leading '/', then
  // [A-Za-z0-9._-], at most 250 bytes). `create`: 0 open or create, 1
  // create only, 2 open only. `value` and `flags` initialise a new one.
  // Value and Array: `value` is the typecode and `bound` the length (both
  // checked against an existing one unless 0).
  static std::shared_ptr<Segment> Open(const std::string& name, Kind kind, int32_t value, int32_t bound,
                                       uint32_t flags, uint32_t mode, int create, int32_t* error,
                                       int32_t* detail, double initial = 0, bool* created = nullptr);
  // Removes the name (existing mappings stay valid). Returns 0 or errno.
  static int Unlink(const std::string& name);

  ~Segment();

  Kind kind() const { return static_cast<Kind>(h_->kind); }
  const std::string& name() const { return name_; }
  int self() const { return self_; }  // our slot + 1
  Header* header() const { return h_; }

  // --- Lock and RLock (shm_sync.cc) ---
  // `ident`: the calling thread (RLock owner); ignored by Lock.
  // `slept`: the caller has slept on the lock (an async waiter retrying):
  // it takes the lock marked WAITERS, since others may still sleep.
  Result TryLock(double ident, bool slept = false);
  Result Lock(double ident, Deadline deadline, const std::atomic<int32_t>* cancel_seq,
              const std::atomic<bool>* cancelled);
  // Lock: false if not locked. RLock: -1 if not the owner, else the count left.
  int Unlock(double ident);
  // A waiter that slept and leaves without what it waited for (timed out,
  // cancelled) wakes one sleeper: the wake-up it may have spent, which an
  // unlock sent to it alone. (Lock kinds and Semaphore; others: nothing.)
  void PassOn();
  bool Locked();
  // RLock: the recursion count if `ident` owns it, else 0.
  int OwnedCount(double ident);

  // --- Semaphore ---
  Result TryTake();
  Result Take(Deadline deadline, const std::atomic<int32_t>* cancel_seq, const std::atomic<bool>* cancelled);
  // false if the value would pass the bound.
  bool Give(int32_t n);
  int32_t Value();

  // --- Event ---
  uint32_t EventState();
  void EventSet();
  void EventClear();
  // Condition: bumps the sequence (by 2: bit 0 stays clear, so EventWait
  // serves its waits) and wakes up to `n` sleepers.
  void ConditionNotify(int32_t n);
  // True if set() was called since the state was `seen` (or it is set).
  bool EventWait(uint32_t seen, Deadline deadline, const std::atomic<int32_t>* cancel_seq,
                 const std::atomic<bool>* cancelled, bool* cancelled_out);

  // --- async waits ---
  // Queues `w` (an async waiter of some environment) until the state it
  // would sleep on changes. False (not queued) means "retry now".
  // `expected`: Event only, the state the wait began in.
  bool ParkAsync(Waiter* w, uint32_t expected, const std::shared_ptr<Segment>& self);

  // Holder pids, for reports: the pid of the lock's holder, 0 if free.
  int32_t HolderPid();

  // --- Barrier ---
  // Arrives and waits for the others. Returns the arrival index (0 ..
  // parties - 1) once the barrier trips; kBarrierLast (the index is then
  // parties - 1) when the caller is the last to arrive and must run the
  // action then call BarrierTrip; kBarrierBroken; kBarrierTimedOut (the
  // caller broke it); kBarrierCancelled (the caller broke it too).
  int BarrierWait(Deadline deadline, const std::atomic<int32_t>* cancel_seq, const std::atomic<bool>* cancelled,
                  uint32_t* gen_out);
  // After the last arrival: `ok` trips the barrier (the others pass), or
  // the action failed and it breaks.
  void BarrierTrip(bool ok);
  // Async: arrive without waiting (same results, or the index as pending
  // when it must wait, with the generation to watch in *gen_out).
  int BarrierArrive(uint32_t* gen_out, bool* pending);
  // Async: after a wake-up, where the generation `gen` stands.
  int BarrierCheck(uint32_t gen, int index, Deadline deadline);
  // Breaks it: every waiter, and every later wait until Reset, is broken.
  void BarrierAbort();
  // Breaks the current waiters and starts afresh.
  void BarrierReset();
  int32_t BarrierWaiting();
  bool BarrierBroken();
  int32_t parties() const { return h_->bound; }

  // --- Value and Array: element `i` (checked by the caller) ---
  double Read(int32_t i);
  void Write(int32_t i, double v);
  int32_t typecode() const { return h_->typecode; }
  int32_t length() const { return h_->length; }

  // --- SharedMemory: the `length()` bytes after the header ---
  // Plain bytes, copied in and out with memcpy: no element is read whole
  // and nothing orders them; a caller that needs either holds a lock.
  uint8_t* Bytes() const { return reinterpret_cast<uint8_t*>(h_) + sizeof(Header); }

 private:
  friend struct SegmentOps;
  Segment() = default;
  bool Claim();
  void Reclaim(int slot, uint32_t dead_life);
  std::atomic<uint32_t>& Word(int i) { return h_->words[i]; }

  std::string name_;
  Header* h_ = nullptr;
  size_t size_ = 0;
  int self_ = 0;
};

// How many waits an async park may watch at most, and what one is.
struct WaitSet {
  struct Entry {
    std::atomic<uint32_t>* addr;
    uint32_t expected;
  };
  Entry e[kMaxParticipants + 2];
  int n = 0;
  // A count of sleepers to lower when the wait ends (Semaphore, Event).
  std::atomic<uint32_t>* counted = nullptr;
  void Add(std::atomic<uint32_t>* addr, uint32_t expected) { e[n++] = Entry{addr, expected}; }
};

// Futex helpers on shared words (no FUTEX_PRIVATE_FLAG).
void WakeShared(std::atomic<uint32_t>* word, int count);
// Wakes the sync waits of a thread sleeping on its cancel sequence word.
void WakeCancel(std::atomic<int32_t>* seq);

// The op registry.h and ops.h use for these async waiters; PassOn for it
// wakes one more sleeper on the shared word.
void PassOnShared(int32_t* word);
// Removes an async waiter still queued on the waker; false once its
// wake-up is on the way.
bool RemoveShared(Waiter* w);

// The rules of each kind (shm_sync.cc), used by the segment code.
struct SegmentOps {
  // Puts back what dead participant `slot` held (a lock, units).
  static void GiveBack(Segment* seg, int slot);
  // Whether this process holds the lock or units of `seg`.
  static bool HoldsSomething(Segment* seg);
  // Fills `set` with what a waiter would sleep on now; false means "do not
  // sleep, retry" (the state changed, or a dead holder was reclaimed).
  static bool Prepare(Segment* seg, uint32_t expected, WaitSet* set);
  // One sleep of a sync wait: on what Prepare names, until it changes, the
  // deadline passes or the thread is cancelled. kNapRetry: the state had
  // changed already (nothing slept); kNapCancelled: the thread is
  // cancelled (nothing slept).
  enum Nap { kNapSlept, kNapRetry, kNapCancelled };
  static Nap Sleep(Segment* seg, uint32_t expected, Deadline deadline, const std::atomic<int32_t>* cancel_seq,
                   const std::atomic<bool>* cancelled);
  // For tests only: a sync waiter of this process that slept waits `ms`
  // more before it looks again (unless its thread is being cancelled), so
  // that a test can place a barging acquire and a deadline between a
  // wake-up and the retry it causes.
  static void SetRetryDelay(int ms);

  // What watching a participant's life word found.
  enum class Life { kWatched, kGone, kRetry };
  // Adds participant `slot`'s life word to `set`, marked slept on, so the
  // death of its process wakes the sleeper as a release would. kGone: no
  // process there (a free slot, or one being reclaimed). kRetry: do not
  // sleep, look again: its process had died (it is reclaimed here), or
  // the word changed meanwhile. Our own slot is never watched (kWatched,
  // nothing added): when this process dies, the kernel wakes one sleeper
  // there, and it must not be one of our own dying threads.
  static Life WatchLife(Segment* seg, int slot, WaitSet* set);
  // Watches every participant that holds something here (`held` > 0:
  // units of a semaphore, a place in a barrier); false means "retry".
  static bool WatchHolders(Segment* seg, WaitSet* set);
};

// Sleeps on `set` and the caller's cancel sequence (if any, while it is
// still `cancel_seen`). Returns the index woken, -1 on timeout, -2 when a
// word had already changed.
int SleepOn(const WaitSet& set, const std::atomic<int32_t>* cancel_seq, int32_t cancel_seen, Deadline deadline);

// Drops one handle; the last one of this process unmaps the segment and
// frees its participant slot, unless the process still holds something in
// it (then it stays until the process ends).
void ReleaseSegment(std::shared_ptr<Segment>&& seg);

// Waits up to `deadline` for child process `pid` to end, without reaping
// it (libuv does that, and reports the exit to JavaScript). Returns 1 with
// *code and *signal set once it has ended, 0 if it still runs at the
// deadline, -1 if there is no such child left (already reaped), -2 when
// this kernel lacks pidfd_open (Linux < 5.3).
int WaitChild(int pid, Deadline deadline, int* code, int* signal);

// Live counts, for tests and leak checks.
size_t MappedSegments();
size_t WatchedAsync();

}  // namespace pthreading::mp
