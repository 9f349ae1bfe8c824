// The process-wide thread table behind currentThread(), enumerate(),
// activeCount() and join(): every thread that pthreading knows, whichever
// thread asks. An entry is added by the thread that starts a Thread (or by a
// thread that loads pthreading on its own), filled in by the thread itself
// once running (native id, OS thread name), and marked finished when its run
// ends or its environment is torn down. Joiners park on the entry's state
// word; the entry outlives the table row while anybody waits on it.
//
// A warm worker (a Worker booted ahead of start(), see src/threads/thread.ts) has a
// reserved row from the moment it is created, hidden from every lookup;
// once the worker has loaded pthreading (so that its teardown, whenever it
// comes, removes the row, like any row's) it marks the row idle. start()
// claims the row (ClaimThread), an idle one first, before handing the
// worker its job: a worker that has died after loading pthreading, even
// one whose exit event has not reached JavaScript yet, is never picked.
#pragma once


#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pthreading {

// Every thread identity is this one integer type end to end: pthreading's
// ident (Python's get_ident()), Node's threadId, the OS's native id.
// JavaScript sees them as Numbers; the N-API layer accepts only safe
// integers (below 2^53) and converts once, at the boundary.
using ThreadId = int64_t;

struct ThreadEntry {
  ThreadId ident = 0;
  std::string name;
  bool daemon = false;
  bool dummy = false;      // not started by pthreading (main, raw Workers)
  ThreadId native_id = 0;    // 0 until the thread runs
  // [kReserved -> [kIdle ->]] kStarting -> kRunning -> kFinished; joiners
  // park on this word.
  int32_t state = 0;
  // When the thread was added or started: enumerate() lists threads in
  // this order, as Python's lists them in the order they started.
  uint64_t order = 0;
  bool has_handle = false;
  uint64_t handle = 0;     // pthread_t, for renaming from another thread
};

constexpr int32_t kStarting = 0;
constexpr int32_t kRunning = 1;
constexpr int32_t kFinished = 2;
// A warm worker's row before start() claims it, booting (kReserved) or
// booted (kIdle): invisible to lookups.
constexpr int32_t kReserved = 3;
constexpr int32_t kIdle = 4;

// Next number for a default "Thread-N" / "Dummy-N" name; process-wide.
ThreadId NextThreadNumber();
// A new thread identity (Python's ident): unique for the process's life.
ThreadId NextIdent();

// Adds the row for `ident`, unless there is one.
void AddThread(ThreadId ident, const std::string& name, bool daemon, bool dummy);
// Adds a hidden row for the warm worker that will run thread `ident`.
void ReserveThread(ThreadId ident);
// Called on the warm worker itself once it has registered (registerThread).
void SpareReady(ThreadId ident);
// Turns the reserved row of `ident` (only an idle one if `idle_only`) into
// a starting thread named `name`. kClaimed, or kNotIdle (still booting), or
// kGone: the worker's environment has been torn down.
enum ClaimResult : int32_t { kGone = 0, kClaimed = 1, kNotIdle = 2 };
ClaimResult ClaimThread(ThreadId ident, const std::string& name, bool daemon, bool idle_only);
// Called on the thread itself: records its native id and OS handle, names
// the OS thread, and marks it running.
void ThreadRunning(ThreadId ident);
// Marks `ident` finished, removes its row (reserved or not) and wakes its
// joiners.
void ThreadFinished(ThreadId ident);
bool RenameThread(ThreadId ident, const std::string& name);
bool SetThreadDaemon(ThreadId ident, bool daemon);
// A copy of the row, or null if unknown or finished.
std::shared_ptr<ThreadEntry> FindThread(ThreadId ident);
std::vector<ThreadEntry> ListThreads();
// The entry to park on while joining, or null if the thread is finished.
std::shared_ptr<ThreadEntry> JoinTarget(ThreadId ident);
ThreadId CurrentNativeId();
// The Workers pthreading starts (warm workers, so every thread), by Node
// thread id, with the Node thread id of the thread that started them. A
// Worker's Workers end with it, and Node waits for them first: so when a
// thread's waits are cancelled because it is being terminated, theirs must
// be too (see cancelThread in addon.cc), or a worker asleep in a native
// wait holds the terminated one up for ever.
void AdoptWorker(ThreadId parent, ThreadId child);
// The Worker `child` has exited.
void ForgetWorker(ThreadId child);
// The Workers started by `thread`, by them, and so on, all forgotten: they
// are ending with it.
std::vector<ThreadId> TakeDescendants(ThreadId thread);

// Identifies this copy of the addon in the process: two copies of the
// package (two .node files) have separate tables and parking lots, and
// each refuses the other's primitives by this number.
double LibraryCopyId();

}  // namespace pthreading
