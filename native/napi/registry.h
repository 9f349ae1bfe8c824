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

#include "core/parking.h"
#include "core/threads.h"

namespace pthreading {

// An async waiter: a parking-lot Waiter plus references (in the owner
// environment) to its words, so their memory lives while it is queued
// whatever JavaScript does, and to the function that receives the outcome.
struct AsyncWaiter : Waiter {
  napi_ref words_ref = nullptr;
  napi_ref callback_ref = nullptr;
};

class EnvState final : public Sleeper {
 public:
  explicit EnvState(napi_env env) : env_(env) {}

  // Creates the state for `env`, registers it as Node thread `thread_id`
  // (pthreading thread `ident`), and installs the cleanup hook. `ctl` is
  // this thread's control word (see RequestStop), an Int32Array over a
  // SharedArrayBuffer that the state keeps alive.
  static napi_status Create(napi_env env, ThreadId thread_id, ThreadId ident, napi_value ctl, int32_t* ctl_word,
                            std::shared_ptr<EnvState>* out);
  // The state of `env`, or null before Create().
  static std::shared_ptr<EnvState> Of(napi_env env);

  ThreadId thread_id() const { return thread_id_; }

  // Cancels every sync wait of this thread, now and later. Any thread.
  void Cancel();

  // Async waiters; env thread only. A waiter holds references to its words
  // and to the function that receives its outcome, released when it is
  // dispatched, cancelled or torn down.
  AsyncWaiter* NewAsyncWaiter(napi_value words, napi_value callback);
  AsyncWaiter* FindAsyncWaiter(uint32_t id);
  void DropAsyncWaiter(uint32_t id);

  // Hands a woken async waiter's wake-up to this environment. Any thread;
  // the caller's caller holds `word`. If this thread is blocked in a sync
  // wait (so the waiter cannot run), the wake-up is also passed on.
  void Deliver(uint32_t id, int op, int32_t* word) override;

  // Around a sync wait of this thread (env thread only): the async waiters
  // it holds woken cannot run meanwhile, so their wake-ups are passed on,
  // and so are those delivered while it sleeps.
  void BeginSyncPark() override;
  void EndSyncPark() override;

  // A Barrier party: until LeaveParty(id), the thread ending (however it
  // ends) counts as the party leaving: slot 2 of `words` (a Condition's)
  // goes up by one and its waiters wake (src/sync/barrier.ts). Env thread only.
  uint32_t EnrolParty(napi_value words, int32_t* word);
  void LeaveParty(uint32_t id);

  // The thread's run() has ended and its worker is to run another thread,
  // `ident` (src/worker.ts): the old row goes, and the new one is reserved
  // and idle, as a warm worker's. Refused (false) while anything of the old
  // thread is still here: an async waiter, a Barrier party, a cancel or a
  // stop request. Env thread only.
  bool Recycle(ThreadId ident);

  // Number of live environments and async waiters, for leak checks.
  static size_t LiveEnvs();
  size_t AsyncWaiterCount() const { return async_waiters_.size(); }

 private:
  struct Ready {
    uint32_t id;
    bool passed;  // its wake-up was already passed on
  };
  struct Party {
    napi_ref ref;
    int32_t* word;
  };
  static void CallJs(napi_env env, napi_value, void* context, void*);
  static void Cleanup(void* arg);
  void Drain();
  void RefLoop(bool ref);
  void ReleaseRefs(AsyncWaiter* w);
  friend int RequestStop(ThreadId thread_id);

  napi_env env_;
  ThreadId thread_id_ = 0;  // Node's threadId: how Worker#terminate finds us
  ThreadId ident_ = 0;      // pthreading's ident: our row in the thread table

  // Env thread only.
  napi_ref ctl_ref_ = nullptr;
  napi_threadsafe_function tsfn_ = nullptr;
  std::unordered_map<uint32_t, std::unique_ptr<AsyncWaiter>> async_waiters_;
  uint32_t next_id_ = 1;
  bool loop_ref_ = false;
  std::unordered_map<uint32_t, Party> parties_;
  uint32_t next_party_ = 1;

  // Guards delivery and stop requests from other threads against teardown.
  std::mutex mutex_;
  bool alive_ = true;
  bool scheduled_ = false;
  bool sync_parked_ = false;
  std::vector<Ready> ready_;
  int32_t* ctl_ = nullptr;  // read by other threads under mutex_ while alive_
};

// The control word of a thread: bit 30 is "stop requested", the bits below
// count the critical sections of pthreading's internal locks the thread is
// in (src/sync/critical.ts keeps them). A thread is never terminated
// inside one: RequestStop sets the bit and says whether to terminate now
// (returns 1) or to leave that to the thread as it leaves its last
// critical section (2). 0: no such thread (not registered, or gone).
constexpr int32_t kStopBit = 1 << 30;
int RequestStop(ThreadId thread_id);

// Cancels the sync waits of Node thread `thread_id`. False if it has not
// registered yet: it will start cancelled (until ForgetCancel).
bool CancelThread(ThreadId thread_id);
// Drops a pending early cancel (the Worker has exited).
void ForgetCancel(ThreadId thread_id);
// Cancels every thread's sync waits except the caller's environment, and
// those of every thread that registers from now on (the process is exiting).
void CancelAllExcept(const EnvState* self);

}  // namespace pthreading
