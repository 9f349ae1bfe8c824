// The process-wide thread table behind currentThread(), enumerate(),
// activeCount() and join(): every thread that pthreading knows, whichever
// thread asks. An entry is added by the thread that starts a Thread (or by a
// thread that loads pthreading on its own), filled in by the thread itself
// once running (native id, OS thread name), and marked finished when its run
// ends or its environment is torn down. Joiners park on the entry's state
// word; the entry outlives the table row while anybody waits on it.
#pragma once

#include <node_api.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pthreading {

struct ThreadEntry {
  double ident = 0;
  std::string name;
  bool daemon = false;
  bool dummy = false;      // not started by pthreading (main, raw Workers)
  double native_id = 0;    // 0 until the thread runs
  // kStarting -> kRunning -> kFinished; joiners park on this word.
  int32_t state = 0;
  bool has_handle = false;
  uint64_t handle = 0;     // pthread_t, for renaming from another thread
};

constexpr int32_t kStarting = 0;
constexpr int32_t kRunning = 1;
constexpr int32_t kFinished = 2;

// Next number for a default "Thread-N" / "Dummy-N" name; process-wide.
double NextThreadNumber();
// A new thread identity (Python's ident): unique for the process's life.
double NextIdent();

// Adds the row for `ident`, unless there is one.
void AddThread(double ident, const std::string& name, bool daemon, bool dummy);
// Called on the thread itself: records its native id and OS handle, names
// the OS thread, and marks it running.
void ThreadRunning(double ident);
// Marks `ident` finished, removes its row and wakes its joiners.
void ThreadFinished(double ident);
bool RenameThread(double ident, const std::string& name);
bool SetThreadDaemon(double ident, bool daemon);
// A copy of the row, or null if unknown or finished.
std::shared_ptr<ThreadEntry> FindThread(double ident);
std::vector<ThreadEntry> ListThreads();
// The entry to park on while joining, or null if the thread is finished.
std::shared_ptr<ThreadEntry> JoinTarget(double ident);
double CurrentNativeId();

}  // namespace pthreading
