// Module init and the native boundary: every function JavaScript can call,
// each validating its arguments and turning them into calls on parking.h,
// ops.h and registry.h. src/runtime/native.ts is the only caller.
#include <napi.h>
#include <uv.h>

#include <cmath>

#include "core/debug.h"
#include "core/ops.h"
#include "napi/multiprocessing.h"
#include "napi/registry.h"
#include "core/threads.h"

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

// The primitive's words: an Int32Array with at least `slots` elements over
// a SharedArrayBuffer. A plain ArrayBuffer is refused: it can be detached
// (transferred) while a waiter is queued on its memory; shared memory
// never moves and lives while any thread holds it.
int32_t* WordsOf(Napi::Value value, int slots) {
  if (!value.IsTypedArray()) return nullptr;
  napi_env env = value.Env();
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_value buffer;
  size_t offset = 0;
  if (napi_get_typedarray_info(env, value, &type, &length, &data, &buffer, &offset) != napi_ok) return nullptr;
  if (type != napi_int32_array || length < static_cast<size_t>(slots) || data == nullptr) return nullptr;
  bool plain = true;  // V8's IsArrayBuffer() is false for a SharedArrayBuffer
  if (napi_is_arraybuffer(env, buffer, &plain) != napi_ok || plain) return nullptr;
  return static_cast<int32_t*>(data);
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
  int32_t expected = 0;  // kOpFutex only
  ParkCallbacks cb;
};

// Parses (op, words, ..., extra) where `extra`, at `extra_index`, is the
// lock's words for kOpCondition and the expected value of slot 0 for
// kOpFutex and kOpEvent.
bool ParsePark(const Napi::CallbackInfo& info, size_t extra_index, ParkArgs* out) {
  out->op = OpOf(info[0]);
  if (!out->op) return false;
  out->word = WordsOf(info[1], SlotsFor(out->op));
  if (!out->word) return false;
  out->cb = CallbacksFor(out->op);
  if (out->op == kOpCondition) {
    int32_t* lock = WordsOf(info[extra_index], 1);
    if (!lock) return false;
    out->cb.before_sleep = ReleaseLock;
    out->cb.ctx = lock;
  } else if (TakesExpected(out->op)) {
    if (!info[extra_index].IsNumber()) return false;
    out->expected = info[extra_index].As<Napi::Number>().Int32Value();
  }
  return true;
}

// Queues an async waiter for `args`; returns its id, or 0 if not parked.
// The waiter references `words` (when they are JS memory) and `callback`.
uint32_t QueueAsync(EnvState& state, ParkArgs& args, napi_value words, napi_value callback,
                    std::shared_ptr<void> keepalive) {
  Waiter* w = state.NewAsyncWaiter(words, callback);
  if (!w) return 0;
  w->key = reinterpret_cast<uintptr_t>(args.word);
  w->word = args.word;
  w->op = args.op;
  w->keepalive = std::move(keepalive);
  w->expected = args.expected;
  if (TakesExpected(args.op)) args.cb.ctx = &w->expected;
  if (!ParkAsync(w, args.cb)) {
    state.DropAsyncWaiter(w->async_id);
    return 0;
  }
  return w->async_id;
}

// A thread identity or a debug id from JavaScript: a safe non-negative
// integer, converted once, here.
bool SafeIntOf(Napi::Value v, int64_t* out) {
  if (!v.IsNumber()) return false;
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 9007199254740991.0) || d != std::floor(d)) return false;
  *out = static_cast<int64_t>(d);
  return true;
}

// registerThread(threadId, ident, ctl) -> undefined
Napi::Value RegisterThread(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int32_t* ctl = WordsOf(info[2], 1);
  ThreadId thread_id, ident;
  if (!SafeIntOf(info[0], &thread_id) || !SafeIntOf(info[1], &ident) || !ctl)
    return Fail(env, "registerThread(threadId, ident, ctl)");
  std::shared_ptr<EnvState> state;
  if (EnvState::Create(env, thread_id, ident, info[2], ctl, &state) != napi_ok) {
    Napi::Error::New(env, "pthreading: cannot set up this thread").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  // A warm worker's teardown now removes its row: start() may pick it
  // (threads.h). A no-op for any other thread.
  SpareReady(ident);
  return env.Undefined();
}

// recycleThread(ident) -> whether this worker now waits, as a warm worker
// reserved for thread `ident`, for its next thread (EnvState::Recycle).
Napi::Value RecycleThread(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThreadId ident;
  if (!SafeIntOf(info[0], &ident)) return Fail(env, "recycleThread(ident)");
  auto state = StateOrThrow(env);
  if (!state) return env.Undefined();
  return Napi::Boolean::New(env, state->Recycle(ident));
}

// park(op, words, timeoutSeconds, extra?) -> Status
Napi::Value Park(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ParkArgs args;
  if (!ParsePark(info, 3, &args) || !info[2].IsNumber())
    return Fail(env, "park(op, words, timeout, extra?)");
  auto state = StateOrThrow(env);
  if (!state) return env.Undefined();
  if (TakesExpected(args.op)) args.cb.ctx = &args.expected;
  const Deadline deadline = DeadlineAfter(info[2].As<Napi::Number>().DoubleValue());
  return Napi::Number::New(env, ParkSync(state, args.word, args.op, args.cb, deadline));
}

// parkAsync(op, words, extra, callback) -> waiter id, or 0 when not
// parked. callback(status) is called on this thread once the waiter is
// woken (not after cancelAsync(id) returned true).
Napi::Value ParkAsyncFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ParkArgs args;
  if (!ParsePark(info, 2, &args) || !info[3].IsFunction()) return Fail(env, "parkAsync(op, words, extra, callback)");
  auto state = StateOrThrow(env);
  if (!state) return env.Undefined();
  return Napi::Number::New(env, QueueAsync(*state, args, info[1], info[3], nullptr));
}

// The state word of thread `ident` as futex park arguments: sleep while it
// is still `seen`, the state the caller last observed (so a change between
// that look and this park is never slept through). False once the thread
// has finished (or was never known).
bool JoinArgs(ThreadId ident, int32_t seen, ParkArgs* args, std::shared_ptr<ThreadEntry>* entry) {
  *entry = JoinTarget(ident);
  if (!*entry) return false;
  args->op = kOpFutex;
  args->word = &(*entry)->state;
  args->expected = seen;
  args->cb = CallbacksFor(kOpFutex);
  return true;
}

// joinPark(ident, timeoutSeconds, seenState) -> kUnparked (woken: look
// again), kInvalid (the state is no longer seenState), kTimedOut or
// kCancelled. Used by start() (seen = starting) and join() (seen = the
// state last observed).
Napi::Value JoinPark(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThreadId ident;
  if (!SafeIntOf(info[0], &ident) || !info[1].IsNumber() || !info[2].IsNumber())
    return Fail(env, "joinPark(ident, timeout, seenState)");
  auto state = StateOrThrow(env);
  if (!state) return env.Undefined();
  ParkArgs args;
  std::shared_ptr<ThreadEntry> entry;
  if (!JoinArgs(ident, info[2].As<Napi::Number>().Int32Value(), &args, &entry))
    return Napi::Number::New(env, kUnparked);
  args.cb.ctx = &args.expected;
  const Deadline deadline = DeadlineAfter(info[1].As<Napi::Number>().DoubleValue());
  return Napi::Number::New(env, ParkSync(state, args.word, args.op, args.cb, deadline));
}

// joinParkAsync(ident, seenState, callback) -> waiter id, or 0 if the
// thread already finished or its state is no longer seenState (look again).
Napi::Value JoinParkAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThreadId ident;
  if (!SafeIntOf(info[0], &ident) || !info[1].IsNumber() || !info[2].IsFunction())
    return Fail(env, "joinParkAsync(ident, seenState, callback)");
  auto state = StateOrThrow(env);
  if (!state) return env.Undefined();
  ParkArgs args;
  std::shared_ptr<ThreadEntry> entry;
  if (!JoinArgs(ident, info[1].As<Napi::Number>().Int32Value(), &args, &entry))
    return Napi::Number::New(env, 0);
  return Napi::Number::New(env, QueueAsync(*state, args, nullptr, info[2], entry));
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

// wakeFutex(words) -> number of futex waiters woken on words[0].
Napi::Value WakeFutex(const Napi::CallbackInfo& info) {
  int32_t* word = WordsOf(info[0], 1);
  if (!word) return Fail(info.Env(), "wakeFutex(words)");
  return Napi::Number::New(info.Env(), static_cast<double>(UnparkSome(word, SIZE_MAX, nullptr)));
}

// requestStop(threadId) -> 0 (no such thread), 1 (terminate it now) or 2
// (it is in a critical section and stops itself as it leaves).
Napi::Value RequestStopFn(const Napi::CallbackInfo& info) {
  ThreadId thread_id;
  if (!SafeIntOf(info[0], &thread_id)) return Fail(info.Env(), "requestStop(threadId)");
  return Napi::Number::New(info.Env(), RequestStop(thread_id));
}

// enrolParty(conditionWords) -> id: this thread is a Barrier party until
// leaveParty(id); if it ends first, it leaves (registry.h).
Napi::Value EnrolPartyFn(const Napi::CallbackInfo& info) {
  int32_t* word = WordsOf(info[0], 3);
  if (!word) return Fail(info.Env(), "enrolParty(words)");
  auto state = StateOrThrow(info.Env());
  if (!state) return info.Env().Undefined();
  return Napi::Number::New(info.Env(), state->EnrolParty(info[0], word));
}

Napi::Value LeavePartyFn(const Napi::CallbackInfo& info) {
  if (!info[0].IsNumber()) return Fail(info.Env(), "leaveParty(id)");
  auto state = StateOrThrow(info.Env());
  if (!state) return info.Env().Undefined();
  state->LeaveParty(info[0].As<Napi::Number>().Uint32Value());
  return info.Env().Undefined();
}

// --- debug mode (debug.h) ---

bool StringsOf(const Napi::CallbackInfo& info, size_t first, size_t count, std::string* out) {
  for (size_t i = 0; i < count; i++) {
    if (!info[first + i].IsString()) return false;
    out[i] = info[first + i].As<Napi::String>().Utf8Value();
  }
  return true;
}

// debugFlags([flags]): sets the flags if given; returns them.
Napi::Value DebugFlagsFn(const Napi::CallbackInfo& info) {
  if (info.Length() > 0) {
    if (!info[0].IsNumber()) return Fail(info.Env(), "debugFlags: flags must be a number");
    SetDebugFlags(info[0].As<Napi::Number>().Int32Value());
  }
  return Napi::Number::New(info.Env(), DebugFlags());
}

Napi::Value NextDebugIdFn(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(NextDebugId()));
}

// recordOrder(from, to, fromName, toName, thread, fromStack, toStack)
Napi::Value RecordOrderFn(const Napi::CallbackInfo& info) {
  OrderEdge edge;
  std::string s[5];
  if (!SafeIntOf(info[0], &edge.from) || !SafeIntOf(info[1], &edge.to) || !StringsOf(info, 2, 5, s))
    return Fail(info.Env(), "recordOrder: expected (id, id, name, name, thread, stack, stack)");
  edge.from_name = s[0];
  edge.to_name = s[1];
  edge.thread = s[2];
  edge.from_stack = s[3];
  edge.to_stack = s[4];
  const std::vector<OrderEdge> cycle = RecordOrder(std::move(edge));
  if (cycle.empty()) return info.Env().Null();
  Napi::Array out = Napi::Array::New(info.Env(), cycle.size());
  for (size_t i = 0; i < cycle.size(); i++) {
    Napi::Object e = Napi::Object::New(info.Env());
    e.Set("from", cycle[i].from_name);
    e.Set("to", cycle[i].to_name);
    e.Set("thread", cycle[i].thread);
    e.Set("fromStack", cycle[i].from_stack);
    e.Set("toStack", cycle[i].to_stack);
    out.Set(static_cast<uint32_t>(i), e);
  }
  return out;
}

// beginWait(thread, lock, lockName, owner): the cycle, or null.
Napi::Value BeginWaitFn(const Napi::CallbackInfo& info) {
  int64_t thread, lock, owner;
  std::string lock_name;
  if (!SafeIntOf(info[0], &thread) || !SafeIntOf(info[1], &lock) || !StringsOf(info, 2, 1, &lock_name) || !SafeIntOf(info[3], &owner))
    return Fail(info.Env(), "beginWait: expected (thread, id, name, owner)");
  const std::vector<WaitLink> cycle = BeginWait(thread, lock, lock_name, owner);
  if (cycle.empty()) return info.Env().Null();
  Napi::Array out = Napi::Array::New(info.Env(), cycle.size());
  for (size_t i = 0; i < cycle.size(); i++) {
    Napi::Object link = Napi::Object::New(info.Env());
    link.Set("thread", Napi::Number::New(info.Env(), static_cast<double>(cycle[i].thread)));
    link.Set("lock", cycle[i].lock_name);
    out.Set(static_cast<uint32_t>(i), link);
  }
  return out;
}

Napi::Value EndWaitFn(const Napi::CallbackInfo& info) {
  int64_t thread;
  if (!SafeIntOf(info[0], &thread)) return Fail(info.Env(), "endWait: expected a thread ident");
  EndWait(thread);
  return info.Env().Undefined();
}

// --- the thread table (threads.h) ---


Napi::Value NextThreadNumberFn(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(NextThreadNumber()));
}

Napi::Value NextIdentFn(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(NextIdent()));
}

// addThread(ident, name, daemon, dummy)
Napi::Value AddThreadFn(const Napi::CallbackInfo& info) {
  ThreadId ident;
  if (!SafeIntOf(info[0], &ident) || !info[1].IsString() || !info[2].IsBoolean() || !info[3].IsBoolean())
    return Fail(info.Env(), "addThread(ident, name, daemon, dummy)");
  AddThread(ident, info[1].As<Napi::String>().Utf8Value(), info[2].As<Napi::Boolean>().Value(),
            info[3].As<Napi::Boolean>().Value());
  return info.Env().Undefined();
}

// reserveThread(ident): the hidden row of a warm worker (threads.h).
Napi::Value ReserveThreadFn(const Napi::CallbackInfo& info) {
  ThreadId ident;
  if (!SafeIntOf(info[0], &ident)) return Fail(info.Env(), "reserveThread(ident)");
  ReserveThread(ident);
  return info.Env().Undefined();
}

// claimThread(ident, name, daemon, idleOnly) -> 1 claimed, 2 still booting,
// 0 gone (threads.h).
Napi::Value ClaimThreadFn(const Napi::CallbackInfo& info) {
  ThreadId ident;
  if (!SafeIntOf(info[0], &ident) || !info[1].IsString() || !info[2].IsBoolean() || !info[3].IsBoolean())
    return Fail(info.Env(), "claimThread(ident, name, daemon, idleOnly)");
  return Napi::Number::New(info.Env(), ClaimThread(ident, info[1].As<Napi::String>().Utf8Value(),
                                                   info[2].As<Napi::Boolean>().Value(), info[3].As<Napi::Boolean>().Value()));
}

// threadRunning(ident): on the thread itself.
Napi::Value ThreadRunningFn(const Napi::CallbackInfo& info) {
  ThreadId ident;
  if (!SafeIntOf(info[0], &ident)) return Fail(info.Env(), "threadRunning(ident)");
  ThreadRunning(ident);
  return info.Env().Undefined();
}

Napi::Value ThreadFinishedFn(const Napi::CallbackInfo& info) {
  ThreadId ident;
  if (!SafeIntOf(info[0], &ident)) return Fail(info.Env(), "threadFinished(ident)");
  ThreadFinished(ident);
  return info.Env().Undefined();
}

Napi::Value RenameThreadFn(const Napi::CallbackInfo& info) {
  ThreadId ident;
  if (!SafeIntOf(info[0], &ident) || !info[1].IsString()) return Fail(info.Env(), "renameThread(ident, name)");
  return Napi::Boolean::New(info.Env(), RenameThread(ident, info[1].As<Napi::String>().Utf8Value()));
}

Napi::Value SetThreadDaemonFn(const Napi::CallbackInfo& info) {
  ThreadId ident;
  if (!SafeIntOf(info[0], &ident) || !info[1].IsBoolean()) return Fail(info.Env(), "setThreadDaemon(ident, daemon)");
  return Napi::Boolean::New(info.Env(), SetThreadDaemon(ident, info[1].As<Napi::Boolean>().Value()));
}

Napi::Object EntryToJs(Napi::Env env, const ThreadEntry& e) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("ident", static_cast<double>(e.ident));
  o.Set("name", e.name);
  o.Set("daemon", e.daemon);
  o.Set("dummy", e.dummy);
  o.Set("nativeId", static_cast<double>(e.native_id));
  o.Set("running", e.state == kRunning);
  return o;
}

// findThread(ident) -> { ident, name, daemon, dummy, nativeId, running } | null
Napi::Value FindThreadFn(const Napi::CallbackInfo& info) {
  ThreadId ident;
  if (!SafeIntOf(info[0], &ident)) return Fail(info.Env(), "findThread(ident)");
  auto e = FindThread(ident);
  if (!e) return info.Env().Null();
  return EntryToJs(info.Env(), *e);
}

// listThreads() -> the rows of every known, unfinished thread, by ident.
Napi::Value ListThreadsFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto rows = ListThreads();
  Napi::Array out = Napi::Array::New(env, rows.size());
  for (uint32_t i = 0; i < rows.size(); ++i) out.Set(i, EntryToJs(env, rows[i]));
  return out;
}

Napi::Value NativeThreadIdFn(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(CurrentNativeId()));
}

// pendingRequests() -> how many requests the calling thread's event loop
// has in flight (thread-pool work such as crypto or zlib jobs, DNS lookups,
// file system calls): libuv counts each until its callback is due. -1 where
// the runtime has no libuv loop to ask.
Napi::Value PendingRequestsFn(const Napi::CallbackInfo& info) {
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(info.Env(), &loop) != napi_ok || loop == nullptr) return Napi::Number::New(info.Env(), -1);
  return Napi::Number::New(info.Env(), static_cast<double>(loop->active_reqs.count));
}

// cancelThread(threadId) -> whether such a thread was known.
// Also cancels the waits of the Workers pthreading started from that thread,
// and from theirs: they end with it (threads.h).
Napi::Value CancelThreadFn(const Napi::CallbackInfo& info) {
  ThreadId thread_id;
  if (!SafeIntOf(info[0], &thread_id)) return Fail(info.Env(), "cancelThread(threadId)");
  const bool known = CancelThread(thread_id);
  for (ThreadId descendant : TakeDescendants(thread_id)) CancelThread(descendant);
  return Napi::Boolean::New(info.Env(), known);
}

// adoptWorker(parentThreadId, childThreadId): a Worker pthreading started.
Napi::Value AdoptWorkerFn(const Napi::CallbackInfo& info) {
  ThreadId parent, child;
  if (!SafeIntOf(info[0], &parent) || !SafeIntOf(info[1], &child))
    return Fail(info.Env(), "adoptWorker(parentThreadId, childThreadId)");
  AdoptWorker(parent, child);
  return info.Env().Undefined();
}

// forgetWorker(childThreadId): that Worker has exited.
Napi::Value ForgetWorkerFn(const Napi::CallbackInfo& info) {
  ThreadId child;
  if (!SafeIntOf(info[0], &child)) return Fail(info.Env(), "forgetWorker(childThreadId)");
  ForgetWorker(child);
  return info.Env().Undefined();
}

// forgetCancel(threadId) -> undefined: the Worker has exited.
Napi::Value ForgetCancelFn(const Napi::CallbackInfo& info) {
  ThreadId thread_id;
  if (!SafeIntOf(info[0], &thread_id)) return Fail(info.Env(), "forgetCancel(threadId)");
  ForgetCancel(thread_id);
  return info.Env().Undefined();
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
  out.Set("futexWaiters", static_cast<double>(QueuedFutexWaiters()));
  out.Set("asyncWaiters", static_cast<double>(state ? state->AsyncWaiterCount() : 0));
  out.Set("liveEnvs", static_cast<double>(EnvState::LiveEnvs()));
  return out;
}

// The numbers JavaScript and this addon must agree on (src/runtime/native.ts
// checks them at load): ops, park statuses, the control word's stop bit.
Napi::Object Constants(Napi::Env env) {
  Napi::Object c = Napi::Object::New(env);
  Napi::Array ops = Napi::Array::New(env);
  const int op_list[] = {kOpLock, kOpSemaphore, kOpEvent, kOpCondition, kOpFutex};
  for (uint32_t i = 0; i < 5; i++) ops.Set(i, op_list[i]);
  Napi::Array statuses = Napi::Array::New(env);
  const int status_list[] = {kUnparked, kHandoff, kInvalid, kTimedOut, kCancelled};
  for (uint32_t i = 0; i < 5; i++) statuses.Set(i, status_list[i]);
  c.Set("ops", ops);
  c.Set("statuses", statuses);
  c.Set("stopBit", kStopBit);
  Napi::Object word = Napi::Object::New(env);
  word.Set("lockedBit", kLockedBit);
  word.Set("parkedBit", kParkedBit);
  word.Set("eventFlag", kEventFlag);
  word.Set("stateSlot", kStateSlot);
  word.Set("waitersSlot", kWaitersSlot);
  word.Set("departedSlot", kDepartedSlot);
  c.Set("word", word);
  return c;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("constants", Constants(env));
  InitMultiprocessing(env, exports);
#if defined(PTHREADING_CHECKS)
  exports.Set("checks", Napi::Boolean::New(env, true));
#else
  exports.Set("checks", Napi::Boolean::New(env, false));
#endif
  exports.Set("registerThread", Napi::Function::New(env, RegisterThread, "registerThread"));
  exports.Set("recycleThread", Napi::Function::New(env, RecycleThread, "recycleThread"));
  exports.Set("park", Napi::Function::New(env, Park, "park"));
  exports.Set("parkAsync", Napi::Function::New(env, ParkAsyncFn, "parkAsync"));
  exports.Set("cancelAsync", Napi::Function::New(env, CancelAsync, "cancelAsync"));
  exports.Set("unlock", Napi::Function::New(env, Unlock, "unlock"));
  exports.Set("wake", Napi::Function::New(env, Wake, "wake"));
  exports.Set("cancelThread", Napi::Function::New(env, CancelThreadFn, "cancelThread"));
  exports.Set("forgetCancel", Napi::Function::New(env, ForgetCancelFn, "forgetCancel"));
  exports.Set("cancelOthers", Napi::Function::New(env, CancelOthers, "cancelOthers"));
  exports.Set("stats", Napi::Function::New(env, Stats, "stats"));
  exports.Set("requestStop", Napi::Function::New(env, RequestStopFn, "requestStop"));
  exports.Set("enrolParty", Napi::Function::New(env, EnrolPartyFn, "enrolParty"));
  exports.Set("leaveParty", Napi::Function::New(env, LeavePartyFn, "leaveParty"));
  exports.Set("joinPark", Napi::Function::New(env, JoinPark, "joinPark"));
  exports.Set("joinParkAsync", Napi::Function::New(env, JoinParkAsync, "joinParkAsync"));
  exports.Set("wakeFutex", Napi::Function::New(env, WakeFutex, "wakeFutex"));
  exports.Set("debugFlags", Napi::Function::New(env, DebugFlagsFn, "debugFlags"));
  exports.Set("nextDebugId", Napi::Function::New(env, NextDebugIdFn, "nextDebugId"));
  exports.Set("recordOrder", Napi::Function::New(env, RecordOrderFn, "recordOrder"));
  exports.Set("beginWait", Napi::Function::New(env, BeginWaitFn, "beginWait"));
  exports.Set("endWait", Napi::Function::New(env, EndWaitFn, "endWait"));
  exports.Set("nextIdent", Napi::Function::New(env, NextIdentFn, "nextIdent"));
  exports.Set("nextThreadNumber", Napi::Function::New(env, NextThreadNumberFn, "nextThreadNumber"));
  exports.Set("addThread", Napi::Function::New(env, AddThreadFn, "addThread"));
  exports.Set("reserveThread", Napi::Function::New(env, ReserveThreadFn, "reserveThread"));
  exports.Set("adoptWorker", Napi::Function::New(env, AdoptWorkerFn, "adoptWorker"));
  exports.Set("forgetWorker", Napi::Function::New(env, ForgetWorkerFn, "forgetWorker"));
  exports.Set("claimThread", Napi::Function::New(env, ClaimThreadFn, "claimThread"));
  exports.Set("copyId", Napi::Number::New(env, LibraryCopyId()));
  exports.Set("threadRunning", Napi::Function::New(env, ThreadRunningFn, "threadRunning"));
  exports.Set("threadFinished", Napi::Function::New(env, ThreadFinishedFn, "threadFinished"));
  exports.Set("renameThread", Napi::Function::New(env, RenameThreadFn, "renameThread"));
  exports.Set("setThreadDaemon", Napi::Function::New(env, SetThreadDaemonFn, "setThreadDaemon"));
  exports.Set("findThread", Napi::Function::New(env, FindThreadFn, "findThread"));
  exports.Set("listThreads", Napi::Function::New(env, ListThreadsFn, "listThreads"));
  exports.Set("nativeThreadId", Napi::Function::New(env, NativeThreadIdFn, "nativeThreadId"));
  exports.Set("pendingRequests", Napi::Function::New(env, PendingRequestsFn, "pendingRequests"));
  return exports;
}

}  // namespace

}  // namespace pthreading

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  return pthreading::Init(env, exports);
}

NODE_API_MODULE(pthreading, InitModule)
