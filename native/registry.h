// Process-wide and per-environment state.
//
// Every JS environment (the main thread and each worker) that loads the
// addon gets one EnvState: the Parker its sync waits sleep on, a cancel flag
// raised when the thread is being torn down, and the async machinery — the
// async waiters it owns and the thread-safe function through which other
// threads wake them. A process-wide table maps Node thread ids to EnvStates
// so that any thread can cancel another thread's waits (Worker#terminate,
// process exit).
#pragma once

#include <node_api.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "parking.h"

namespace pthreading {

class EnvState {
 public:
  explicit EnvState(napi_env env) : env_(env) {}

  // Creates the state for `env`, registers it as Node thread `thread_id`
  // (pthreading thread `ident`),
  // and installs the cleanup hook. `dispatch(id, status)` is called on this
  // thread for every async waiter that is woken.
  static napi_status Create(napi_env env, double thread_id, double ident, napi_value dispatch,
                            std::shared_ptr<EnvState>* out);
  // The state of `env`, or null before Create().
  static std::shared_ptr<EnvState> Of(napi_env env);

  Parker& parker() { return parker_; }
  const std::atomic<bool>& cancelled() const { return cancelled_; }
  double thread_id() const { return thread_id_; }

  // Cancels every sync wait of this thread, now and later. Any thread.
  void Cancel();

  // Async waiters; env thread only.
  Waiter* NewAsyncWaiter();
  Waiter* FindAsyncWaiter(uint32_t id);
  void DropAsyncWaiter(uint32_t id);

  // Hands a woken async waiter's result to this environment. Any thread.
  void Deliver(uint32_t id, int32_t token);

  // Number of live environments and async waiters, for leak checks.
  static size_t LiveEnvs();
  size_t AsyncWaiterCount() const { return async_waiters_.size(); }

 private:
  static void CallJs(napi_env env, napi_value, void* context, void*);
  static void Cleanup(void* arg);
  void Drain();
  void RefLoop(bool ref);

  napi_env env_;
  double thread_id_ = 0;  // Node's threadId: how Worker#terminate finds us
  double ident_ = 0;      // pthreading's ident: our row in the thread table
  Parker parker_;
  std::atomic<bool> cancelled_{false};

  // Env thread only.
  napi_ref dispatch_ = nullptr;
  napi_threadsafe_function tsfn_ = nullptr;
  std::unordered_map<uint32_t, std::unique_ptr<Waiter>> async_waiters_;
  uint32_t next_id_ = 1;
  bool loop_ref_ = false;

  // Guards delivery from other threads against teardown.
  std::mutex mutex_;
  bool alive_ = true;
  bool scheduled_ = false;
  std::vector<std::pair<uint32_t, int32_t>> ready_;
};

// Cancels the sync waits of Node thread `thread_id`. False if it has not
// registered yet: it will start cancelled (until ForgetCancel).
bool CancelThread(double thread_id);
// Drops a pending early cancel (the Worker has exited).
void ForgetCancel(double thread_id);
// Cancels every thread's sync waits except the caller's environment, and
// those of every thread that registers from now on (the process is exiting).
void CancelAllExcept(const EnvState* self);

}  // namespace pthreading
