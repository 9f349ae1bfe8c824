#include "threads.h"

#include <algorithm>

#include <map>
#include <mutex>
#include <unordered_map>

#if defined(__linux__)
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>
#elif defined(__APPLE__)
#include <pthread.h>
#endif

#include "ops.h"
#include "parking.h"

namespace pthreading {

namespace {

std::mutex g_mutex;
std::map<ThreadId, std::shared_ptr<ThreadEntry>> g_table;  // ordered by ident
std::atomic<ThreadId> g_counter{0};
// Ident 1 is the main thread's; others count from 2.
std::atomic<ThreadId> g_idents{1};
// Node thread id of a Worker -> that of the thread that started it.
std::mutex g_family_mutex;
std::unordered_map<ThreadId, ThreadId> g_parents;

// A warm worker's row, not yet a thread's. Under the table mutex.
bool Hidden(const ThreadEntry& e) { return e.state == kReserved || e.state == kIdle; }

// `name` cut to at most `limit` bytes for pthread_setname_np (Linux keeps
// 15, macOS 63). Only a longer name is cut, and then before the character
// that straddles the limit: back up while the first byte left out is a
// UTF-8 continuation byte (10xxxxxx).
[[maybe_unused]] std::string OsName(const std::string& name, size_t limit) {
  if (name.size() <= limit) return name;
  size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;
  return name.substr(0, cut);
}

void NameOsThread(const ThreadEntry& e) {
#if defined(__linux__)
  if (e.has_handle) pthread_setname_np(static_cast<pthread_t>(e.handle), OsName(e.name, 15).c_str());
#else
  (void)e;
#endif
}

// Records the calling thread's native id and handle, names the OS thread
// and marks the row running. Under the table mutex.
void MarkRunning(ThreadEntry& e) {
  e.native_id = CurrentNativeId();
#if defined(__linux__) || defined(__APPLE__)
  e.handle = static_cast<uint64_t>(pthread_self());
  e.has_handle = true;
#endif
#if defined(__linux__)
  NameOsThread(e);
#elif defined(__APPLE__)
  pthread_setname_np(OsName(e.name, 63).c_str());
#endif
  Slot(&e.state, 0).store(kRunning);
}

}  // namespace

double LibraryCopyId() {
  // The address of a static of this binary: distinct for every loaded copy,
  // and exact as a double (user-space addresses are below 2^53).
  return static_cast<double>(reinterpret_cast<uintptr_t>(&g_table));
}

void AdoptWorker(ThreadId parent, ThreadId child) {
  std::lock_guard<std::mutex> guard(g_family_mutex);
  g_parents[child] = parent;
}

void ForgetWorker(ThreadId child) {
  std::lock_guard<std::mutex> guard(g_family_mutex);
  g_parents.erase(child);
}

std::vector<ThreadId> TakeDescendants(ThreadId thread) {
  std::lock_guard<std::mutex> guard(g_family_mutex);
  std::vector<ThreadId> out;
  std::vector<ThreadId> frontier{thread};
  while (!frontier.empty()) {
    const ThreadId parent = frontier.back();
    frontier.pop_back();
    for (auto it = g_parents.begin(); it != g_parents.end();) {
      if (it->second == parent) {
        out.push_back(it->first);
        frontier.push_back(it->first);
        it = g_parents.erase(it);
      } else {
        ++it;
      }
    }
  }
  return out;
}

ThreadId NextThreadNumber() { return g_counter.fetch_add(1) + 1; }

ThreadId NextIdent() { return g_idents.fetch_add(1) + 1; }

ThreadId CurrentNativeId() {
#if defined(__linux__)
  return static_cast<ThreadId>(syscall(SYS_gettid));
#elif defined(__APPLE__)
  uint64_t tid = 0;
  pthread_threadid_np(nullptr, &tid);
  return static_cast<ThreadId>(tid);
#else
  return 0;
#endif
}

// The next ThreadEntry::order; guarded by g_mutex.
static uint64_t g_order = 0;

void AddThread(ThreadId ident, const std::string& name, bool daemon, bool dummy) {
  auto e = std::make_shared<ThreadEntry>();
  e->ident = ident;
  e->name = name;
  e->daemon = daemon;
  e->dummy = dummy;
  std::lock_guard<std::mutex> guard(g_mutex);
  e->order = ++g_order;
  g_table.emplace(ident, std::move(e));
}

void ReserveThread(ThreadId ident) {
  auto e = std::make_shared<ThreadEntry>();
  e->ident = ident;
  e->daemon = true;
  e->state = kReserved;
  std::lock_guard<std::mutex> guard(g_mutex);
  g_table.emplace(ident, std::move(e));
}

void SpareReady(ThreadId ident) {
  std::lock_guard<std::mutex> guard(g_mutex);
  auto it = g_table.find(ident);
  // Only a row nobody has claimed yet; a claimed one is already starting.
  if (it != g_table.end() && it->second->state == kReserved) Slot(&it->second->state, 0).store(kIdle);
}

ClaimResult ClaimThread(ThreadId ident, const std::string& name, bool daemon, bool idle_only) {
  std::lock_guard<std::mutex> guard(g_mutex);
  auto it = g_table.find(ident);
  if (it == g_table.end()) return kGone;
  const int32_t state = it->second->state;
  if (state != kIdle && state != kReserved) return kGone;
  if (state == kReserved && idle_only) return kNotIdle;
  it->second->name = name;
  it->second->daemon = daemon;
  it->second->order = ++g_order;  // listed from its start, not its boot
  // Under the table mutex like every write of `state`; nobody parks on a
  // reserved row, so there is nobody to wake.
  Slot(&it->second->state, 0).store(kStarting);
  return kClaimed;
}

void ThreadRunning(ThreadId ident) {
  std::shared_ptr<ThreadEntry> entry;
  {
    std::lock_guard<std::mutex> guard(g_mutex);
    auto it = g_table.find(ident);
    if (it == g_table.end() || Hidden(*it->second)) return;
    entry = it->second;
    MarkRunning(*entry);
  }
  // Wake start(), which waits for this, as Python's does.
  UnparkSome(&entry->state, SIZE_MAX, nullptr);
}

void ThreadFinished(ThreadId ident) {
  std::shared_ptr<ThreadEntry> e;
  {
    std::lock_guard<std::mutex> guard(g_mutex);
    auto it = g_table.find(ident);
    if (it == g_table.end()) return;
    e = it->second;
    e->has_handle = false;  // the OS thread may be gone soon: never rename it
    // Under the table mutex, like every write of `state`, so that copies
    // made under it never race; joiners read it atomically.
    Slot(&e->state, 0).store(kFinished);
    g_table.erase(it);
  }
  UnparkSome(&e->state, SIZE_MAX, nullptr);
}

namespace {

// The visible row of `ident`, or end(). Under the table mutex.
std::map<ThreadId, std::shared_ptr<ThreadEntry>>::iterator Visible(ThreadId ident) {
  auto it = g_table.find(ident);
  if (it != g_table.end() && Hidden(*it->second)) return g_table.end();
  return it;
}

}  // namespace

bool RenameThread(ThreadId ident, const std::string& name) {
  std::lock_guard<std::mutex> guard(g_mutex);
  auto it = Visible(ident);
  if (it == g_table.end()) return false;
  it->second->name = name;
  NameOsThread(*it->second);
  return true;
}

bool SetThreadDaemon(ThreadId ident, bool daemon) {
  std::lock_guard<std::mutex> guard(g_mutex);
  auto it = Visible(ident);
  if (it == g_table.end()) return false;
  it->second->daemon = daemon;
  return true;
}

std::shared_ptr<ThreadEntry> FindThread(ThreadId ident) {
  std::lock_guard<std::mutex> guard(g_mutex);
  auto it = Visible(ident);
  if (it == g_table.end()) return nullptr;
  return std::make_shared<ThreadEntry>(*it->second);
}

std::vector<ThreadEntry> ListThreads() {
  std::lock_guard<std::mutex> guard(g_mutex);
  std::vector<ThreadEntry> out;
  out.reserve(g_table.size());
  for (const auto& [ident, e] : g_table)
    if (!Hidden(*e)) out.push_back(*e);
  std::sort(out.begin(), out.end(), [](const ThreadEntry& a, const ThreadEntry& b) { return a.order < b.order; });
  return out;
}

std::shared_ptr<ThreadEntry> JoinTarget(ThreadId ident) {
  std::lock_guard<std::mutex> guard(g_mutex);
  auto it = Visible(ident);
  return it == g_table.end() ? nullptr : it->second;
}

}  // namespace pthreading
