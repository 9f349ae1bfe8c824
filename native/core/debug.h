// Deadlock detection (off unless PTHREADING_DEBUG or setDebug() turns it
// on): a process-wide lock-order graph and waits-for graph, fed by the
// JavaScript side of instrumented locks (src/debug/debug.ts). As in Linux's
// lockdep and Abseil's Mutex deadlock detection, an edge A -> B means some
// thread took B while holding A; adding an edge that closes a cycle is a
// potential deadlock, reported the first time, before any thread hangs.
#pragma once

#include <cstdint>
#include <string>

#include "threads.h"
#include <vector>

namespace pthreading {

// Process-wide debug switches (bit 1: contention stats, bit 2: deadlock).
int DebugFlags();
void SetDebugFlags(int flags);
// Ids of instrumented primitives, unique in the process.
int64_t NextDebugId();

// One lock-order edge: `thread` took `to` (at `to_stack`) while holding
// `from` (taken at `from_stack`).
struct OrderEdge {
  int64_t from = 0;
  int64_t to = 0;
  std::string from_name, to_name, thread, from_stack, to_stack;
};

// The lock-order graph keeps at most this many edges (each with its two
// stacks), so a long-running process that creates locks for ever does not
// grow it for ever: past the cap, the oldest edge is forgotten first (with
// its "already reported" mark). A cycle whose first order was recorded more
// than kMaxOrderEdges orders ago is then not reported.
constexpr size_t kMaxOrderEdges = 4096;

// Records the edge. If `to` already leads to `from`, returns the cycle: the
// edges of that path, then the new edge; once per pair of locks.
std::vector<OrderEdge> RecordOrder(OrderEdge edge);

// A link of a real deadlock: `thread` waits for `lock`.
struct WaitLink {
  ThreadId thread = 0;
  std::string lock_name;
};

// `thread` is about to block on `lock`, held by `owner` (as the lock's
// shared debug block says). If the waiters now form a cycle back to
// `thread`, returns it: each thread and the lock it waits for.
std::vector<WaitLink> BeginWait(ThreadId thread, int64_t lock, const std::string& lock_name, ThreadId owner);
void EndWait(ThreadId thread);

}  // namespace pthreading
