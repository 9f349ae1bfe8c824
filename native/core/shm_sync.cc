// The rules of the words of each cross-process primitive.
//
// Words (Header::words) by kind:
//   Lock       [0] state: holder slot + 1 in bits 0-7 (0: free), WAITERS 1 << 8
//              [1] 1 when the last holder died holding it (the next
//                  acquirer is told, and the flag clears)
//   RLock      as Lock, and [2] the owner thread's ident, [3] the count
//   Semaphore  [0] value   [1] sleepers (sync waiters and waker watches)
//              and each participant's `held` (units taken, not given back)
//   Event      [0] generation << 1 | flag   [1] sleepers
//   Condition  [0] sequence (+2 per notify)   [1] sleepers
//   Barrier    [0] generation << 16 | arrived (arrived == parties while the
//                  last arrival runs the action)   [1] aborted (until reset)
//              [2] sleepers   [3] the last broken generation + 1 (0: none)
//              and each participant's `held`: 1 while it waits here, so
//              its death breaks the barrier instead of hanging the rest
//
// Lock is a futex mutex in the manner of Drepper's "Futexes Are Tricky"
// (mutex 3): WAITERS means "somebody may sleep", release wakes one only
// then, and a waiter that slept takes the lock with WAITERS set, since
// others may still sleep. A waiter sleeps on the state word and on the
// holder's life word at once, so the holder's death wakes it as its
// release would.
#if defined(__linux__)
#include <linux/futex.h>
#else
// The robust-futex bits of a life word (linux/futex.h).
#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#endif

#include <cerrno>
#include <algorithm>
#include <chrono>
#include <climits>
#include <thread>

#include "check.h"
#include "shm.h"

namespace pthreading::mp {

namespace {

constexpr uint32_t kHolder = 0xFF;
constexpr uint32_t kWaiters = 1u << 8;
constexpr int kState = 0, kDied = 1, kOwner = 2, kCount = 3;
constexpr int kUnits = 0, kSleepers = 1;
constexpr uint32_t kFlag = 1;
constexpr int kAborted = 1, kBarrierSleepers = 2, kBrokenGen = 3;

bool Dead(uint32_t life) { return (life & FUTEX_OWNER_DIED) != 0; }

// Marks `life` (alive) as slept on, so the kernel wakes us when its process
// dies. False if it changed meanwhile (look again).
bool Announce(std::atomic<uint32_t>& life, uint32_t* seen) {
  if (*seen & FUTEX_WAITERS) return true;
  if (!life.compare_exchange_strong(*seen, *seen | FUTEX_WAITERS)) return false;
  *seen |= FUTEX_WAITERS;
  return true;
}

}  // namespace

// --- Lock and RLock --------------------------------------------------------------

Result Segment::TryLock(double ident, bool slept) {
  auto& state = Word(kState);
  if (IsReentrant(kind())) {
    const uint32_t s = state.load();
    if ((s & kHolder) == static_cast<uint32_t>(self_) && Word(kOwner).load() == static_cast<uint32_t>(ident)) {
      Word(kCount).fetch_add(1);
      return kAcquired;
    }
  }
  for (uint32_t s = state.load();;) {
    if ((s & kHolder) != 0) {
      const int holder = static_cast<int>(s & kHolder) - 1;
      const uint32_t life = h_->slots[holder].life.load();
      if (!Dead(life)) return kBusy;
      Reclaim(holder, life);
      s = state.load();
      continue;
    }
    if (state.compare_exchange_weak(s, s | static_cast<uint32_t>(self_) | (slept ? kWaiters : 0))) break;
  }
  if (IsReentrant(kind())) {
    Word(kOwner).store(static_cast<uint32_t>(ident));
    Word(kCount).store(1);
  }
  // Read before it is cleared: the flag is rare, and an exchange on every
  // acquire would cost a second locked instruction. GiveBack sets it before
  // it frees the lock, so the CAS that took the lock orders it before this
  // load; only a holder clears it, so nobody clears it between the two.
  auto& died = Word(kDied);
  return died.load() != 0 && died.exchange(0) != 0 ? kOwnerDied : kAcquired;
}

SegmentOps::Life SegmentOps::WatchLife(Segment* seg, int slot, WaitSet* set) {
  if (slot + 1 == seg->self_) return Life::kWatched;
  auto& life = seg->h_->slots[slot].life;
  uint32_t l = life.load();
  if (Dead(l)) {
    seg->Reclaim(slot, l);
    return Life::kRetry;
  }
  if (l == 0) return Life::kGone;
  if (!Announce(life, &l)) return Life::kRetry;
  set->Add(&life, l);
  return Life::kWatched;
}

bool SegmentOps::WatchHolders(Segment* seg, WaitSet* set) {
  for (int i = 0; i < kMaxParticipants; i++) {
    if (seg->h_->slots[i].held.load() > 0 && WatchLife(seg, i, set) == Life::kRetry) return false;
  }
  return true;
}

bool SegmentOps::Prepare(Segment* seg, uint32_t expected, WaitSet* set) {
  Header* h = seg->h_;
  switch (seg->kind()) {
    case kLock:
    case kRLock:
    case kValue:
    case kArray: {
      auto& state = h->words[kState];
      uint32_t s = state.load();
      if ((s & kHolder) == 0) return false;
      // The holder's life word first: a dead holder is reclaimed before
      // anybody marks the lock WAITERS; one being reclaimed, look again.
      if (WatchLife(seg, static_cast<int>(s & kHolder) - 1, set) != Life::kWatched) return false;
      if (!(s & kWaiters)) {
        if (!state.compare_exchange_strong(s, s | kWaiters)) return false;
        s |= kWaiters;
      }
      set->Add(&state, s);
      return true;
    }
    case kSemaphore: {
      auto& value = h->words[kUnits];
      auto& sleepers = h->words[kSleepers];
      // Count ourselves, then look at the value: with release's "add to
      // the value, then read the sleepers", one of the two sees the other.
      sleepers.fetch_add(1);
      const uint32_t v = value.load();
      if (static_cast<int32_t>(v) > 0 ||
          ((h->flags & kFlagTrackHolders) && !WatchHolders(seg, set))) {
        sleepers.fetch_sub(1);
        return false;
      }
      set->Add(&value, v);
      set->counted = &sleepers;
      return true;
    }
    case kBarrier: {
      auto& state = h->words[kState];
      auto& sleepers = h->words[kBarrierSleepers];
      sleepers.fetch_add(1);
      const uint32_t s = state.load();
      if ((s >> 16) != expected || h->words[kAborted].load() != 0 || !WatchHolders(seg, set)) {
        sleepers.fetch_sub(1);
        return false;
      }
      set->Add(&state, s);
      set->counted = &sleepers;
      return true;
    }
    case kSharedMemory:
      return false;  // nothing to wait for: no async wait parks on one
    case kEvent:
    case kCondition: {
      auto& state = h->words[kState];
      auto& sleepers = h->words[kSleepers];
      sleepers.fetch_add(1);
      if (state.load() != expected) {
        sleepers.fetch_sub(1);
        return false;
      }
      set->Add(&state, expected);
      set->counted = &sleepers;
      return true;
    }
  }
  return false;
}

namespace {
std::atomic<int> g_retry_delay_ms{0};
}  // namespace

void SegmentOps::SetRetryDelay(int ms) { g_retry_delay_ms.store(ms); }

SegmentOps::Nap SegmentOps::Sleep(Segment* seg, uint32_t expected, Deadline deadline,
                                  const std::atomic<int32_t>* cancel_seq, const std::atomic<bool>* cancelled) {
  // The sequence is read before the flag: a cancel after this bumps it,
  // and the sleep does not begin (or ends).
  const int32_t seen = cancel_seq ? cancel_seq->load() : 0;
  if (cancelled && cancelled->load()) return kNapCancelled;
  WaitSet set;
  if (!Prepare(seg, expected, &set)) return kNapRetry;
  SleepOn(set, cancel_seq, seen, deadline);
  if (set.counted) set.counted->fetch_sub(1);
  // Not for a thread being cancelled (terminated, or its process exiting).
  if (const int ms = g_retry_delay_ms.load(std::memory_order_relaxed); ms > 0 && !(cancelled && cancelled->load())) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  }
  return kNapSlept;
}

namespace {
// The sync wait of a Lock and a Semaphore: attempt(slept) until it takes
// what it waits for, the deadline passes or the thread is cancelled.
template <typename Attempt>
Result Acquire(Segment* seg, Attempt attempt, Deadline deadline, const std::atomic<int32_t>* cancel_seq,
               const std::atomic<bool>* cancelled) {
  bool slept = false;
  for (;;) {
    const Result r = attempt(slept);
    if (r != kBusy) return r;
    if (NowNs() >= deadline) break;
    const SegmentOps::Nap nap = SegmentOps::Sleep(seg, 0, deadline, cancel_seq, cancelled);
    if (nap == SegmentOps::kNapCancelled) break;
    slept = slept || nap == SegmentOps::kNapSlept;
  }
  // Leaving without it after a sleep: a wake-up meant for us may have been
  // spent, so pass one on. For a Lock, whether or not WAITERS is still
  // set: the unlock that woke us cleared it, and other sleepers would stay
  // asleep on a free lock.
  if (slept) seg->PassOn();
  return cancelled && cancelled->load() ? kCancelled : kBusy;
}
}  // namespace

Result Segment::Lock(double ident, Deadline deadline, const std::atomic<int32_t>* cancel_seq,
                     const std::atomic<bool>* cancelled) {
  // A waiter that slept takes the lock marked WAITERS: others may still
  // sleep, and only then does release wake one (its release cleared the
  // bit and woke only us).
  return Acquire(this, [&](bool slept) { return TryLock(ident, slept); }, deadline, cancel_seq, cancelled);
}

void Segment::PassOn() {
  switch (kind()) {
    case kLock:
    case kRLock:
    case kValue:
    case kArray:
      WakeShared(&Word(kState), 1);
      break;
    case kSemaphore:
      if (static_cast<int32_t>(Word(kUnits).load()) > 0) WakeShared(&Word(kUnits), 1);
      break;
    default:
      break;
  }
}

int Segment::Unlock(double ident) {
  auto& state = Word(kState);
  if (IsReentrant(kind())) {
    const uint32_t s = state.load();
    if ((s & kHolder) != static_cast<uint32_t>(self_) || Word(kOwner).load() != static_cast<uint32_t>(ident)) return -1;
    const uint32_t left = Word(kCount).fetch_sub(1) - 1;
    if (left > 0) return static_cast<int>(left);
    Word(kOwner).store(0);
  }
  uint32_t s = state.load();
  for (;;) {
    if ((s & kHolder) == 0) return IsReentrant(kind()) ? -1 : 0;
    if (state.compare_exchange_weak(s, 0)) break;
  }
  if (s & kWaiters) WakeShared(&state, 1);
  return IsReentrant(kind()) ? 0 : 1;
}

bool Segment::Locked() { return (Word(kState).load() & kHolder) != 0; }

int Segment::OwnedCount(double ident) {
  const uint32_t s = Word(kState).load();
  if ((s & kHolder) != static_cast<uint32_t>(self_) || Word(kOwner).load() != static_cast<uint32_t>(ident)) return 0;
  return static_cast<int>(Word(kCount).load());
}

int32_t Segment::HolderPid() {
  const uint32_t s = Word(kState).load();
  if ((s & kHolder) == 0) return 0;
  return h_->slots[(s & kHolder) - 1].pid.load();
}

// --- Semaphore -----------------------------------------------------------------

Result Segment::TryTake() {
  auto& value = Word(kUnits);
  const bool track = (h_->flags & kFlagTrackHolders) != 0;
  auto& held = h_->slots[self_ - 1].held;
  // Counted as ours before it is taken: a death between the two steps
  // gives back one unit too many, never loses one (and a bounded
  // semaphore's give-back stops at its bound).
  if (track) held.fetch_add(1);
  for (uint32_t v = value.load();;) {
    if (static_cast<int32_t>(v) <= 0) {
      if (track) held.fetch_sub(1);
      return kBusy;
    }
    if (value.compare_exchange_weak(v, v - 1)) return kAcquired;
  }
}

Result Segment::Take(Deadline deadline, const std::atomic<int32_t>* cancel_seq, const std::atomic<bool>* cancelled) {
  return Acquire(this, [this](bool) { return TryTake(); }, deadline, cancel_seq, cancelled);
}

bool Segment::Give(int32_t n) {
  auto& value = Word(kUnits);
  const int32_t bound = h_->bound;
  for (uint32_t v = value.load();;) {
    if (static_cast<int64_t>(static_cast<int32_t>(v)) + n > bound) return false;
    if (value.compare_exchange_weak(v, v + static_cast<uint32_t>(n))) break;
  }
  if (h_->flags & kFlagTrackHolders) {
    auto& held = h_->slots[self_ - 1].held;
    for (int32_t x = held.load(); x > 0;) {
      if (held.compare_exchange_weak(x, std::max<int32_t>(0, x - n))) break;
    }
  }
  if (Word(kSleepers).load() > 0) WakeShared(&value, n);
  return true;
}

int32_t Segment::Value() { return static_cast<int32_t>(Word(kUnits).load()); }

// --- Event -----------------------------------------------------------------------

uint32_t Segment::EventState() { return Word(kState).load(); }

void Segment::EventSet() {
  auto& state = Word(kState);
  for (uint32_t s = state.load();;) {
    if (state.compare_exchange_weak(s, (((s >> 1) + 1) << 1) | kFlag)) break;
  }
  if (Word(kSleepers).load() > 0) WakeShared(&state, INT_MAX);
}

void Segment::EventClear() { Word(kState).fetch_and(~kFlag); }

void Segment::ConditionNotify(int32_t n) {
  Word(kState).fetch_add(2);
  if (Word(kSleepers).load() > 0) WakeShared(&Word(kState), n);
}

bool Segment::EventWait(uint32_t seen, Deadline deadline, const std::atomic<int32_t>* cancel_seq,
                        const std::atomic<bool>* cancelled, bool* cancelled_out) {
  *cancelled_out = false;
  for (;;) {
    if (Word(kState).load() != seen || (seen & kFlag)) return true;
    if (NowNs() >= deadline) return false;
    if (SegmentOps::Sleep(this, seen, deadline, cancel_seq, cancelled) == SegmentOps::kNapCancelled) {
      *cancelled_out = true;
      return false;
    }
  }
}

// --- Value and Array ---------------------------------------------------------------
//
// Elements follow the header. Each is read and written whole (atomically,
// relaxed): a reader never sees half of a double. Ordering with other
// elements, and read-modify-write, are what the segment's lock is for.

namespace {
template <typename T>
double Load(void* p) {
  return static_cast<double>(std::atomic_ref<T>(*static_cast<T*>(p)).load(std::memory_order_relaxed));
}
template <typename T>
void Store(void* p, double v) {
  std::atomic_ref<T>(*static_cast<T*>(p)).store(static_cast<T>(v), std::memory_order_relaxed);
}
}  // namespace

double Segment::Read(int32_t i) {
  char* p = reinterpret_cast<char*>(h_) + sizeof(Header) + static_cast<size_t>(i) * ItemSize(h_->typecode);
  switch (h_->typecode) {
    case 'b': return Load<int8_t>(p);
    case 'B': return Load<uint8_t>(p);
    case 'h': return Load<int16_t>(p);
    case 'H': return Load<uint16_t>(p);
    case 'i': return Load<int32_t>(p);
    case 'I': return Load<uint32_t>(p);
    case 'f': return Load<float>(p);
    case 'd': return Load<double>(p);
  }
  return 0;
}

void Segment::Write(int32_t i, double v) {
  char* p = reinterpret_cast<char*>(h_) + sizeof(Header) + static_cast<size_t>(i) * ItemSize(h_->typecode);
  switch (h_->typecode) {
    case 'b': return Store<int8_t>(p, v);
    case 'B': return Store<uint8_t>(p, v);
    case 'h': return Store<int16_t>(p, v);
    case 'H': return Store<uint16_t>(p, v);
    case 'i': return Store<int32_t>(p, v);
    case 'I': return Store<uint32_t>(p, v);
    case 'f': return Store<float>(p, v);
    case 'd': return Store<double>(p, v);
  }
}

static_assert(std::atomic_ref<double>::is_always_lock_free && std::atomic_ref<int8_t>::is_always_lock_free);
static_assert(sizeof(Header) % 8 == 0, "elements after the header stay aligned");

// --- Barrier -------------------------------------------------------------------------
//
// A generation ends in one of two ways: tripped (every party arrived and
// the action, if any, succeeded: generation + 1) or broken (a timeout, an
// abort, a failing action, a party's death or cancel, a reset: the last
// broken generation is recorded, then generation + 1). A waiter of
// generation g passes when the generation moves past g, unless g is the
// one recorded broken.

namespace {
constexpr uint32_t kArrivedMask = 0xFFFF;
}

int Segment::BarrierArrive(uint32_t* gen_out, bool* pending) {
  auto& state = Word(kState);
  const uint32_t parties = static_cast<uint32_t>(h_->bound);
  *pending = false;
  for (uint32_t s = state.load();;) {
    if (Word(kAborted).load() != 0) return kBarrierBroken;
    const uint32_t arrived = s & kArrivedMask;
    if (arrived >= parties) {
      // The last of this generation runs its action: wait for its end.
      WaitSet set;
      set.Add(&state, s);
      SleepOn(set, nullptr, 0, NowNs() + 1'000'000);
      s = state.load();
      continue;
    }
    // Counted as waiting here before it arrives: a death from now on breaks it.
    h_->slots[self_ - 1].gen.store(static_cast<int32_t>(s >> 16));
    h_->slots[self_ - 1].held.fetch_add(1);
    if (!state.compare_exchange_weak(s, s + 1)) {
      h_->slots[self_ - 1].held.fetch_sub(1);
      continue;
    }
    *gen_out = s >> 16;
    if (arrived + 1 == parties) return kBarrierLast;
    *pending = true;
    return static_cast<int>(arrived);
  }
}

int Segment::BarrierCheck(uint32_t gen, int index, Deadline deadline) {
  const uint32_t s = Word(kState).load();
  if ((s >> 16) != (gen & 0xFFFF)) {
    h_->slots[self_ - 1].held.fetch_sub(1);
    return Word(kBrokenGen).load() == gen + 1 ? kBarrierBroken : index;
  }
  if (Word(kAborted).load() != 0) {
    h_->slots[self_ - 1].held.fetch_sub(1);
    return kBarrierBroken;
  }
  if (NowNs() >= deadline) {
    h_->slots[self_ - 1].held.fetch_sub(1);
    BarrierAbort();
    return kBarrierTimedOut;
  }
  return kBarrierPending;
}

int Segment::BarrierWait(Deadline deadline, const std::atomic<int32_t>* cancel_seq, const std::atomic<bool>* cancelled,
                         uint32_t* gen_out) {
  bool pending = false;
  uint32_t gen = 0;
  const int arrived = BarrierArrive(&gen, &pending);
  *gen_out = gen;
  if (!pending) return arrived;
  for (;;) {
    const int r = BarrierCheck(gen, arrived, deadline);
    if (r != kBarrierPending) return r;
    if (SegmentOps::Sleep(this, gen, deadline, cancel_seq, cancelled) == SegmentOps::kNapCancelled) {
      h_->slots[self_ - 1].held.fetch_sub(1);
      BarrierAbort();
      return kBarrierCancelled;
    }
  }
}

namespace {
// Ends the generation of `s`, broken or not, and wakes everybody.
void EndGeneration(Header* h, bool broken) {
  auto& state = h->words[0];
  for (uint32_t s = state.load();;) {
    const uint32_t gen = s >> 16;
    if (broken) h->words[kBrokenGen].store(gen + 1);
    if (state.compare_exchange_weak(s, ((gen + 1) & 0xFFFF) << 16)) break;
  }
  WakeShared(&state, INT_MAX);
}
}  // namespace

void Segment::BarrierTrip(bool ok) {
  h_->slots[self_ - 1].held.fetch_sub(1);
  if (!ok) Word(kAborted).store(1);
  EndGeneration(h_, !ok);
}

void Segment::BarrierAbort() {
  Word(kAborted).store(1);
  EndGeneration(h_, true);
}

void Segment::BarrierReset() {
  // The waiters of this generation are broken; later ones start afresh.
  EndGeneration(h_, true);
  Word(kAborted).store(0);
}

int32_t Segment::BarrierWaiting() {
  const uint32_t arrived = Word(kState).load() & kArrivedMask;
  return static_cast<int32_t>(std::min<uint32_t>(arrived, static_cast<uint32_t>(h_->bound)));
}

bool Segment::BarrierBroken() { return Word(kAborted).load() != 0; }

// --- death ---------------------------------------------------------------------------

void SegmentOps::GiveBack(Segment* seg, int slot) {
  Header* h = seg->h_;
  switch (seg->kind()) {
    case kLock:
    case kRLock:
    case kValue:
    case kArray: {
      auto& state = h->words[kState];
      for (uint32_t s = state.load();;) {
        if ((s & kHolder) != static_cast<uint32_t>(slot + 1)) break;
        // The next acquirer learns that the holder died; the flag is set
        // before the lock is free, so that acquirer cannot miss it.
        h->words[kDied].store(1);
        if (IsReentrant(seg->kind())) {
          h->words[kOwner].store(0);
          h->words[kCount].store(0);
        }
        if (state.compare_exchange_weak(s, s & kWaiters)) {
          if (s & kWaiters) WakeShared(&state, INT_MAX);
          break;
        }
      }
      break;
    }
    case kSemaphore: {
      const int32_t n = h->slots[slot].held.exchange(0);
      if (n <= 0) break;
      auto& value = h->words[kUnits];
      for (uint32_t v = value.load();;) {
        const int32_t give = std::min<int64_t>(n, static_cast<int64_t>(h->bound) - static_cast<int32_t>(v));
        if (give <= 0) break;
        if (value.compare_exchange_weak(v, v + static_cast<uint32_t>(give))) break;
      }
      WakeShared(&value, INT_MAX);
      break;
    }
    case kBarrier:
      // A party died waiting in the current generation: the others would
      // wait for ever. Broken. (One that had arrived in a generation that
      // has tripped since was a full party: nothing to do.)
      if (h->slots[slot].held.exchange(0) > 0 &&
          static_cast<uint32_t>(h->slots[slot].gen.load()) == (h->words[kState].load() >> 16))
        seg->BarrierAbort();
      break;
    case kSharedMemory:
    case kEvent:
    case kCondition:
      // Nothing held: a Condition's lock is a segment of its own, given
      // back by its own slot.
      break;
  }
}

bool SegmentOps::HoldsSomething(Segment* seg) {
  Header* h = seg->h_;
  switch (seg->kind()) {
    case kLock:
    case kRLock:
    case kValue:
    case kArray:
      return (h->words[kState].load() & kHolder) == static_cast<uint32_t>(seg->self_);
    case kSemaphore:
      return h->slots[seg->self_ - 1].held.load() > 0;
    default:
      return false;
  }
}

}  // namespace pthreading::mp
