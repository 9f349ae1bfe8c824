// Segments, participant slots, the robust list and the waker threads
// (shm.h says what each is for; shm_sync.cc has the primitives' rules).
#include "shm.h"

#if defined(__linux__)

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <pthread.h>
#include <linux/futex.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "ops.h"

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef FUTEX2_SIZE_U32
#define FUTEX2_SIZE_U32 0x02
#endif
#ifndef FUTEX2_PRIVATE
#define FUTEX2_PRIVATE FUTEX_PRIVATE_FLAG
#endif

namespace pthreading::mp {

namespace {

// --- futexes ---------------------------------------------------------------

long Futex(void* addr, int op, uint32_t val, const struct timespec* ts) {
  return syscall(SYS_futex, addr, op, val, ts, nullptr, 0);
}

}  // namespace

void WakeShared(std::atomic<uint32_t>* word, int count) { Futex(word, FUTEX_WAKE, count, nullptr); }

void WakeCancel(std::atomic<int32_t>* seq) { Futex(seq, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX, nullptr); }

namespace {

// Sleeps until one of `n` words differs from its expected value, one is
// woken, or the absolute CLOCK_MONOTONIC deadline passes. `private_from`:
// entries from that index on are this process's own words (the cancel
// sequence, a waker's control word). Returns the index woken, -1 on
// timeout, -2 when a word already differed or the call was interrupted.
std::atomic<bool> g_no_waitv{false};

// Kernels before 5.16 have no futex_waitv: sleep on the first word alone,
// for at most 20 ms at a time, and let the caller look at the others
// (a bounded poll, the only one, and only on such kernels).
int WaitFirst(const WaitSet::Entry* entries, int n, int private_from, Deadline deadline) {
  const Deadline until = std::min<Deadline>(deadline, NowNs() + 20'000'000);
  const Deadline left = std::max<Deadline>(0, until - NowNs());
  struct timespec ts{static_cast<time_t>(left / 1'000'000'000), static_cast<long>(left % 1'000'000'000)};
  const int op = FUTEX_WAIT | (private_from == 0 ? FUTEX_PRIVATE_FLAG : 0);
  if (n > 0 && Futex(entries[0].addr, op, entries[0].expected, &ts) == 0) return 0;
  return until == deadline && NowNs() >= deadline ? -1 : -2;
}

int WaitV(const WaitSet::Entry* entries, int n, int private_from, Deadline deadline) {
  if (g_no_waitv.load(std::memory_order_relaxed)) return WaitFirst(entries, n, private_from, deadline);
  struct futex_waitv v[FUTEX_WAITV_MAX];
  PT_CHECK(n <= FUTEX_WAITV_MAX, "too many futexes in one wait");
  for (int i = 0; i < n; i++) {
    v[i].val = entries[i].expected;
    v[i].uaddr = reinterpret_cast<uintptr_t>(entries[i].addr);
    v[i].flags = FUTEX2_SIZE_U32 | (i >= private_from ? FUTEX2_PRIVATE : 0);
    v[i].__reserved = 0;
  }
  struct timespec ts;
  struct timespec* tsp = AbsoluteTimespec(deadline, &ts);
  // steady_clock is CLOCK_MONOTONIC on Linux, the clock NowNs() reads.
  const long r = syscall(SYS_futex_waitv, v, n, 0, tsp, CLOCK_MONOTONIC);
  if (r >= 0) return static_cast<int>(r);
  if (errno == ENOSYS) {
    g_no_waitv.store(true, std::memory_order_relaxed);
    return WaitFirst(entries, n, private_from, deadline);
  }
  return errno == ETIMEDOUT ? -1 : -2;
}

// --- the robust list ---------------------------------------------------------
//
// The kernel ABI (linux/futex.h): a list of entries, each `futex_offset`
// bytes before its futex word, walked when the registered thread exits.
// Registered on our keeper thread, which lives as long as the process, so
// the walk happens exactly when the process dies. Every change is made
// under g_list_mutex and announced in list_op_pending first, so a death in
// the middle of one is handled too.

std::mutex& ListMutex() {
  static auto* m = new std::mutex;  // never destroyed: threads may outlive statics
  return *m;
}
struct robust_list_head g_head;  // guarded by ListMutex()
std::atomic<uint32_t> g_keeper_tid{0};

void ListAdd(Participant* p) {
  auto* node = reinterpret_cast<struct robust_list*>(&p->node);
  node->next = g_head.list.next;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  g_head.list.next = node;
}

void ListRemove(Participant* p) {
  auto* node = reinterpret_cast<struct robust_list*>(&p->node);
  for (struct robust_list* prev = &g_head.list; prev->next != &g_head.list; prev = prev->next) {
    if (prev->next == node) {
      prev->next = node->next;
      return;
    }
  }
  PT_CHECK(false, "a participant slot missing from the robust list");
}

void SetPending(Participant* p) {
  g_head.list_op_pending = p ? reinterpret_cast<struct robust_list*>(&p->node) : nullptr;
  std::atomic_signal_fence(std::memory_order_seq_cst);
}

// --- waker threads -----------------------------------------------------------
//
// A waker sleeps in futex_waitv on every word its async waiters watch, plus
// its own control word (bumped when the set changes). When one of a
// watch's words changes, every async waiter of that watch is handed its
// wake-up and leaves (it retries on its own event loop). The keeper thread
// is the first waker; more start when one is full (futex_waitv takes at
// most 128 words).

struct Watch {
  uint64_t id;                       // unique, never reused
  std::shared_ptr<Segment> segment;  // the memory stays mapped while watched
  WaitSet set;
  Waiter* waiter;
  class Waker* waker;
};

class Waker {
 public:
  explicit Waker(bool keeper) : keeper_(keeper) {}
  void Start();
  int used = 0;  // words watched; guarded by WakersMutex()
  std::atomic<uint32_t> ctl{0};
  std::vector<Watch*> watches;  // guarded by WakersMutex()

 private:
  void Run();
  bool keeper_;
};

std::mutex& WakersMutex() {
  static auto* m = new std::mutex;
  return *m;
}
std::vector<Waker*>& Wakers() {  // guarded by WakersMutex()
  static auto* v = new std::vector<Waker*>;
  return *v;
}
std::map<Waiter*, Watch*>& Watched() {  // guarded by WakersMutex()
  static auto* m = new std::map<Waiter*, Watch*>;
  return *m;
}

constexpr int kWakerCapacity = FUTEX_WAITV_MAX - 1;

void Waker::Start() {
  std::thread([this] { Run(); }).detach();
}

void Waker::Run() {
  if (keeper_) {
    g_head.list.next = &g_head.list;
    g_head.futex_offset = 8;
    g_head.list_op_pending = nullptr;
    syscall(SYS_set_robust_list, &g_head, sizeof g_head);
    g_keeper_tid.store(static_cast<uint32_t>(syscall(SYS_gettid)));
    WakeShared(&g_keeper_tid, INT_MAX);
  }
  std::vector<WaitSet::Entry> entries;
  // A fired watch and what its wake-up needs, copied under the lock: once
  // the watch is out of Watched(), its waiter may be freed at any moment
  // (its environment tears down, finds it gone from here, passes its
  // wake-up on), so only these copies are used after.
  struct Fired {
    Watch* watch;
    std::shared_ptr<Sleeper> env;
    uint32_t id;
    int op;
    int32_t* word;
  };
  std::vector<Fired> fired;
  std::vector<uint64_t> owners;  // the id of the watch of each entry
  for (;;) {
    entries.clear();
    owners.clear();
    {
      std::lock_guard<std::mutex> guard(WakersMutex());
      for (Watch* w : watches)
        for (int i = 0; i < w->set.n; i++) {
          entries.push_back(w->set.e[i]);
          owners.push_back(w->id);
        }
      entries.push_back(WaitSet::Entry{&ctl, ctl.load()});
    }
    const int woken = WaitV(entries.data(), static_cast<int>(entries.size()), static_cast<int>(entries.size()) - 1, kForever);
    fired.clear();
    {
      std::lock_guard<std::mutex> guard(WakersMutex());
      // A wake-up that reached us for a watch removed meanwhile (its
      // waiter timed out or was aborted) was meant for somebody: a release
      // wakes one sleeper, and that was our stale entry. futex_waitv names
      // only one of the entries woken, so every entry of a removed watch
      // passes one wake-up on (a spurious one at worst, and once: the
      // entry is gone from the next round). A watch still here is looked
      // at below: fired, or its word is back to what it expected, and
      // whoever made it so wakes the next sleeper.
      (void)woken;
      for (size_t k = 0; k < owners.size(); k++) {
        bool present = false;
        for (Watch* w : watches) present = present || w->id == owners[k];
        // The address may be unmapped by now: the kernel then refuses the
        // wake (EFAULT), as harmless as a spurious one.
        if (!present) WakeShared(entries[k].addr, 1);
      }
      for (size_t i = 0; i < watches.size();) {
        Watch* w = watches[i];
        bool changed = false;
        for (int k = 0; k < w->set.n && !changed; k++) changed = w->set.e[k].addr->load() != w->set.e[k].expected;
        if (changed) {
          fired.push_back(Fired{w, w->waiter->env, w->waiter->async_id, w->waiter->op, w->waiter->word});
          watches[i] = watches.back();
          watches.pop_back();
          used -= w->set.n;
          Watched().erase(w->waiter);
        } else {
          i++;
        }
      }
    }
    for (Fired& f : fired) {
      if (f.watch->set.counted) f.watch->set.counted->fetch_sub(1);
      // The environment passes the wake-up on if it cannot use it. The
      // watch (and so the mapping of `word`) lives until this returns.
      f.env->Deliver(f.id, f.op, f.word);
      delete f.watch;
    }
  }
}

std::atomic<size_t> g_mapped{0};

// The process-wide table of mapped segments, by name: one mapping and one
// participant slot per process.
std::mutex& TableMutex() {
  static auto* m = new std::mutex;
  return *m;
}
std::map<std::string, std::weak_ptr<Segment>>& Table() {
  static auto* t = new std::map<std::string, std::weak_ptr<Segment>>;
  return *t;
}
// Segments this process still holds something in (a lock, semaphore
// units) when its last handle went: kept mapped, and in the robust list,
// until the process ends, so a death still gives them back.
std::vector<std::shared_ptr<Segment>>& Kept() {
  static auto* v = new std::vector<std::shared_ptr<Segment>>;
  return *v;
}

bool g_keeper_started = false;  // guarded by WakersMutex()

// A child made by fork() without exec has no keeper (threads are not
// copied) and must not act as its parent's participant: it starts over.
// Node never forks without exec; this keeps a native caller that does safe.
void AfterFork() {
  new (&WakersMutex()) std::mutex;
  new (&TableMutex()) std::mutex;
  new (&ListMutex()) std::mutex;
  g_keeper_started = false;
  g_keeper_tid.store(0);
  Wakers().clear();
  Watched().clear();
  Table().clear();
  new std::vector<std::shared_ptr<Segment>>(std::move(Kept()));  // the parent's: never released here
}

uint32_t KeeperTid() {
  {
    std::lock_guard<std::mutex> guard(WakersMutex());
    if (!g_keeper_started) {
      static bool at_fork = (pthread_atfork(nullptr, nullptr, AfterFork), true);
      (void)at_fork;
      g_keeper_started = true;
      auto* keeper = new Waker(true);
      Wakers().push_back(keeper);
      keeper->Start();
    }
  }
  for (;;) {
    const uint32_t tid = g_keeper_tid.load();
    if (tid != 0) return tid;
    Futex(&g_keeper_tid, FUTEX_WAIT, 0, nullptr);
  }
}

}  // namespace

// --- open, claim, close --------------------------------------------------------

std::shared_ptr<Segment> Segment::Open(const std::string& name, Kind kind, int32_t value, int32_t bound,
                                       uint32_t flags, uint32_t mode, int create, int32_t* error,
                                       int32_t* detail, double initial, bool* created) {
  *error = kOpenOk;
  *detail = 0;
  if (created) *created = false;
  std::lock_guard<std::mutex> guard(TableMutex());
  if (auto it = Table().find(name); it != Table().end()) {
    if (auto seg = it->second.lock()) {
      if (create == 1) {
        *error = kOpenExists;
        return nullptr;
      }
      if (seg->kind() != kind) {
        *error = kOpenKind;
        *detail = static_cast<int32_t>(seg->kind());
        return nullptr;
      }
      if (HasData(kind) && value != 0 && seg->typecode() != value) {
        *error = kOpenType;
        *detail = seg->typecode();
        return nullptr;
      }
      if (HasData(kind) && bound != 0 && seg->length() != bound) {
        *error = kOpenLength;
        *detail = seg->length();
        return nullptr;
      }
      return seg;
    }
  }
  const bool data = HasData(kind);
  // Data follows the header, 8-byte aligned; the creator decides the size.
  size_t size = sizeof(Header) + (data ? (static_cast<size_t>(bound) * ItemSize(value) + 7) / 8 * 8 : 0);
  bool creator = false;
  int fd = -1;
  if (create != 2) {
    fd = shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd >= 0) creator = true;
    else if (errno != EEXIST || create == 1) {
      *error = errno == EEXIST ? kOpenExists : kOpenErrno;
      *detail = errno;
      return nullptr;
    }
  }
  if (fd < 0) {
    fd = shm_open(name.c_str(), O_RDWR | O_CLOEXEC, 0);
    if (fd < 0) {
      *error = errno == ENOENT ? kOpenMissing : kOpenErrno;
      *detail = errno;
      return nullptr;
    }
  }
  auto fail = [&](int32_t e, int32_t d) -> std::shared_ptr<Segment> {
    *error = e;
    *detail = d;
    close(fd);
    return nullptr;
  };
  if (creator) {
    // shm_open applies the umask: set the mode asked for exactly.
    if (fchmod(fd, mode) != 0 || ftruncate(fd, static_cast<off_t>(size)) != 0) {
      const int e = errno;
      shm_unlink(name.c_str());
      return fail(kOpenErrno, e);
    }
    // Every page backed now: on a full /dev/shm (64 MiB in a default
    // container) a sparse segment is a SIGBUS at its first write, in
    // whichever process makes it. ENOSPC here is an OSError instead. (A
    // file system without fallocate keeps the sparse segment.)
    const int e = posix_fallocate(fd, 0, static_cast<off_t>(size));
    if (e == ENOSPC || e == ENOMEM || e == EFBIG) {
      shm_unlink(name.c_str());
      return fail(kOpenErrno, e);
    }
  } else {
    size = sizeof(Header);  // the header says how much more there is
    // The creator truncates right after creating: give it a moment.
    struct stat st;
    const Deadline until = NowNs() + 1'000'000'000;
    for (;;) {
      if (fstat(fd, &st) != 0) return fail(kOpenErrno, errno);
      if (static_cast<size_t>(st.st_size) >= 16) break;
      if (NowNs() >= until) return fail(st.st_size == 0 ? kOpenNotReady : kOpenNotOurs, 0);
      usleep(1000);
    }
    if (static_cast<size_t>(st.st_size) < size) {
      // Too small for this layout: read what it says it is, for the error.
      void* p = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_SHARED, fd, 0);
      if (p == MAP_FAILED) return fail(kOpenErrno, errno);
      const uint32_t* w = static_cast<const uint32_t*>(p);
      const uint32_t magic = w[0], version = w[1], layout = w[2];
      munmap(p, static_cast<size_t>(st.st_size));
      if (magic != kMagic) return fail(kOpenNotOurs, 0);
      if (version != kVersion) return fail(kOpenVersion, static_cast<int32_t>(version));
      return fail(kOpenLayout, static_cast<int32_t>(layout));
    }
  }
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    *error = kOpenErrno;
    *detail = errno;
    return nullptr;
  }
  auto* h = static_cast<Header*>(p);
  auto unmap_fail = [&](int32_t e, int32_t d) -> std::shared_ptr<Segment> {
    munmap(p, size);
    close(fd);
    *error = e;
    *detail = d;
    return nullptr;
  };
  // The magic is stored last (release) and read first (acquire): whoever
  // sees it sees the version and layout beside it, so a segment of another
  // version is refused at once, while one still being made is waited for.
  auto magic = std::atomic_ref<uint32_t>(h->magic);
  if (creator) {
    h->version = kVersion;
    h->layout = kLayout;
    h->kind = kind;
    h->size = size;
    h->flags = flags;
    h->bound = bound;
    if (data) {
      h->typecode = value;
      h->length = bound;
    }
    if (kind == kSemaphore) h->words[0].store(static_cast<uint32_t>(value));
    magic.store(kMagic, std::memory_order_release);
    if (kind == kValue) {
      // Set before ready: no opener ever sees the Value before its value.
      Segment tmp;
      tmp.h_ = h;
      tmp.Write(0, initial);
      tmp.h_ = nullptr;
    }
    // Release: everything above is visible to whoever sees ready == 1.
    h->ready.store(1, std::memory_order_release);
    WakeShared(&h->ready, INT_MAX);
  } else {
    const uint32_t m = magic.load(std::memory_order_acquire);
    if (m != kMagic && m != 0) return unmap_fail(kOpenNotOurs, 0);
    if (m == kMagic && h->version != kVersion) return unmap_fail(kOpenVersion, static_cast<int32_t>(h->version));
    if (m == kMagic && h->layout != kLayout) return unmap_fail(kOpenLayout, static_cast<int32_t>(h->layout));
    const Deadline until = NowNs() + 1'000'000'000;
    while (h->ready.load(std::memory_order_acquire) != 1) {
      const Deadline now = NowNs();
      if (now >= until) return unmap_fail(kOpenNotReady, 0);
      struct timespec ts{0, 10'000'000};
      Futex(&h->ready, FUTEX_WAIT, 0, &ts);
    }
    if (h->magic != kMagic) return unmap_fail(kOpenNotOurs, 0);
    if (h->version != kVersion) return unmap_fail(kOpenVersion, static_cast<int32_t>(h->version));
    if (h->layout != kLayout || h->size < sizeof(Header)) return unmap_fail(kOpenLayout, static_cast<int32_t>(h->layout));
    if (h->kind != kind) return unmap_fail(kOpenKind, static_cast<int32_t>(h->kind));
    if (data && value != 0 && h->typecode != value) return unmap_fail(kOpenType, h->typecode);
    if (data && bound != 0 && h->length != bound) return unmap_fail(kOpenLength, h->length);
    if (h->size > size) {
      // Map the data too, once the header said how much there is.
      struct stat st;
      if (fstat(fd, &st) != 0 || static_cast<uint64_t>(st.st_size) < h->size) return unmap_fail(kOpenLayout, static_cast<int32_t>(h->layout));
      const size_t full = h->size;
      munmap(p, size);
      size = full;
      p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      if (p == MAP_FAILED) {
        *error = kOpenErrno;
        *detail = errno;
        close(fd);
        return nullptr;
      }
      h = static_cast<Header*>(p);
    }
  }
  close(fd);  // the mapping keeps the memory
  std::shared_ptr<Segment> seg(new Segment());
  seg->name_ = name;
  seg->h_ = h;
  seg->size_ = size;
  if (!seg->Claim()) {
    seg->h_ = nullptr;
    return unmap_fail(kOpenFull, kMaxParticipants);
  }
  g_mapped.fetch_add(1);
  Table()[name] = seg;
  if (created) *created = creator;
  return seg;
}

int Segment::Unlink(const std::string& name) {
  {
    // Opening the name again from now on makes a new segment, here too.
    std::lock_guard<std::mutex> guard(TableMutex());
    Table().erase(name);
  }
  return shm_unlink(name.c_str()) == 0 ? 0 : errno;
}

bool Segment::Claim() {
  const uint32_t tid = KeeperTid();
  for (int attempt = 0; attempt < 4; attempt++) {
    for (int i = 0; i < kMaxParticipants; i++) {
      Participant& p = h_->slots[i];
      uint32_t life = p.life.load();
      if (life & FUTEX_OWNER_DIED) {
        Reclaim(i, life);
        life = p.life.load();
      }
      if (life != 0) continue;
      std::lock_guard<std::mutex> guard(ListMutex());
      SetPending(&p);
      if (p.life.compare_exchange_strong(life, tid)) {
        ListAdd(&p);
        SetPending(nullptr);
        p.held.store(0);
        p.pid.store(static_cast<int32_t>(getpid()));
        self_ = i + 1;
        return true;
      }
      SetPending(nullptr);
    }
  }
  return false;
}

void Segment::Reclaim(int slot, uint32_t dead) {
  Participant& p = h_->slots[slot];
  const uint32_t tid = KeeperTid();
  {
    // Adopt the slot: while we put back what its process held, it is ours,
    // so if we die half-way the kernel marks it dead again and the next
    // reclaimer finishes the job (each step below is safe to redo).
    std::lock_guard<std::mutex> guard(ListMutex());
    SetPending(&p);
    if (!p.life.compare_exchange_strong(dead, tid)) {
      SetPending(nullptr);
      return;  // somebody else reclaims it
    }
    ListAdd(&p);
    SetPending(nullptr);
  }
  SegmentOps::GiveBack(this, slot);
  {
    std::lock_guard<std::mutex> guard(ListMutex());
    SetPending(&p);
    ListRemove(&p);
    p.pid.store(0);
    p.life.store(0);
    SetPending(nullptr);
  }
  // Whoever slept on the dead process's life word looks again.
  WakeShared(&p.life, INT_MAX);
}

Segment::~Segment() {
  if (!h_) return;
  Participant& p = h_->slots[self_ - 1];
  {
    std::lock_guard<std::mutex> guard(ListMutex());
    SetPending(&p);
    ListRemove(&p);
    p.pid.store(0);
    p.held.store(0);
    const uint32_t was = p.life.exchange(0);
    SetPending(nullptr);
    if (was & FUTEX_WAITERS) WakeShared(&p.life, INT_MAX);
  }
  munmap(h_, size_);
  g_mapped.fetch_sub(1);
}

// Called (through the deleter of the shared_ptr the N-API layer holds)
// when the last handle of this process goes.
void ReleaseSegment(std::shared_ptr<Segment>&& seg) {
  std::lock_guard<std::mutex> guard(TableMutex());
  if (seg.use_count() == 1 && SegmentOps::HoldsSomething(seg.get())) {
    Kept().push_back(std::move(seg));
    return;
  }
  seg.reset();
}

// --- async waiters -----------------------------------------------------------

bool Segment::ParkAsync(Waiter* w, uint32_t expected, const std::shared_ptr<Segment>& self) {
  auto* watch = new Watch();
  if (!SegmentOps::Prepare(this, expected, &watch->set)) {
    delete watch;
    return false;
  }
  static std::atomic<uint64_t> next_id{1};
  watch->id = next_id.fetch_add(1);
  watch->segment = self;
  watch->waiter = w;
  std::lock_guard<std::mutex> guard(WakersMutex());
  Waker* waker = nullptr;
  for (Waker* k : Wakers())
    if (k->used + watch->set.n <= kWakerCapacity) {
      waker = k;
      break;
    }
  if (!waker) {
    waker = new Waker(false);
    Wakers().push_back(waker);
    waker->Start();
  }
  watch->waker = waker;
  waker->watches.push_back(watch);
  waker->used += watch->set.n;
  Watched()[w] = watch;
  waker->ctl.fetch_add(1);
  Futex(&waker->ctl, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, nullptr);
  return true;
}

bool RemoveShared(Waiter* w) {
  Watch* watch;
  {
    std::lock_guard<std::mutex> guard(WakersMutex());
    auto it = Watched().find(w);
    if (it == Watched().end()) return false;
    watch = it->second;
    Watched().erase(it);
    auto& list = watch->waker->watches;
    list.erase(std::find(list.begin(), list.end(), watch));
    watch->waker->used -= watch->set.n;
    watch->waker->ctl.fetch_add(1);
    Futex(&watch->waker->ctl, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, nullptr);
  }
  if (watch->set.counted) watch->set.counted->fetch_sub(1);
  delete watch;
  return true;
}

void PassOnShared(int32_t* word) { WakeShared(reinterpret_cast<std::atomic<uint32_t>*>(word), 1); }

int WaitChild(int pid, Deadline deadline, int* code, int* signal) {
  const int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return errno == ENOSYS ? -2 : -1;
  int result = 0;
  for (;;) {
    siginfo_t info;
    info.si_pid = 0;
    // WNOWAIT: look, leave the zombie for libuv to reap and report.
    if (waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(fd), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
      result = -1;
      break;
    }
    if (info.si_pid != 0) {
      *code = info.si_code == CLD_EXITED ? info.si_status : 0;
      *signal = info.si_code == CLD_EXITED ? 0 : info.si_status;
      result = 1;
      break;
    }
    const Deadline now = NowNs();
    if (now >= deadline) break;
    struct pollfd p{fd, POLLIN, 0};
    const int ms = deadline == kForever ? -1 : static_cast<int>(std::min<Deadline>((deadline - now + 999'999) / 1'000'000, INT_MAX));
    poll(&p, 1, ms);
  }
  close(fd);
  return result;
}

size_t MappedSegments() { return g_mapped.load(); }

size_t WatchedAsync() {
  std::lock_guard<std::mutex> guard(WakersMutex());
  return Watched().size();
}

// Exposed for shm_sync.cc.
int SleepOn(const WaitSet& set, const std::atomic<int32_t>* cancel_seq, int32_t cancel_seen, Deadline deadline) {
  WaitSet::Entry entries[kMaxParticipants + 3];
  std::copy(set.e, set.e + set.n, entries);
  int n = set.n;
  if (cancel_seq) entries[n++] = WaitSet::Entry{reinterpret_cast<std::atomic<uint32_t>*>(const_cast<std::atomic<int32_t>*>(cancel_seq)), static_cast<uint32_t>(cancel_seen)};
  return WaitV(entries, n, set.n, deadline);
}

}  // namespace pthreading::mp

#else  // !__linux__

// Not yet on other systems (macOS would sleep on os_sync_wait_on_address
// and watch deaths with kqueue's EVFILT_PROC; Windows on WaitOnAddress and
// process handles): opening a segment fails with ENOSYS, which JavaScript
// reports as an OSError; nothing else can be reached without a segment.
#include <cerrno>

#include "ops.h"

namespace pthreading::mp {

void WakeShared(std::atomic<uint32_t>*, int) {}
void WakeCancel(std::atomic<int32_t>*) {}
void PassOnShared(int32_t*) {}
bool RemoveShared(Waiter*) { return false; }
size_t MappedSegments() { return 0; }
size_t WatchedAsync() { return 0; }
int WaitChild(int, Deadline, int*, int*) { return -2; }
int SleepOn(const WaitSet&, const std::atomic<int32_t>*, int32_t, Deadline) { return -1; }
void ReleaseSegment(std::shared_ptr<Segment>&& seg) { seg.reset(); }

std::shared_ptr<Segment> Segment::Open(const std::string&, Kind, int32_t, int32_t, uint32_t, uint32_t, int, int32_t* error,
                                       int32_t* detail, double, bool*) {
  *error = kOpenErrno;
  *detail = ENOSYS;
  return nullptr;
}
int Segment::Unlink(const std::string&) { return ENOSYS; }
Segment::~Segment() {}
bool Segment::Claim() { return false; }
void Segment::Reclaim(int, uint32_t) {}
bool Segment::ParkAsync(Waiter*, uint32_t, const std::shared_ptr<Segment>&) { return false; }

}  // namespace pthreading::mp

#endif  // __linux__
