// The native boundary of pthreading/multiprocessing: the mp* functions
// src/multiprocessing/native.ts calls, each validating its arguments and
// turning them into calls on core/shm.h.
//
// A JavaScript primitive holds its segment through an External (its
// `_handle`) whose data is a Handle: a shared_ptr to the process's
// mapping; the External's finalizer, or mpClose, drops it. No external
// ArrayBuffer is made: JavaScript never sees the mapping itself.
//
// The operations a program repeats (acquire, release, read, write, set,
// clear...) are written in plain N-API: one napi_get_cb_info, one
// napi_get_value_external (a tag and a pointer, where napi_unwrap would
// look a private property up), the numbers they need, and a Smi back. A
// lock's acquire and release go further: mpBind makes them functions whose
// data is the Handle, so napi_get_cb_info alone finds the segment.
#include "napi/multiprocessing.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <string>

#include "core/ops.h"
#include "core/shm.h"
#include "napi/registry.h"

namespace pthreading {

namespace {

using mp::Segment;

Napi::Value Fail(Napi::Env env, const char* message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

// [a, b, ...]: how an entry point returns more than one value.
template <typename... T>
Napi::Array Tuple(Napi::Env env, T... values) {
  Napi::Array out = Napi::Array::New(env, sizeof...(T));
  uint32_t i = 0;
  (out.Set(i++, values), ...);
  return out;
}

// What a handle's External points to. `tag` tells ours from an External
// another addon (or another copy of this one) made.
struct Handle {
  const void* tag;
  std::shared_ptr<Segment> seg;  // null once closed
  // The External, and each function bound to it (mpBind): the last of
  // them to be collected frees it. All live on one JavaScript thread, whose
  // finalizers run there: a plain count.
  int refs = 1;
};
const char kHandleTag = 0;

void Finalize(napi_env, void* data, void*) {
  auto* h = static_cast<Handle*>(data);
  if (--h->refs > 0) return;
  if (h->seg) mp::ReleaseSegment(std::move(h->seg));
  delete h;
}

// The Handle an External is, or null (not one of ours).
Handle* HandleOf(napi_env env, napi_value v) {
  void* data = nullptr;
  if (napi_get_value_external(env, v, &data) != napi_ok || data == nullptr) return nullptr;
  auto* h = static_cast<Handle*>(data);
  return h->tag == &kHandleTag ? h : nullptr;
}

// The segment a handle holds, or null (not a handle, or closed).
Segment* SegmentOf(Napi::Value v, std::shared_ptr<Segment>* out = nullptr) {
  Handle* h = HandleOf(v.Env(), v);
  if (h == nullptr || !h->seg) return nullptr;
  if (out) *out = h->seg;
  return h->seg.get();
}

bool NumberOf(Napi::Value v, double* out) {
  if (!v.IsNumber()) return false;
  *out = v.As<Napi::Number>().DoubleValue();
  return !std::isnan(*out);
}

// A name as JavaScript validated it: '/', then [A-Za-z0-9._-], 2..251 bytes.
bool NameOf(Napi::Value v, std::string* out) {
  if (!v.IsString()) return false;
  *out = v.As<Napi::String>().Utf8Value();
  if (out->size() < 2 || out->size() > 251 || (*out)[0] != '/') return false;
  for (size_t i = 1; i < out->size(); i++) {
    const char c = (*out)[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
      return false;
  }
  return true;
}

// The calling thread's cancel state; null before the thread registered.
std::shared_ptr<EnvState> State(Napi::Env env) { return EnvState::Of(env); }

// Around a sync wait: this thread's async waiters cannot run meanwhile, so
// the wake-ups they hold, and those delivered while it sleeps, are passed
// on (registry.h).
class SyncPark {
 public:
  explicit SyncPark(const std::shared_ptr<EnvState>& state) : state_(state) {
    if (state_) state_->BeginSyncPark();
  }
  ~SyncPark() {
    if (state_) state_->EndSyncPark();
  }

 private:
  std::shared_ptr<EnvState> state_;
};

// mpOpen(name, kind, value, bound, flags, mode, create, initial?) ->
// [handle, created] or [error, detail] (mp::OpenError, a number where the
// handle would be). `initial`: a new Value's value, set before anybody can
// open it.
Napi::Value Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name;
  double kind, value, bound, flags, mode, create;
  if (!NameOf(info[0], &name) || !NumberOf(info[1], &kind) || !mp::IsKind(static_cast<uint32_t>(kind)) ||
      !NumberOf(info[2], &value) || !NumberOf(info[3], &bound) || !NumberOf(info[4], &flags) || !NumberOf(info[5], &mode) ||
      !NumberOf(info[6], &create))
    return Fail(env, "mpOpen(name, kind, value, bound, flags, mode, create)");
  int32_t error = 0, detail = 0;
  bool created = false;
  const double initial = info[7].IsNumber() ? info[7].As<Napi::Number>().DoubleValue() : 0;
  auto seg = Segment::Open(name, static_cast<mp::Kind>(kind), static_cast<int32_t>(value), static_cast<int32_t>(bound),
                           static_cast<uint32_t>(flags), static_cast<uint32_t>(mode) & 0777, static_cast<int>(create), &error,
                           &detail, initial, &created);
  if (!seg) return Tuple(env, error, detail);
  auto* h = new Handle{&kHandleTag, std::move(seg), 1};
  napi_value external;
  if (napi_create_external(env, h, Finalize, nullptr, &external) != napi_ok) {
    Finalize(env, h, nullptr);
    return env.Undefined();  // an exception is pending
  }
  return Tuple(env, Napi::Value(env, external), created ? 1 : 0);
}

// mpClose(handle) -> whether it was open.
Napi::Value Close(const Napi::CallbackInfo& info) {
  Handle* h = HandleOf(info.Env(), info[0]);
  if (h == nullptr || !h->seg) return Napi::Boolean::New(info.Env(), false);
  mp::ReleaseSegment(std::move(h->seg));
  h->seg.reset();
  return Napi::Boolean::New(info.Env(), true);
}

// mpUnlink(name) -> 0 or errno.
Napi::Value Unlink(const Napi::CallbackInfo& info) {
  std::string name;
  if (!NameOf(info[0], &name)) return Fail(info.Env(), "mpUnlink(name)");
  return Napi::Number::New(info.Env(), Segment::Unlink(name));
}

// --- the repeated operations, in plain N-API ------------------------------------

// The arguments of a fast entry point: argv[0] the handle, then numbers.
template <size_t N>
struct Args {
  napi_value argv[N];
  size_t argc = N;
  Segment* seg = nullptr;
  // False (a TypeError is thrown) unless argv[0] is an open handle.
  bool Get(napi_env env, napi_callback_info info, const char* usage) {
    napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
    Handle* h = argc > 0 ? HandleOf(env, argv[0]) : nullptr;
    if (h == nullptr || !h->seg) return Throw(env, usage);
    seg = h->seg.get();
    return true;
  }
  // Argument i as a number (not NaN); false if it is not one.
  bool Number(napi_env env, size_t i, double* out) const {
    return i < argc && napi_get_value_double(env, argv[i], out) == napi_ok && !std::isnan(*out);
  }
  static bool Throw(napi_env env, const char* usage) {
    napi_throw_type_error(env, nullptr, usage);
    return false;
  }
};

napi_value Int(napi_env env, int32_t v) {
  napi_value out = nullptr;
  napi_create_int32(env, v, &out);
  return out;
}

napi_value Bool(napi_env env, bool v) {
  napi_value out = nullptr;
  napi_get_boolean(env, v, &out);
  return out;
}

napi_value Undefined(napi_env env) {
  napi_value out = nullptr;
  napi_get_undefined(env, &out);
  return out;
}

// mpTryLock(handle, ident, slept?) -> mp::Result. `ident` is read for an
// RLock only; `slept`: an async waiter retrying after a park (takes the
// lock marked WAITERS).
napi_value TryLock(napi_env env, napi_callback_info info) {
  constexpr const char* kUsage = "mpTryLock(handle, ident, slept)";
  Args<3> a;
  if (!a.Get(env, info, kUsage)) return nullptr;
  double ident = 0;
  if (mp::IsReentrant(a.seg->kind()) && !a.Number(env, 1, &ident)) return Args<3>::Throw(env, kUsage), nullptr;
  bool slept = false;
  if (a.argc > 2) napi_get_value_bool(env, a.argv[2], &slept);  // not a boolean: false
  return Int(env, a.seg->TryLock(ident, slept));
}

// mpUnlock(handle, ident) -> Lock: 1 released, 0 not locked; RLock: the
// count left, or -1 when the caller does not own it.
napi_value Unlock(napi_env env, napi_callback_info info) {
  constexpr const char* kUsage = "mpUnlock(handle, ident)";
  Args<2> a;
  if (!a.Get(env, info, kUsage)) return nullptr;
  double ident = 0;
  if (mp::IsReentrant(a.seg->kind()) && !a.Number(env, 1, &ident)) return Args<2>::Throw(env, kUsage), nullptr;
  return Int(env, a.seg->Unlock(ident));
}

napi_value Locked(napi_env env, napi_callback_info info) {
  Args<1> a;
  if (!a.Get(env, info, "mpLocked(handle)")) return nullptr;
  return Bool(env, a.seg->Locked());
}

napi_value TryTake(napi_env env, napi_callback_info info) {
  Args<1> a;
  if (!a.Get(env, info, "mpTryTake(handle)")) return nullptr;
  return Int(env, a.seg->TryTake());
}

// mpGive(handle, n) -> false if the value would pass the bound.
napi_value Give(napi_env env, napi_callback_info info) {
  constexpr const char* kUsage = "mpGive(handle, n)";
  Args<2> a;
  double n;
  if (!a.Get(env, info, kUsage)) return nullptr;
  if (!a.Number(env, 1, &n) || n < 1 || n > 0x7fffffff) return Args<2>::Throw(env, kUsage), nullptr;
  return Bool(env, a.seg->Give(static_cast<int32_t>(n)));
}

napi_value EventState(napi_env env, napi_callback_info info) {
  Args<1> a;
  if (!a.Get(env, info, "mpEventState(handle)")) return nullptr;
  napi_value out = nullptr;
  napi_create_uint32(env, a.seg->EventState(), &out);
  return out;
}

napi_value EventSet(napi_env env, napi_callback_info info) {
  Args<1> a;
  if (!a.Get(env, info, "mpEventSet(handle)")) return nullptr;
  a.seg->EventSet();
  return Undefined(env);
}

napi_value EventClear(napi_env env, napi_callback_info info) {
  Args<1> a;
  if (!a.Get(env, info, "mpEventClear(handle)")) return nullptr;
  a.seg->EventClear();
  return Undefined(env);
}

// mpRead(handle, i) -> element i of a Value/Array (undefined out of range).
napi_value Read(napi_env env, napi_callback_info info) {
  constexpr const char* kUsage = "mpRead(handle, i)";
  Args<2> a;
  double i;
  if (!a.Get(env, info, kUsage)) return nullptr;
  if (!a.Number(env, 1, &i) || mp::ItemSize(a.seg->typecode()) == 0) return Args<2>::Throw(env, kUsage), nullptr;
  if (!(i >= 0 && i < a.seg->length()) || i != std::floor(i)) return Undefined(env);
  napi_value out = nullptr;
  napi_create_double(env, a.seg->Read(static_cast<int32_t>(i)), &out);
  return out;
}

// mpWrite(handle, i, value) -> 1 written, 0 if i is out of range, -1 if
// the element type cannot hold `value` (a fraction, or not finite, for an
// integer typecode; JavaScript then throws what Python would). Integers
// wrap as ctypes stores them (modulo the element's width).
napi_value Write(napi_env env, napi_callback_info info) {
  constexpr const char* kUsage = "mpWrite(handle, i, value)";
  Args<3> a;
  double i, v;
  if (!a.Get(env, info, kUsage)) return nullptr;
  if (!a.Number(env, 1, &i) || a.argc < 3 || napi_get_value_double(env, a.argv[2], &v) != napi_ok ||
      mp::ItemSize(a.seg->typecode()) == 0)
    return Args<3>::Throw(env, kUsage), nullptr;
  if (!(i >= 0 && i < a.seg->length()) || i != std::floor(i)) return Int(env, 0);
  const int32_t code = a.seg->typecode();
  if (code != 'f' && code != 'd') {
    if (!std::isfinite(v) || v != std::trunc(v)) return Int(env, -1);
    // ECMAScript's ToUint32 (exact for every integral double), then the
    // element's width takes the low bits.
    double m = std::fmod(v, 4294967296.0);
    if (m < 0) m += 4294967296.0;
    v = static_cast<double>(static_cast<uint32_t>(m));
    switch (code) {
      case 'b': v = static_cast<int8_t>(static_cast<uint32_t>(m)); break;
      case 'B': v = static_cast<uint8_t>(static_cast<uint32_t>(m)); break;
      case 'h': v = static_cast<int16_t>(static_cast<uint32_t>(m)); break;
      case 'H': v = static_cast<uint16_t>(static_cast<uint32_t>(m)); break;
      case 'i': v = static_cast<int32_t>(static_cast<uint32_t>(m)); break;
      default: break;  // 'I'
    }
  }
  a.seg->Write(static_cast<int32_t>(i), v);
  return Int(env, 1);
}

// --- functions bound to one handle: a lock's acquire and release ----------------
//
// The data of the function is the Handle itself, so a call unpacks no
// handle argument: napi_get_cb_info hands the Handle over with the
// arguments. A result the program tests on every call is a boolean (a root
// value, where a number is a new handle each time).

// The open segment of a bound function, or null (a TypeError is thrown).
Segment* BoundSegment(napi_env env, napi_callback_info info, size_t* argc, napi_value* argv, const char* usage) {
  void* data = nullptr;
  napi_get_cb_info(env, info, argc, argv, nullptr, &data);
  auto* h = static_cast<Handle*>(data);
  if (h == nullptr || !h->seg) {
    napi_throw_type_error(env, nullptr, usage);
    return nullptr;
  }
  return h->seg.get();
}

// acquire(ident) -> true acquired, false taken, or mp::Result (kOwnerDied).
// `ident` is read for an RLock only.
napi_value BoundTryLock(napi_env env, napi_callback_info info) {
  constexpr const char* kUsage = "acquire(ident) of an open multiprocessing lock";
  size_t argc = 1;
  napi_value argv[1];
  Segment* seg = BoundSegment(env, info, &argc, argv, kUsage);
  if (seg == nullptr) return nullptr;
  double ident = 0;
  if (mp::IsReentrant(seg->kind()) && (argc < 1 || napi_get_value_double(env, argv[0], &ident) != napi_ok))
    return Args<1>::Throw(env, kUsage), nullptr;
  const mp::Result r = seg->TryLock(ident);
  if (r == mp::kAcquired || r == mp::kBusy) return Bool(env, r == mp::kAcquired);
  return Int(env, r);
}

// release(ident) -> Lock: true released, false not locked; RLock: the count
// left, or -1 when the caller does not own it.
napi_value BoundUnlock(napi_env env, napi_callback_info info) {
  constexpr const char* kUsage = "release(ident) of an open multiprocessing lock";
  size_t argc = 1;
  napi_value argv[1];
  Segment* seg = BoundSegment(env, info, &argc, argv, kUsage);
  if (seg == nullptr) return nullptr;
  if (!mp::IsReentrant(seg->kind())) return Bool(env, seg->Unlock(0) == 1);
  double ident = 0;
  if (argc < 1 || napi_get_value_double(env, argv[0], &ident) != napi_ok) return Args<1>::Throw(env, kUsage), nullptr;
  return Int(env, seg->Unlock(ident));
}

// mpBind(handle) -> [acquire, release] of a Lock, RLock, Value or Array,
// bound to its handle (each keeps the Handle alive while it lives).
napi_value Bind(napi_env env, napi_callback_info info) {
  constexpr const char* kUsage = "mpBind(handle) of a lock";
  Args<1> a;
  if (!a.Get(env, info, kUsage)) return nullptr;
  const mp::Kind kind = a.seg->kind();
  if (kind != mp::kLock && kind != mp::kRLock && kind != mp::kValue && kind != mp::kArray)
    return Args<1>::Throw(env, kUsage), nullptr;
  Handle* h = HandleOf(env, a.argv[0]);
  napi_value out = nullptr;
  if (napi_create_array_with_length(env, 2, &out) != napi_ok) return nullptr;
  const napi_callback cbs[2] = {BoundTryLock, BoundUnlock};
  const char* names[2] = {"acquire", "release"};
  for (uint32_t i = 0; i < 2; i++) {
    napi_value fn = nullptr;
    if (napi_create_function(env, names[i], NAPI_AUTO_LENGTH, cbs[i], h, &fn) != napi_ok) return nullptr;
    if (napi_add_finalizer(env, fn, h, Finalize, nullptr, nullptr) != napi_ok) return nullptr;
    h->refs++;
    if (napi_set_element(env, out, i, fn) != napi_ok) return nullptr;
  }
  return out;
}

#define SEGMENT_OR_FAIL(what)                       \
  Segment* seg = SegmentOf(info[0]);                \
  if (!seg) return Fail(info.Env(), what);

// The shape of every entry point that blocks this thread: (handle, N
// numbers, timeoutSeconds). Reads them, counts the thread as in a sync wait
// (SyncPark: its async waiters' wake-ups are passed on meanwhile) and calls
// wait(segment, numbers, deadline, cancel_seq, cancelled).
template <size_t N, typename Wait>
Napi::Value Blocking(const Napi::CallbackInfo& info, const char* usage, Wait wait) {
  std::shared_ptr<Segment> keep;
  Segment* seg = SegmentOf(info[0], &keep);
  std::array<double, N + 1> n{};
  bool ok = seg != nullptr;
  for (size_t i = 0; ok && i <= N; i++) ok = NumberOf(info[i + 1], &n[i]);
  if (!ok) return Fail(info.Env(), usage);
  auto state = State(info.Env());
  const Deadline deadline = DeadlineAfter(n[N]);
  SyncPark park(state);
  return wait(seg, n.data(), deadline, state ? &state->cancel_seq() : nullptr, state ? &state->cancelled() : nullptr);
}

// mpLock(target, ident, timeoutSeconds) -> mp::Result; blocks this thread.
Napi::Value Lock(const Napi::CallbackInfo& info) {
  return Blocking<1>(info, "mpLock(handle, ident, timeout)", [&](Segment* seg, const double* n, Deadline deadline, auto* seq, auto* cancelled) {
    return Napi::Number::New(info.Env(), seg->Lock(n[0], deadline, seq, cancelled));
  });
}

// mpOwned(target, ident) -> the RLock's count if `ident` owns it, else 0.
Napi::Value Owned(const Napi::CallbackInfo& info) {
  SEGMENT_OR_FAIL("mpOwned(handle, ident)");
  double ident;
  if (!NumberOf(info[1], &ident)) return Fail(info.Env(), "mpOwned(handle, ident)");
  return Napi::Number::New(info.Env(), seg->OwnedCount(ident));
}

Napi::Value HolderPid(const Napi::CallbackInfo& info) {
  SEGMENT_OR_FAIL("mpHolderPid(handle)");
  return Napi::Number::New(info.Env(), seg->HolderPid());
}

// mpTake(target, timeoutSeconds) -> mp::Result; blocks this thread.
Napi::Value Take(const Napi::CallbackInfo& info) {
  return Blocking<0>(info, "mpTake(handle, timeout)", [&](Segment* seg, const double*, Deadline deadline, auto* seq, auto* cancelled) {
    return Napi::Number::New(info.Env(), seg->Take(deadline, seq, cancelled));
  });
}

Napi::Value Value(const Napi::CallbackInfo& info) {
  SEGMENT_OR_FAIL("mpValue(handle)");
  return Napi::Number::New(info.Env(), seg->Value());
}

// mpPassOn(target): an async waiter that parked and leaves without what it
// waited for passes on the wake-up it may have spent (Segment::PassOn).
Napi::Value PassOnWake(const Napi::CallbackInfo& info) {
  SEGMENT_OR_FAIL("mpPassOn(handle)");
  seg->PassOn();
  return info.Env().Undefined();
}

// mpSetRetryDelay(ms): for tests only (SegmentOps::SetRetryDelay).
Napi::Value SetRetryDelay(const Napi::CallbackInfo& info) {
  double ms;
  if (!NumberOf(info[0], &ms) || !(ms >= 0 && ms <= 60'000)) return Fail(info.Env(), "mpSetRetryDelay(ms)");
  mp::SegmentOps::SetRetryDelay(static_cast<int>(ms));
  return info.Env().Undefined();
}

// mpNotify(target, n) -> Condition: wakes up to n waiters (n <= 0: all).
Napi::Value Notify(const Napi::CallbackInfo& info) {
  SEGMENT_OR_FAIL("mpNotify(handle, n)");
  double n;
  if (!NumberOf(info[1], &n)) return Fail(info.Env(), "mpNotify(handle, n)");
  seg->ConditionNotify(n <= 0 || n > INT32_MAX ? INT32_MAX : static_cast<int32_t>(n));
  return info.Env().Undefined();
}

// mpEventWait(target, seen, timeoutSeconds) -> 1 set since `seen`, 0 timed
// out, mp::kCancelled (3) cancelled.
Napi::Value EventWait(const Napi::CallbackInfo& info) {
  return Blocking<1>(info, "mpEventWait(handle, seen, timeout)", [&](Segment* seg, const double* n, Deadline deadline, auto* seq, auto* cancel) {
    bool cancelled = false;
    const bool set = seg->EventWait(static_cast<uint32_t>(n[0]), deadline, seq, cancel, &cancelled);
    return Napi::Number::New(info.Env(), cancelled ? mp::kCancelled : set ? 1 : 0);
  });
}

// mpParkAsync(target, expected, callback) -> waiter id, or 0 when the
// state changed already (retry now). callback(status) runs on this thread
// once the state it watches changes; binding.cancelAsync(id) removes it.
Napi::Value ParkAsyncShared(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<Segment> keep;
  Segment* seg = SegmentOf(info[0], &keep);
  double expected;
  if (!seg || !NumberOf(info[1], &expected) || !info[2].IsFunction()) return Fail(env, "mpParkAsync(handle, expected, callback)");
  auto state = State(env);
  if (!state) {
    Napi::Error::New(env, "pthreading: thread not registered").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  AsyncWaiter* w = state->NewAsyncWaiter(info[0], info[2]);
  if (!w) return Napi::Number::New(env, 0);
  w->op = kOpShared;
  w->remove = mp::RemoveShared;
  // The word a pass-on wakes: the one the waiter watches first.
  w->word = reinterpret_cast<int32_t*>(&seg->header()->words[0]);
  w->key = reinterpret_cast<uintptr_t>(w->word);
  if (!seg->ParkAsync(w, static_cast<uint32_t>(expected), keep)) {
    state->DropAsyncWaiter(w->async_id);
    return Napi::Number::New(env, 0);
  }
  return Napi::Number::New(env, w->async_id);
}

// mpWaitChild(pid, timeoutSeconds) -> [code, signal] once child `pid` has
// ended (not reaped), null if it still runs, -1 if it is gone (reaped),
// -2 without pidfd support. Blocks this thread.
Napi::Value WaitChildFn(const Napi::CallbackInfo& info) {
  double pid, timeout;
  if (!NumberOf(info[0], &pid) || pid < 1 || !NumberOf(info[1], &timeout)) return Fail(info.Env(), "mpWaitChild(pid, timeout)");
  int code = 0, signal = 0;
  const int r = mp::WaitChild(static_cast<int>(pid), DeadlineAfter(timeout), &code, &signal);
  if (r == 0) return info.Env().Null();
  if (r < 0) return Napi::Number::New(info.Env(), r);
  return Tuple(info.Env(), code, signal);
}

// mpShape(target) -> [typecode, length] of a Value/Array.
Napi::Value Shape(const Napi::CallbackInfo& info) {
  SEGMENT_OR_FAIL("mpShape(handle)");
  return Tuple(info.Env(), seg->typecode(), seg->length());
}

// mpBarrierWait(target, timeoutSeconds) -> [result, generation]: the
// arrival index, or core/shm.h's kBarrier* codes. Blocks this thread.
Napi::Value BarrierWait(const Napi::CallbackInfo& info) {
  return Blocking<0>(info, "mpBarrierWait(handle, timeout)", [&](Segment* seg, const double*, Deadline deadline, auto* seq, auto* cancelled) {
    uint32_t gen = 0;
    const int r = seg->BarrierWait(deadline, seq, cancelled, &gen);
    return Tuple(info.Env(), r, gen);
  });
}

// mpBarrierArrive(target) -> [result, generation, pending]
Napi::Value BarrierArrive(const Napi::CallbackInfo& info) {
  SEGMENT_OR_FAIL("mpBarrierArrive(handle)");
  uint32_t gen = 0;
  bool pending = false;
  const int r = seg->BarrierArrive(&gen, &pending);
  return Tuple(info.Env(), r, gen, pending);
}

// mpBarrierCheck(target, generation, index, timedOut) -> the index, a
// kBarrier* code, or kBarrierPending (still waiting).
Napi::Value BarrierCheck(const Napi::CallbackInfo& info) {
  SEGMENT_OR_FAIL("mpBarrierCheck(handle, generation, index, timedOut)");
  double gen, index;
  if (!NumberOf(info[1], &gen) || !NumberOf(info[2], &index) || !info[3].IsBoolean())
    return Fail(info.Env(), "mpBarrierCheck(handle, generation, index, timedOut)");
  return Napi::Number::New(info.Env(), seg->BarrierCheck(static_cast<uint32_t>(gen), static_cast<int>(index),
                                                         info[3].As<Napi::Boolean>().Value() ? 0 : kForever));
}

// mpBarrierControl(target, op) -> op 0 trip, 1 fail (break) after the action,
// 2 abort, 3 reset; 4 -> [parties, waiting, broken].
Napi::Value BarrierControl(const Napi::CallbackInfo& info) {
  SEGMENT_OR_FAIL("mpBarrierControl(handle, op)");
  double op;
  if (!NumberOf(info[1], &op)) return Fail(info.Env(), "mpBarrierControl(handle, op)");
  switch (static_cast<int>(op)) {
    case 0: seg->BarrierTrip(true); break;
    case 1: seg->BarrierTrip(false); break;
    case 2: seg->BarrierAbort(); break;
    case 3: seg->BarrierReset(); break;
    default:
      return Tuple(info.Env(), seg->parties(), seg->BarrierWaiting(), seg->BarrierBroken());
  }
  return info.Env().Undefined();
}

// mpWord(target, i) -> the raw word i (0-7), for tests.
Napi::Value Word(const Napi::CallbackInfo& info) {
  SEGMENT_OR_FAIL("mpWord(handle, i)");
  double i;
  if (!NumberOf(info[1], &i) || i < 0 || i > 7) return Fail(info.Env(), "mpWord(handle, i)");
  return Napi::Number::New(info.Env(), seg->header()->words[static_cast<int>(i)].load());
}

Napi::Value Stats(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("mappedSegments", static_cast<double>(mp::MappedSegments()));
  out.Set("watchedAsync", static_cast<double>(mp::WatchedAsync()));
  return out;
}

// The numbers JavaScript must agree on (src/multiprocessing/native.ts
// checks them at load).
Napi::Object Constants(Napi::Env env) {
  Napi::Object c = Napi::Object::New(env);
  c.Set("version", mp::kVersion);
  c.Set("kinds", std::to_string(mp::kLock) + "," + std::to_string(mp::kRLock) + "," + std::to_string(mp::kSemaphore) + "," +
                     std::to_string(mp::kEvent) + "," + std::to_string(mp::kValue) + "," + std::to_string(mp::kArray) + "," +
                     std::to_string(mp::kBarrier) + "," + std::to_string(mp::kCondition) + "," +
                     std::to_string(mp::kSharedMemory));
  c.Set("results", std::to_string(mp::kBusy) + "," + std::to_string(mp::kAcquired) + "," + std::to_string(mp::kOwnerDied) +
                       "," + std::to_string(mp::kCancelled));
  c.Set("maxParticipants", mp::kMaxParticipants);
  return c;
}


// --- SharedMemory: bytes copied in and out, one call each -----------------
//
// JavaScript cannot hold a view of the mapping (an external ArrayBuffer,
// which Electron refuses), so a read copies the bytes into a new Buffer and
// a write copies them from the caller's view. Offsets and lengths are
// checked here too (JavaScript checks them first, for its RangeErrors).

// The bytes of a view (TypedArray or DataView, over an ArrayBuffer or a
// SharedArrayBuffer: the data pointer N-API gives includes the view's
// offset); false if it is neither.
bool BytesOf(Napi::Value v, uint8_t** data, size_t* length) {
  napi_env env = v.Env();
  void* p = nullptr;
  if (v.IsTypedArray()) {
    napi_typedarray_type type;
    size_t n = 0;
    if (napi_get_typedarray_info(env, v, &type, &n, &p, nullptr, nullptr) != napi_ok) return false;
    *length = v.As<Napi::TypedArray>().ByteLength();
  } else if (v.IsDataView()) {
    if (napi_get_dataview_info(env, v, length, &p, nullptr, nullptr) != napi_ok) return false;
  } else {
    return false;
  }
  *data = static_cast<uint8_t*>(p);
  return *length == 0 || p != nullptr;
}

// Whether [offset, offset + length) lies in the segment's bytes.
bool InBytes(Segment* seg, double offset, double length) {
  return offset >= 0 && length >= 0 && offset == std::floor(offset) && length == std::floor(length) &&
         offset + length <= static_cast<double>(seg->length());
}

// mpBytesRead(target, offset, length) -> a new Buffer with a copy of the
// bytes, or null out of range.
Napi::Value BytesRead(const Napi::CallbackInfo& info) {
  SEGMENT_OR_FAIL("mpBytesRead(handle, offset, length)");
  double offset, length;
  if (!NumberOf(info[1], &offset) || !NumberOf(info[2], &length) || seg->kind() != mp::kSharedMemory)
    return Fail(info.Env(), "mpBytesRead(handle, offset, length)");
  if (!InBytes(seg, offset, length)) return info.Env().Null();
  return Napi::Buffer<uint8_t>::Copy(info.Env(), seg->Bytes() + static_cast<size_t>(offset), static_cast<size_t>(length));
}

// mpBytesWrite(target, offset, source) -> the bytes written (all of the
// source), or -1 out of range.
Napi::Value BytesWrite(const Napi::CallbackInfo& info) {
  SEGMENT_OR_FAIL("mpBytesWrite(handle, offset, source)");
  double offset;
  uint8_t* data = nullptr;
  size_t length = 0;
  if (!NumberOf(info[1], &offset) || !BytesOf(info[2], &data, &length) || seg->kind() != mp::kSharedMemory)
    return Fail(info.Env(), "mpBytesWrite(handle, offset, source)");
  if (!InBytes(seg, offset, static_cast<double>(length))) return Napi::Number::New(info.Env(), -1);
  if (length > 0) std::memmove(seg->Bytes() + static_cast<size_t>(offset), data, length);
  return Napi::Number::New(info.Env(), static_cast<double>(length));
}

// mpBytesReadInto(target, offset, view) -> the bytes copied into `view`
// (as many as fit, up to the end of the segment), or -1 out of range.
Napi::Value BytesReadInto(const Napi::CallbackInfo& info) {
  SEGMENT_OR_FAIL("mpBytesReadInto(handle, offset, view)");
  double offset;
  uint8_t* data = nullptr;
  size_t length = 0;
  if (!NumberOf(info[1], &offset) || !BytesOf(info[2], &data, &length) || seg->kind() != mp::kSharedMemory)
    return Fail(info.Env(), "mpBytesReadInto(handle, offset, view)");
  if (!InBytes(seg, offset, 0)) return Napi::Number::New(info.Env(), -1);
  const size_t n = std::min(length, static_cast<size_t>(seg->length()) - static_cast<size_t>(offset));
  if (n > 0) std::memmove(data, seg->Bytes() + static_cast<size_t>(offset), n);
  return Napi::Number::New(info.Env(), static_cast<double>(n));
}

// A function for a plain N-API entry point (an exception is pending if it failed).
Napi::Value Fast(Napi::Env env, napi_callback cb, const char* name) {
  napi_value fn = nullptr;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, nullptr, &fn);
  return Napi::Value(env, fn);
}

}  // namespace

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

#include <cerrno>

// mpBytesReserve(target) -> 0 once every page of a SharedMemory's bytes is
// backed (MADV_POPULATE_WRITE: written to as if touched, the contents kept),
// the errno if they cannot be (EFAULT: the file system is full, where a
// write would have raised SIGBUS), or -1 where the kernel cannot tell
// (before Linux 5.14, or elsewhere).
static Napi::Value BytesReserve(const Napi::CallbackInfo& info) {
  SEGMENT_OR_FAIL("mpBytesReserve(handle)");
  if (seg->kind() != mp::kSharedMemory) return Fail(info.Env(), "mpBytesReserve(handle)");
#if defined(__linux__)
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
  const size_t length = static_cast<size_t>(seg->length());
  if (length == 0) return Napi::Number::New(info.Env(), 0);
  // madvise wants a page-aligned start: the header and the bytes share the
  // first page, which the header's writes have backed already.
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t from = reinterpret_cast<uintptr_t>(seg->Bytes()) / page * page;
  const uintptr_t to = reinterpret_cast<uintptr_t>(seg->Bytes()) + length;
  if (madvise(reinterpret_cast<void*>(from), to - from, MADV_POPULATE_WRITE) == 0) return Napi::Number::New(info.Env(), 0);
  const int e = errno;
  return Napi::Number::New(info.Env(), e == EINVAL ? -1 : e);
#else
  return Napi::Number::New(info.Env(), -1);
#endif
}

void InitMultiprocessing(Napi::Env env, Napi::Object exports) {
  Napi::Object mp = Napi::Object::New(env);
  mp.Set("constants", Constants(env));
  mp.Set("open", Napi::Function::New(env, Open, "mpOpen"));
  mp.Set("close", Napi::Function::New(env, Close, "mpClose"));
  mp.Set("unlink", Napi::Function::New(env, Unlink, "mpUnlink"));
  mp.Set("tryLock", Fast(env, TryLock, "mpTryLock"));
  mp.Set("bind", Fast(env, Bind, "mpBind"));
  mp.Set("lock", Napi::Function::New(env, Lock, "mpLock"));
  mp.Set("unlock", Fast(env, Unlock, "mpUnlock"));
  mp.Set("locked", Fast(env, Locked, "mpLocked"));
  mp.Set("owned", Napi::Function::New(env, Owned, "mpOwned"));
  mp.Set("holderPid", Napi::Function::New(env, HolderPid, "mpHolderPid"));
  mp.Set("tryTake", Fast(env, TryTake, "mpTryTake"));
  mp.Set("take", Napi::Function::New(env, Take, "mpTake"));
  mp.Set("give", Fast(env, Give, "mpGive"));
  mp.Set("value", Napi::Function::New(env, Value, "mpValue"));
  mp.Set("eventState", Fast(env, EventState, "mpEventState"));
  mp.Set("eventSet", Fast(env, EventSet, "mpEventSet"));
  mp.Set("eventClear", Fast(env, EventClear, "mpEventClear"));
  mp.Set("eventWait", Napi::Function::New(env, EventWait, "mpEventWait"));
  mp.Set("notify", Napi::Function::New(env, Notify, "mpNotify"));
  mp.Set("parkAsync", Napi::Function::New(env, ParkAsyncShared, "mpParkAsync"));
  mp.Set("stats", Napi::Function::New(env, Stats, "mpStats"));
  mp.Set("word", Napi::Function::New(env, Word, "mpWord"));
  mp.Set("waitChild", Napi::Function::New(env, WaitChildFn, "mpWaitChild"));
  mp.Set("read", Fast(env, Read, "mpRead"));
  mp.Set("write", Fast(env, Write, "mpWrite"));
  mp.Set("shape", Napi::Function::New(env, Shape, "mpShape"));
  mp.Set("barrierWait", Napi::Function::New(env, BarrierWait, "mpBarrierWait"));
  mp.Set("barrierArrive", Napi::Function::New(env, BarrierArrive, "mpBarrierArrive"));
  mp.Set("barrierCheck", Napi::Function::New(env, BarrierCheck, "mpBarrierCheck"));
  mp.Set("barrierControl", Napi::Function::New(env, BarrierControl, "mpBarrierControl"));
  mp.Set("bytesRead", Napi::Function::New(env, BytesRead, "mpBytesRead"));
  mp.Set("bytesWrite", Napi::Function::New(env, BytesWrite, "mpBytesWrite"));
  mp.Set("bytesReadInto", Napi::Function::New(env, BytesReadInto, "mpBytesReadInto"));
  mp.Set("bytesReserve", Napi::Function::New(env, BytesReserve, "mpBytesReserve"));
  mp.Set("passOn", Napi::Function::New(env, PassOnWake, "mpPassOn"));
  mp.Set("setRetryDelay", Napi::Function::New(env, SetRetryDelay, "mpSetRetryDelay"));
  exports.Set("mp", mp);
}

}  // namespace pthreading
