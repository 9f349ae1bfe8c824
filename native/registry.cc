#include "registry.h"

#include <cstdint>
#include <unordered_set>

#include "ops.h"
#include "threads.h"

namespace pthreading {

namespace {

// Node thread id -> environment, for cross-thread cancellation.
std::mutex g_threads_mutex;
std::unordered_map<int64_t, std::weak_ptr<EnvState>> g_threads;
// Threads cancelled before they registered (terminate() raced their
// start-up): they start cancelled. Cleared when the Worker exits.
std::unordered_set<int64_t> g_cancelled_early;
// Set once the process is exiting: threads that register afterwards (a
// worker still booting) start cancelled too.
bool g_exiting = false;
std::atomic<size_t> g_live_envs{0};

struct Holder {
  std::shared_ptr<EnvState> state;
};

void FinalizeHolder(napi_env, void* data, void*) { delete static_cast<Holder*>(data); }

}  // namespace

size_t EnvState::LiveEnvs() { return g_live_envs.load(std::memory_order_relaxed); }

napi_status EnvState::Create(napi_env env, double thread_id, double ident, napi_value dispatch,
                             std::shared_ptr<EnvState>* out) {
  if (auto existing = Of(env)) {
    *out = existing;
    return napi_ok;
  }
  auto state = std::make_shared<EnvState>(env);
  state->thread_id_ = thread_id;
  state->ident_ = ident;
  napi_status s = napi_create_reference(env, dispatch, 1, &state->dispatch_);
  if (s != napi_ok) return s;
  napi_value name;
  s = napi_create_string_utf8(env, "pthreading.wake", NAPI_AUTO_LENGTH, &name);
  if (s != napi_ok) return s;
  // One wake handle per environment: other threads post to it and CallJs
  // drains every woken async waiter at once. Unref'd while no async waiter
  // is pending, so it never keeps an idle thread alive.
  s = napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, nullptr,
                                      nullptr, state.get(), CallJs, &state->tsfn_);
  if (s != napi_ok) return s;
  s = napi_unref_threadsafe_function(env, state->tsfn_);
  if (s != napi_ok) return s;
  auto* holder = new Holder{state};
  s = napi_set_instance_data(env, holder, FinalizeHolder, nullptr);
  if (s != napi_ok) {
    delete holder;
    return s;
  }
  // Added after the thread-safe function, so it runs before Node tears that
  // function down (cleanup hooks run in reverse order).
  s = napi_add_env_cleanup_hook(env, Cleanup, state.get());
  if (s != napi_ok) return s;
  {
    std::lock_guard<std::mutex> guard(g_threads_mutex);
    g_threads[static_cast<int64_t>(thread_id)] = state;
    if (g_cancelled_early.erase(static_cast<int64_t>(thread_id)) || g_exiting) state->cancelled_.store(true);
  }
  g_live_envs.fetch_add(1, std::memory_order_relaxed);
  *out = std::move(state);
  return napi_ok;
}

std::shared_ptr<EnvState> EnvState::Of(napi_env env) {
  void* data = nullptr;
  if (napi_get_instance_data(env, &data) != napi_ok || data == nullptr) return nullptr;
  return static_cast<Holder*>(data)->state;
}

void EnvState::Cancel() {
  // Sequentially consistent, paired with Parker::Prepare(): a thread about
  // to sleep either sees the flag or is seen parked and interrupted.
  cancelled_.store(true, std::memory_order_seq_cst);
  parker_.Interrupt();
}

Waiter* EnvState::NewAsyncWaiter() {
  auto w = std::make_unique<Waiter>();
  w->is_async = true;
  w->async_id = next_id_++;
  if (next_id_ == 0) next_id_ = 1;
  w->env = Of(env_);
  Waiter* raw = w.get();
  async_waiters_[raw->async_id] = std::move(w);
  RefLoop(true);
  return raw;
}

Waiter* EnvState::FindAsyncWaiter(uint32_t id) {
  auto it = async_waiters_.find(id);
  return it == async_waiters_.end() ? nullptr : it->second.get();
}

void EnvState::DropAsyncWaiter(uint32_t id) {
  async_waiters_.erase(id);
  if (async_waiters_.empty()) RefLoop(false);
}

void EnvState::RefLoop(bool ref) {
  if (ref == loop_ref_) return;
  loop_ref_ = ref;
  if (ref) napi_ref_threadsafe_function(env_, tsfn_);
  else napi_unref_threadsafe_function(env_, tsfn_);
}

void EnvState::Deliver(uint32_t id, int32_t token) {
  std::lock_guard<std::mutex> guard(mutex_);
  if (!alive_) return;  // the environment is gone; its waiters went with it
  ready_.emplace_back(id, token);
  if (!scheduled_) {
    scheduled_ = true;
    // Non-blocking; fails only while the function is closing, which the
    // alive_ flag (cleared under this mutex) already excludes.
    napi_call_threadsafe_function(tsfn_, nullptr, napi_tsfn_nonblocking);
  }
}

void EnvState::CallJs(napi_env env, napi_value, void* context, void*) {
  if (env == nullptr) return;  // finalizing: nothing to deliver
  static_cast<EnvState*>(context)->Drain();
}

void EnvState::Drain() {
  std::vector<std::pair<uint32_t, int32_t>> batch;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    batch.swap(ready_);
    scheduled_ = false;
  }
  napi_value list;
  if (napi_create_array_with_length(env_, batch.size() * 2, &list) != napi_ok) return;
  uint32_t n = 0;
  for (const auto& [id, token] : batch) {
    if (!FindAsyncWaiter(id)) continue;  // removed by a timeout or abort
    async_waiters_.erase(id);
    napi_value v;
    napi_create_uint32(env_, id, &v);
    napi_set_element(env_, list, n++, v);
    napi_create_int32(env_, token, &v);
    napi_set_element(env_, list, n++, v);
  }
  if (async_waiters_.empty()) RefLoop(false);
  if (n == 0) return;
  napi_value fn, global, result;
  if (napi_get_reference_value(env_, dispatch_, &fn) != napi_ok) return;
  napi_get_global(env_, &global);
  napi_call_function(env_, global, fn, 1, &list, &result);
}

void EnvState::Cleanup(void* arg) {
  auto* self = static_cast<EnvState*>(arg);
  {
    std::lock_guard<std::mutex> guard(self->mutex_);
    self->alive_ = false;
    self->ready_.clear();
  }
  self->Cancel();
  {
    std::lock_guard<std::mutex> guard(g_threads_mutex);
    auto it = g_threads.find(static_cast<int64_t>(self->thread_id_));
    if (it != g_threads.end() && it->second.lock().get() == self) g_threads.erase(it);
  }
  // Take this environment's async waiters out of every queue, leaving each
  // primitive's word as if they had timed out.
  for (auto& [id, w] : self->async_waiters_)
    RemoveWaiter(w.get(), CallbacksFor(w->op).timed_out);
  for (auto& [id, w] : self->async_waiters_) w->env.reset();  // break the cycle
  self->async_waiters_.clear();
  // However this thread ends (run() returned, an error, terminate()), its
  // joiners wake now.
  ThreadFinished(self->ident_);
  napi_release_threadsafe_function(self->tsfn_, napi_tsfn_abort);
  napi_delete_reference(self->env_, self->dispatch_);
  self->dispatch_ = nullptr;
  g_live_envs.fetch_sub(1, std::memory_order_relaxed);
}

bool CancelThread(double thread_id) {
  std::shared_ptr<EnvState> env;
  {
    std::lock_guard<std::mutex> guard(g_threads_mutex);
    auto it = g_threads.find(static_cast<int64_t>(thread_id));
    if (it != g_threads.end()) env = it->second.lock();
    if (!env) g_cancelled_early.insert(static_cast<int64_t>(thread_id));
  }
  if (!env) return false;
  env->Cancel();
  return true;
}

void ForgetCancel(double thread_id) {
  std::lock_guard<std::mutex> guard(g_threads_mutex);
  g_cancelled_early.erase(static_cast<int64_t>(thread_id));
}

void CancelAllExcept(const EnvState* self) {
  std::vector<std::shared_ptr<EnvState>> envs;
  {
    std::lock_guard<std::mutex> guard(g_threads_mutex);
    g_exiting = true;
    for (auto& [id, weak] : g_threads)
      if (auto env = weak.lock(); env && env.get() != self) envs.push_back(env);
  }
  for (auto& env : envs) env->Cancel();
}

}  // namespace pthreading
