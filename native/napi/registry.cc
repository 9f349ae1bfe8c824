#include "napi/registry.h"

#include <cstdint>
#include <unordered_set>

#include "core/check.h"
#include "core/debug.h"
#include "core/ops.h"
#include "core/shm.h"
#include "core/threads.h"

// An N-API call whose failure leaves nothing to undo (a release in
// teardown): its status is still checked, and in debug and sanitizer
// builds a failure aborts with the call's text.
#define PT_NAPI(call)                                     \
  do {                                                    \
    const auto pt_status_ = (call);                       \
    PT_CHECK(pt_status_ == napi_ok, #call " did not return napi_ok"); \
    (void)pt_status_;                                     \
  } while (0)

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

// Relaxed: a statistic (nativeStats), ordering nothing.
size_t EnvState::LiveEnvs() { return g_live_envs.load(std::memory_order_relaxed); }

napi_status EnvState::Create(napi_env env, ThreadId thread_id, ThreadId ident, napi_value ctl, int32_t* ctl_word,
                             std::shared_ptr<EnvState>* out) {
  if (auto existing = Of(env)) {
    *out = existing;
    return napi_ok;
  }
  auto state = std::make_shared<EnvState>(env);
  state->thread_id_ = thread_id;
  state->ident_ = ident;
  napi_status s = napi_create_reference(env, ctl, 1, &state->ctl_ref_);
  if (s != napi_ok) return s;
  state->ctl_ = ctl_word;
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
  cancel_seq_.fetch_add(1, std::memory_order_seq_cst);
  mp::WakeCancel(&cancel_seq_);
}

AsyncWaiter* EnvState::NewAsyncWaiter(napi_value words, napi_value callback) {
  auto w = std::make_unique<AsyncWaiter>();
  w->is_async = true;
  if (words != nullptr && napi_create_reference(env_, words, 1, &w->words_ref) != napi_ok) return nullptr;
  if (napi_create_reference(env_, callback, 1, &w->callback_ref) != napi_ok) {
    ReleaseRefs(w.get());
    return nullptr;
  }
  w->async_id = next_id_++;
  if (next_id_ == 0) next_id_ = 1;
  w->env = Of(env_);
  AsyncWaiter* raw = w.get();
  async_waiters_[raw->async_id] = std::move(w);
  RefLoop(true);
  return raw;
}

void EnvState::ReleaseRefs(AsyncWaiter* w) {
  if (w->words_ref) PT_NAPI(napi_delete_reference(env_, w->words_ref));
  if (w->callback_ref) PT_NAPI(napi_delete_reference(env_, w->callback_ref));
  w->words_ref = w->callback_ref = nullptr;
}

AsyncWaiter* EnvState::FindAsyncWaiter(uint32_t id) {
  auto it = async_waiters_.find(id);
  return it == async_waiters_.end() ? nullptr : it->second.get();
}

void EnvState::DropAsyncWaiter(uint32_t id) {
  auto it = async_waiters_.find(id);
  if (it == async_waiters_.end()) return;
  ReleaseRefs(it->second.get());
  async_waiters_.erase(it);
  if (async_waiters_.empty()) RefLoop(false);
}

void EnvState::RefLoop(bool ref) {
  if (ref == loop_ref_) return;
  // Fails only while the environment is being torn down, when whether its
  // loop stays alive no longer matters: the state is left as it was.
  const napi_status s = ref ? napi_ref_threadsafe_function(env_, tsfn_) : napi_unref_threadsafe_function(env_, tsfn_);
  if (s == napi_ok) loop_ref_ = ref;
}

void EnvState::Deliver(uint32_t id, int op, int32_t* word) {
  bool pass;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    // The environment is going: Cleanup passes on the wake-ups of the
    // waiters it finds woken but undispatched, this one among them.
    if (!alive_) return;
    pass = sync_parked_;
    ready_.push_back(Ready{id, pass});
    // Non-blocking; fails only while the function is closing, which the
    // alive_ flag (cleared under this mutex) already excludes. Were it to
    // fail, the next delivery tries again, and teardown passes on the rest.
    if (!scheduled_) scheduled_ = napi_call_threadsafe_function(tsfn_, nullptr, napi_tsfn_nonblocking) == napi_ok;
  }
  // The thread is blocked in a sync wait: the waiter cannot run to use
  // the wake-up now, so it must not be the only one. It still gets its
  // turn (and retries) once its thread runs again.
  if (pass) PassOn(op, word);
}

void EnvState::BeginSyncPark() {
  if (async_waiters_.empty()) return;  // no async waiter: nothing to pass on
  std::vector<std::pair<int, int32_t*>> pass;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    sync_parked_ = true;
    for (Ready& r : ready_) {
      if (r.passed) continue;
      r.passed = true;
      // Undispatched, so still in the map; its reference keeps the words.
      if (AsyncWaiter* w = FindAsyncWaiter(r.id)) pass.emplace_back(w->op, w->word);
    }
  }
  for (auto& [op, word] : pass) PassOn(op, word);
}

void EnvState::EndSyncPark() {
  if (!sync_parked_) return;  // only this thread sets it
  std::lock_guard<std::mutex> guard(mutex_);
  sync_parked_ = false;
}

uint32_t EnvState::EnrolParty(napi_value words, int32_t* word) {
  napi_ref ref;
  if (napi_create_reference(env_, words, 1, &ref) != napi_ok) return 0;
  const uint32_t id = next_party_++;
  if (next_party_ == 0) next_party_ = 1;
  parties_[id] = Party{ref, word};
  return id;
}

void EnvState::LeaveParty(uint32_t id) {
  auto it = parties_.find(id);
  if (it == parties_.end()) return;
  // Fails only in teardown, when the environment frees every reference.
  if (napi_delete_reference(env_, it->second.ref) != napi_ok) return;
  parties_.erase(it);
}

void EnvState::CallJs(napi_env env, napi_value, void* context, void*) {
  if (env == nullptr) return;  // finalizing: nothing to deliver
  static_cast<EnvState*>(context)->Drain();
}

void EnvState::Drain() {
  std::vector<Ready> batch;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    batch.swap(ready_);
    scheduled_ = false;
  }
  napi_value global, status;
  if (napi_get_global(env_, &global) != napi_ok || napi_create_int32(env_, kUnparked, &status) != napi_ok) {
    // Cannot call into JavaScript (the thread is going): keep the batch.
    // The waiters stay in the map, so Cleanup passes their wake-ups on.
    std::lock_guard<std::mutex> guard(mutex_);
    ready_.insert(ready_.begin(), batch.begin(), batch.end());
    return;
  }
  for (size_t i = 0; i < batch.size(); i++) {
    AsyncWaiter* w = FindAsyncWaiter(batch[i].id);
    if (!w) continue;  // removed by a timeout or abort
    napi_value fn = nullptr, result;
    if (napi_get_reference_value(env_, w->callback_ref, &fn) != napi_ok) fn = nullptr;
    // The waiter goes; its words stay referenced until the call is over,
    // so a pass-on below still points at live memory.
    const int op = w->op;
    int32_t* word = w->word;
    napi_ref words_ref = w->words_ref;
    w->words_ref = nullptr;
    DropAsyncWaiter(batch[i].id);
    // The callbacks (src/runtime/native.ts) never throw: a failed call means
    // JavaScript cannot run here any more (the thread is being torn down,
    // and the call reports its termination as a pending exception). This
    // waiter's wake-up then goes to the next waiter, and the rest of the
    // batch stays for Cleanup, which passes each on.
    const bool delivered = fn && napi_call_function(env_, global, fn, 1, &status, &result) == napi_ok;
    if (!delivered) PassOn(op, word);
    if (words_ref) PT_NAPI(napi_delete_reference(env_, words_ref));
    if (!delivered) {
      std::lock_guard<std::mutex> guard(mutex_);
      ready_.insert(ready_.begin(), batch.begin() + static_cast<std::ptrdiff_t>(i) + 1, batch.end());
      return;
    }
  }
}

void EnvState::Cleanup(void* arg) {
  auto* self = static_cast<EnvState*>(arg);
  {
    std::lock_guard<std::mutex> guard(self->mutex_);
    self->alive_ = false;
    self->ctl_ = nullptr;
    self->ready_.clear();
  }
  self->Cancel();
  {
    std::lock_guard<std::mutex> guard(g_threads_mutex);
    auto it = g_threads.find(static_cast<int64_t>(self->thread_id_));
    if (it != g_threads.end() && it->second.lock().get() == self) g_threads.erase(it);
  }
  // Leave every primitive as if this environment's async waiters had never
  // queued: a queued one is removed as if it timed out; one woken but never
  // dispatched passes its wake-up on. Their references keep the words
  // alive until this is done.
  for (auto& [id, w] : self->async_waiters_) {
    if (!RemoveWaiter(w.get(), CallbacksFor(w->op).timed_out)) PassOn(w->op, w->word);
  }
  // A Barrier party that never left leaves now.
  for (auto& [id, party] : self->parties_) {
    Slot(party.word, kDepartedSlot).fetch_add(1);
    WakeWaiters(party.word, SIZE_MAX);
    PT_NAPI(napi_delete_reference(self->env_, party.ref));
  }
  self->parties_.clear();
  for (auto& [id, w] : self->async_waiters_) {
    self->ReleaseRefs(w.get());
    w->env.reset();  // break the cycle
  }
  self->async_waiters_.clear();
  // A thread that ends waiting waits no more (deadlock detection's
  // waits-for graph), and, however it ends (run() returned, an error,
  // terminate()), its joiners wake now.
  EndWait(static_cast<int64_t>(self->ident_));
  ThreadFinished(self->ident_);
  // The environment is going: a failing release leaves nothing to undo,
  // but cannot happen (checked in debug and sanitizer builds).
  PT_NAPI(napi_release_threadsafe_function(self->tsfn_, napi_tsfn_abort));
  PT_NAPI(napi_delete_reference(self->env_, self->ctl_ref_));
  self->ctl_ref_ = nullptr;
  g_live_envs.fetch_sub(1, std::memory_order_relaxed);
}

bool EnvState::Recycle(ThreadId ident) {
  if (!async_waiters_.empty() || !parties_.empty() || cancelled_.load()) return false;
  // Sequentially consistent, as RequestStop's fetch_or: a stop asked from
  // here on finds the worker idle, and terminating an idle worker is safe.
  if (ctl_ && (Slot(ctl_, 0).load() & kStopBit) != 0) return false;
  EndWait(static_cast<int64_t>(ident_));
  ThreadFinished(ident_);
  ident_ = ident;
  ReserveThread(ident);
  SpareReady(ident);
  return true;
}

int RequestStop(ThreadId thread_id) {
  std::shared_ptr<EnvState> env;
  {
    std::lock_guard<std::mutex> guard(g_threads_mutex);
    auto it = g_threads.find(static_cast<int64_t>(thread_id));
    if (it != g_threads.end()) env = it->second.lock();
  }
  if (!env) return 0;
  std::lock_guard<std::mutex> guard(env->mutex_);
  if (!env->alive_ || !env->ctl_) return 0;
  // Sequentially consistent, as the thread's Atomics: either it sees the
  // bit as it enters a critical section (and does not), or we see it
  // inside one (and it stops itself as it leaves).
  const int32_t before = Slot(env->ctl_, 0).fetch_or(kStopBit);
  return (before & ~kStopBit) == 0 ? 1 : 2;
}

bool CancelThread(ThreadId thread_id) {
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

void ForgetCancel(ThreadId thread_id) {
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
