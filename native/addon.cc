// Module init and the native boundary: every function JavaScript can call,
// each validating its arguments and turning them into calls on parking.h,
// ops.h and registry.h. src/native.ts is the only caller.
#include <napi.h>

#include <cmath>

#include "ops.h"
#include "registry.h"

namespace pthreading {

namespace {

Napi::Value Fail(Napi::Env env, const char* message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

std::shared_ptr<EnvState> StateOrThrow(Napi::Env env) {
  auto state = EnvState::Of(env);
  if (!state) Napi::Error::New(env, "pthreading: thread not registered").ThrowAsJavaScriptException();
  return state;
}

// The primitive's words: an Int32Array with at least `slots` elements.
int32_t* WordsOf(Napi::Value value, int slots) {
  if (!value.IsTypedArray()) return nullptr;
  auto typed = value.As<Napi::TypedArray>();
  if (typed.TypedArrayType() != napi_int32_array) return nullptr;
  auto arr = value.As<Napi::Int32Array>();
  if (arr.ElementLength() < static_cast<size_t>(slots)) return nullptr;
  return arr.Data();
}

int OpOf(Napi::Value value) {
  if (!value.IsNumber()) return 0;
  const int op = value.As<Napi::Number>().Int32Value();
  return IsOp(op) ? op : 0;
}

// before_sleep for Condition: release the condition's lock.
void ReleaseLock(void* ctx) { UnlockWord(static_cast<int32_t*>(ctx)); }

struct ParkArgs {
  int op = 0;
  int32_t* word = nullptr;
  ParkCallbacks cb;
};

// Parses (op, words, ..., lockWords?) with lockWords at `lock_index`.
bool ParsePark(const Napi::CallbackInfo& info, size_t lock_index, ParkArgs* out) {
  out->op = OpOf(info[0]);
  if (!out->op) return false;
  out->word = WordsOf(info[1], SlotsFor(out->op));
  if (!out->word) return false;
  out->cb = CallbacksFor(out->op);
  if (out->op == kOpCondition) {
    int32_t* lock = WordsOf(info[lock_index], 1);
    if (!lock) return false;
    out->cb.before_sleep = ReleaseLock;
    out->cb.ctx = lock;
  }
  return true;
}

// registerThread(threadId, dispatch(list)) -> undefined
Napi::Value RegisterThread(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber() || !info[1].IsFunction())
    return Fail(env, "registerThread(threadId, dispatch)");
  std::shared_ptr<EnvState> state;
  if (EnvState::Create(env, info[0].As<Napi::Number>().DoubleValue(), info[1], &state) != napi_ok) {
    Napi::Error::New(env, "pthreading: cannot set up this thread").ThrowAsJavaScriptException();
  }
  return env.Undefined();
}

// park(op, words, timeoutSeconds, lockWords?) -> Status
Napi::Value Park(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ParkArgs args;
  if (!ParsePark(info, 3, &args) || !info[2].IsNumber())
    return Fail(env, "park(op, words, timeout, lockWords?)");
  auto state = StateOrThrow(env);
  if (!state) return env.Undefined();
  if (args.op == kOpLock && SpinForLock(args.word)) return Napi::Number::New(env, kInvalid);
  const Deadline deadline = DeadlineAfter(info[2].As<Napi::Number>().DoubleValue());
  return Napi::Number::New(env, ParkSync(state, args.word, args.op, args.cb, deadline));
}

// parkAsync(op, words, lockWords?) -> waiter id, or 0 when not parked.
// The caller keeps `words` alive until the id is dispatched or cancelled.
Napi::Value ParkAsyncFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ParkArgs args;
  if (!ParsePark(info, 2, &args)) return Fail(env, "parkAsync(op, words, lockWords?)");
  auto state = StateOrThrow(env);
  if (!state) return env.Undefined();
  Waiter* w = state->NewAsyncWaiter();
  w->key = reinterpret_cast<uintptr_t>(args.word);
  w->word = args.word;
  w->op = args.op;
  if (!ParkAsync(w, args.cb)) {
    state->DropAsyncWaiter(w->async_id);
    return Napi::Number::New(env, 0);
  }
  return Napi::Number::New(env, w->async_id);
}

// cancelAsync(id) -> true if the waiter was still queued and is now gone.
Napi::Value CancelAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) return Fail(env, "cancelAsync(id)");
  auto state = StateOrThrow(env);
  if (!state) return env.Undefined();
  const uint32_t id = info[0].As<Napi::Number>().Uint32Value();
  Waiter* w = state->FindAsyncWaiter(id);
  if (!w || !RemoveWaiter(w, CallbacksFor(w->op).timed_out)) return Napi::Boolean::New(env, false);
  state->DropAsyncWaiter(id);
  return Napi::Boolean::New(env, true);
}

// unlock(lockWords) -> false if the lock was not locked.
Napi::Value Unlock(const Napi::CallbackInfo& info) {
  int32_t* word = WordsOf(info[0], 1);
  if (!word) return Fail(info.Env(), "unlock(lockWords)");
  return Napi::Boolean::New(info.Env(), UnlockWord(word));
}

// wake(words, n) -> number of waiters woken (Semaphore, Event, Condition).
Napi::Value Wake(const Napi::CallbackInfo& info) {
  int32_t* word = WordsOf(info[0], 2);
  if (!word || !info[1].IsNumber()) return Fail(info.Env(), "wake(words, n)");
  const double n = info[1].As<Napi::Number>().DoubleValue();
  if (!(n >= 0)) return Fail(info.Env(), "wake(words, n)");
  const size_t count = n >= 1e15 ? SIZE_MAX : static_cast<size_t>(n);
  return Napi::Number::New(info.Env(), static_cast<double>(WakeWaiters(word, count)));
}

// cancelThread(threadId) -> whether such a thread was known.
Napi::Value CancelThreadFn(const Napi::CallbackInfo& info) {
  if (!info[0].IsNumber()) return Fail(info.Env(), "cancelThread(threadId)");
  return Napi::Boolean::New(info.Env(), CancelThread(info[0].As<Napi::Number>().DoubleValue()));
}

// cancelOthers() -> undefined: every other thread's sync waits give up.
Napi::Value CancelOthers(const Napi::CallbackInfo& info) {
  auto state = EnvState::Of(info.Env());
  CancelAllExcept(state.get());
  return info.Env().Undefined();
}

// stats() -> live native counts, for leak tests.
Napi::Value Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto state = EnvState::Of(env);
  Napi::Object out = Napi::Object::New(env);
  out.Set("queuedWaiters", static_cast<double>(QueuedWaiters()));
  out.Set("asyncWaiters", static_cast<double>(state ? state->AsyncWaiterCount() : 0));
  out.Set("liveEnvs", static_cast<double>(EnvState::LiveEnvs()));
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("registerThread", Napi::Function::New(env, RegisterThread, "registerThread"));
  exports.Set("park", Napi::Function::New(env, Park, "park"));
  exports.Set("parkAsync", Napi::Function::New(env, ParkAsyncFn, "parkAsync"));
  exports.Set("cancelAsync", Napi::Function::New(env, CancelAsync, "cancelAsync"));
  exports.Set("unlock", Napi::Function::New(env, Unlock, "unlock"));
  exports.Set("wake", Napi::Function::New(env, Wake, "wake"));
  exports.Set("cancelThread", Napi::Function::New(env, CancelThreadFn, "cancelThread"));
  exports.Set("cancelOthers", Napi::Function::New(env, CancelOthers, "cancelOthers"));
  exports.Set("stats", Napi::Function::New(env, Stats, "stats"));
  return exports;
}

}  // namespace

}  // namespace pthreading

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  return pthreading::Init(env, exports);
}

NODE_API_MODULE(pthreading, InitModule)
