#include "debug.h"

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

namespace pthreading {

namespace {

std::atomic<int> g_flags{0};
std::atomic<int64_t> g_next_id{0};

// Both graphs are touched only by instrumented locks in debug mode, so one
// mutex is enough.
std::mutex g_mutex;
std::map<int64_t, std::map<int64_t, OrderEdge>> g_order;  // from -> to -> first edge seen
std::deque<std::pair<int64_t, int64_t>> g_edges;           // g_order's edges, oldest first
std::set<std::pair<int64_t, int64_t>> g_reported;
struct Waiting {
  int64_t lock = 0;
  int64_t owner = 0;
  std::string lock_name;
};
std::unordered_map<int64_t, Waiting> g_waiting;  // thread -> the lock it waits for, and its owner

// The edges of a path from `start` to `goal` in the order graph, if any
// (breadth-first, so the shortest).
std::vector<OrderEdge> PathOf(int64_t start, int64_t goal) {
  std::map<int64_t, int64_t> parent{{start, start}};
  std::deque<int64_t> queue{start};
  while (!queue.empty()) {
    const int64_t at = queue.front();
    queue.pop_front();
    if (at == goal) {
      std::vector<OrderEdge> path;
      for (int64_t n = goal; n != start; n = parent[n]) path.insert(path.begin(), g_order[parent[n]][n]);
      return path;
    }
    auto it = g_order.find(at);
    if (it == g_order.end()) continue;
    for (const auto& [next, edge] : it->second) {
      if (parent.emplace(next, at).second) queue.push_back(next);
    }
  }
  return {};
}

// Forgets the oldest edges until there is room for one more. Under g_mutex.
void MakeRoom() {
  while (g_edges.size() >= kMaxOrderEdges) {
    const auto [from, to] = g_edges.front();
    g_edges.pop_front();
    auto out = g_order.find(from);
    if (out != g_order.end()) {
      out->second.erase(to);
      if (out->second.empty()) g_order.erase(out);
    }
    g_reported.erase({std::min(from, to), std::max(from, to)});
  }
}

}  // namespace

int DebugFlags() { return g_flags.load(std::memory_order_relaxed); }

void SetDebugFlags(int flags) { g_flags.store(flags, std::memory_order_relaxed); }

int64_t NextDebugId() { return g_next_id.fetch_add(1, std::memory_order_relaxed) + 1; }

std::vector<OrderEdge> RecordOrder(OrderEdge edge) {
  if (edge.from == edge.to) return {};
  std::lock_guard<std::mutex> guard(g_mutex);
  if (auto known = g_order.find(edge.from); known != g_order.end() && known->second.count(edge.to)) return {};  // nothing new
  std::vector<OrderEdge> cycle = PathOf(edge.to, edge.from);
  const int64_t from = edge.from, to = edge.to;
  MakeRoom();
  auto& out = g_order[from];
  out.emplace(to, std::move(edge));
  g_edges.emplace_back(from, to);
  if (cycle.empty()) return {};
  if (!g_reported.insert({std::min(from, to), std::max(from, to)}).second) return {};
  cycle.push_back(out[to]);
  return cycle;
}

std::vector<WaitLink> BeginWait(ThreadId thread, int64_t lock, const std::string& lock_name, ThreadId owner) {
  std::lock_guard<std::mutex> guard(g_mutex);
  g_waiting[thread] = Waiting{lock, owner, lock_name};
  std::vector<WaitLink> cycle{WaitLink{thread, lock_name}};
  std::set<int64_t> seen{thread};
  for (int64_t t = owner; t != thread;) {
    auto waits = g_waiting.find(t);
    if (t == 0 || waits == g_waiting.end() || !seen.insert(t).second) return {};
    cycle.push_back(WaitLink{t, waits->second.lock_name});
    t = waits->second.owner;
  }
  return cycle;
}

void EndWait(ThreadId thread) {
  std::lock_guard<std::mutex> guard(g_mutex);
  g_waiting.erase(thread);
}

}  // namespace pthreading
