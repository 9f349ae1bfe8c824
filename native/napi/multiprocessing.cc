// The native boundary of pthreading/multiprocessing: the mp* functions
// src/multiprocessing/native.ts calls, each validating its arguments and
// turning them into calls on core/shm.h.
//
// A JavaScript primitive holds its segment through a plain object (its
// `_handle`) that this file wraps (napi_wrap) with a shared_ptr to the
// process's mapping; the finalizer, or mpClose, drops it. No external
// ArrayBuffer is made: JavaScript never sees the mapping itself.
#include "napi/multiprocessing.h"

#include <algorithm>
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

void Finalize(napi_env, void* data, void*) {
  auto* seg = static_cast<std::shared_ptr<Segment>*>(data);
  mp::ReleaseSegment(std::move(*seg));
  delete seg;
}

// The segment a handle wraps, or null (not a handle, or closed).
Segment* SegmentOf(Napi::Value v, std::shared_ptr<Segment>* out = nullptr) {
  if (!v.IsObject()) return nullptr;
  void* data = nullptr;
  if (napi_unwrap(v.Env(), v, &data) != napi_ok || data == nullptr) return nullptr;
  auto* seg = static_cast<std::shared_ptr<Segment>*>(data);
  if (out) *out = *seg;
  return seg->get();
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

// mpOpen(target, name, kind, value, bound, flags, mode, create, initial?)
// -> 1 created, 0 opened, or [error, detail] (mp::OpenError). `initial`:
// a new Value's value, set before anybody can open it.
Napi::Value Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name;
  double kind, value, bound, flags, mode, create;
  if (!info[0].IsObject() || !NameOf(info[1], &name) || !NumberOf(info[2], &kind) || !mp::IsKind(static_cast<uint32_t>(kind)) ||
      !NumberOf(info[3], &value) || !NumberOf(info[4], &bound) || !NumberOf(info[5], &flags) || !NumberOf(info[6], &mode) ||
      !NumberOf(info[7], &create))
    return Fail(env, "mpOpen(target, name, kind, value, bound, flags, mode, create)");
  int32_t error = 0, detail = 0;
  bool created = false;
  const double initial = info[8].IsNumber() ? info[8].As<Napi::Number>().DoubleValue() : 0;
  auto seg = Segment::Open(name, static_cast<mp::Kind>(kind), static_cast<int32_t>(value), static_cast<int32_t>(bound),
                           static_cast<uint32_t>(flags), static_cast<uint32_t>(mode) & 0777, static_cast<int>(create), &error,
                           &detail, initial, &created);
  if (!seg) {
    Napi::Array out = Napi::Array::New(env, 2);
    out.Set(0u, error);
    out.Set(1u, detail);
    return out;
  }
  auto* holder = new std::shared_ptr<Segment>(std::move(seg));
  if (napi_wrap(env, info[0], holder, Finalize, nullptr, nullptr) != napi_ok) {
    mp::ReleaseSegment(std::move(*holder));
    delete holder;
    return Fail(env, "mpOpen: the target is already a handle");
  }
  return Napi::Number::New(env, created ? 1 : 0);
}

// mpClose(target) -> whether it was open.
Napi::Value Close(const Napi::CallbackInfo& info) {
  void* data = nullptr;
  if (!info[0].IsObject() || napi_remove_wrap(info.Env(), info[0], &data) != napi_ok || data == nullptr)
    return Napi::Boolean::New(info.Env(), false);
  Finalize(info.Env(), data, nullptr);
  return Napi::Boolean::New(info.Env(), true);
}

// mpUnlink(name) -> 0 or errno.
Napi::Value Unlink(const Napi::CallbackInfo& info) {
  std::string name;
  if (!NameOf(info[0], &name)) return Fail(info.Env(), "mpUnlink(name)");
  return Napi::Number::New(info.Env(), Segment::Unlink(name));
}

#define SEGMENT_OR_FAIL(what)                       \
  Segment* seg = SegmentOf(info[0]);                \
  if (!seg) return Fail(info.Env(), what);

// mpTryLock(target, ident, slept?) -> mp::Result. `slept`: an async
// waiter retrying after a park (takes the lock marked WAITERS).
Napi::Value TryLock(const Napi::CallbackInfo& info) {
  SEGMENT_OR_FAIL("mpTryLock(handle, ident, slept)");
  double ident;
  if (!NumberOf(info[1], &ident)) return Fail(info.Env(), "mpTryLock(handle, ident, slept)");
  return Napi::Number::New(info.Env(), seg->TryLock(ident, info[2].IsBoolean() && info[2].As<Napi::Boolean>().Value()));
}

// mpLock(target, ident, timeoutSeconds) -> mp::Result; blocks this thread.
Napi::Value Lock(const Napi::CallbackInfo& info) {
  std::shared_ptr<Segment> keep;
  Segment* seg = SegmentOf(info[0], &keep);
  double ident, timeout;
  if (!seg || !NumberOf(info[1], &ident) || !NumberOf(info[2], &timeout)) return Fail(info.Env(), "mpLock(handle, ident, timeout)");
  auto state = State(info.Env());
  const Deadline deadline = DeadlineAfter(timeout);
  SyncPark park(state);
  return Napi::Number::New(info.Env(), seg->Lock(ident, deadline, state ? &state->cancel_seq() : nullptr,
                                                 state ? &state->cancelled() : nullptr));
}

// mpUnlock(target, ident) -> Lock: 1 released, 0 not locked; RLock: the
// count left, or -1 when the caller does not own it.
Napi::Value Unlock(const Napi::CallbackInfo& info) {
  SEGMENT_OR_FAIL("mpUnlock(handle, ident)");
  double ident;
  if (!NumberOf(info[1], &ident)) return Fail(info.Env(), "mpUnlock(handle, ident)");
  return Napi::Number::New(info.Env(), seg->Unlock(ident));
}

Napi::Value Locked(const Napi::CallbackInfo& info) {
  SEGMENT_OR_FAIL("mpLocked(handle)");
  return Napi::Boolean::New(info.Env(), seg->Locked());
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

Napi::Value TryTake(const Napi::CallbackInfo& info) {
  SEGMENT_OR_FAIL("mpTryTake(handle)");
  return Napi::Number::New(info.Env(), seg->TryTake());
}

// mpTake(target, timeoutSeconds) -> mp::Result; blocks this thread.
Napi::Value Take(const Napi::CallbackInfo& info) {
  std::shared_ptr<Segment> keep;
  Segment* seg = SegmentOf(info[0], &keep);
  double timeout;
  if (!seg || !NumberOf(info[1], &timeout)) return Fail(info.Env(), "mpTake(handle, timeout)");
  auto state = State(info.Env());
  SyncPark park(state);
  return Napi::Number::New(info.Env(), seg->Take(DeadlineAfter(timeout), state ? &state->cancel_seq() : nullptr,
                                                 state ? &state->cancelled() : nullptr));
}

// mpGive(target, n) -> false if the value would pass the bound.
Napi::Value Give(const Napi::CallbackInfo& info) {
  SEGMENT_OR_FAIL("mpGive(handle, n)");
  double n;
  if (!NumberOf(info[1], &n) || n < 1 || n > 0x7fffffff) return Fail(info.Env(), "mpGive(handle, n)");
  return Napi::Boolean::New(info.Env(), seg->Give(static_cast<int32_t>(n)));
}

Napi::Value Value(const Napi::CallbackInfo& info) {
  SEGMENT_OR_FAIL("mpValue(handle)");
  return Napi::Number::New(info.Env(), seg->Value());
}

Napi::Value EventState(const Napi::CallbackInfo& info) {
  SEGMENT_OR_FAIL("mpEventState(handle)");
  return Napi::Number::New(info.Env(), seg->EventState());
}

Napi::Value EventSet(const Napi::CallbackInfo& info) {
  SEGMENT_OR_FAIL("mpEventSet(handle)");
  seg->EventSet();
  return info.Env().Undefined();
}

Napi::Value EventClear(const Napi::CallbackInfo& info) {
  SEGMENT_OR_FAIL("mpEventClear(handle)");
  seg->EventClear();
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
  std::shared_ptr<Segment> keep;
  Segment* seg = SegmentOf(info[0], &keep);
  double seen, timeout;
  if (!seg || !NumberOf(info[1], &seen) || !NumberOf(info[2], &timeout)) return Fail(info.Env(), "mpEventWait(handle, seen, timeout)");
  auto state = State(info.Env());
  bool cancelled = false;
  SyncPark park(state);
  const bool set = seg->EventWait(static_cast<uint32_t>(seen), DeadlineAfter(timeout), state ? &state->cancel_seq() : nullptr,
                                  state ? &state->cancelled() : nullptr, &cancelled);
  return Napi::Number::New(info.Env(), cancelled ? mp::kCancelled : set ? 1 : 0);
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
  Napi::Array out = Napi::Array::New(info.Env(), 2);
  out.Set(0u, code);
  out.Set(1u, signal);
  return out;
}

// mpRead(target, i) -> element i of a Value/Array (undefined out of range).
Napi::Value Read(const Napi::CallbackInfo& info) {
  SEGMENT_OR_FAIL("mpRead(handle, i)");
  double i;
  if (!NumberOf(info[1], &i) || mp::ItemSize(seg->typecode()) == 0) return Fail(info.Env(), "mpRead(handle, i)");
  if (!(i >= 0 && i < seg->length()) || i != std::floor(i)) return info.Env().Undefined();
  return Napi::Number::New(info.Env(), seg->Read(static_cast<int32_t>(i)));
}

// mpWrite(target, i, value) -> false if i is out of range.
Napi::Value Write(const Napi::CallbackInfo& info) {
  SEGMENT_OR_FAIL("mpWrite(handle, i, value)");
  double i, v;
  if (!NumberOf(info[1], &i) || !info[2].IsNumber() || mp::ItemSize(seg->typecode()) == 0)
    return Fail(info.Env(), "mpWrite(handle, i, value)");
  v = info[2].As<Napi::Number>().DoubleValue();
  if (!(i >= 0 && i < seg->length()) || i != std::floor(i)) return Napi::Boolean::New(info.Env(), false);
  seg->Write(static_cast<int32_t>(i), v);
  return Napi::Boolean::New(info.Env(), true);
}

// mpShape(target) -> [typecode, length] of a Value/Array.
Napi::Value Shape(const Napi::CallbackInfo& info) {
  SEGMENT_OR_FAIL("mpShape(handle)");
  Napi::Array out = Napi::Array::New(info.Env(), 2);
  out.Set(0u, seg->typecode());
  out.Set(1u, seg->length());
  return out;
}

// mpBarrierWait(target, timeoutSeconds) -> [result, generation]: the
// arrival index, or core/shm.h's kBarrier* codes. Blocks this thread.
Napi::Value BarrierWait(const Napi::CallbackInfo& info) {
  std::shared_ptr<Segment> keep;
  Segment* seg = SegmentOf(info[0], &keep);
  double timeout;
  if (!seg || !NumberOf(info[1], &timeout)) return Fail(info.Env(), "mpBarrierWait(handle, timeout)");
  auto state = State(info.Env());
  SyncPark park(state);
  uint32_t gen = 0;
  const int r = seg->BarrierWait(DeadlineAfter(timeout), state ? &state->cancel_seq() : nullptr,
                                 state ? &state->cancelled() : nullptr, &gen);
  Napi::Array out = Napi::Array::New(info.Env(), 2);
  out.Set(0u, r);
  out.Set(1u, gen);
  return out;
}

// mpBarrierArrive(target) -> [result, generation, pending]
Napi::Value BarrierArrive(const Napi::CallbackInfo& info) {
  SEGMENT_OR_FAIL("mpBarrierArrive(handle)");
  uint32_t gen = 0;
  bool pending = false;
  const int r = seg->BarrierArrive(&gen, &pending);
  Napi::Array out = Napi::Array::New(info.Env(), 3);
  out.Set(0u, r);
  out.Set(1u, gen);
  out.Set(2u, pending);
  return out;
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
    default: {
      Napi::Array out = Napi::Array::New(info.Env(), 3);
      out.Set(0u, seg->parties());
      out.Set(1u, seg->BarrierWaiting());
      out.Set(2u, seg->BarrierBroken());
      return out;
    }
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

}  // namespace

#include <sys/mman.h>
#include <unistd.h>

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
  mp.Set("tryLock", Napi::Function::New(env, TryLock, "mpTryLock"));
  mp.Set("lock", Napi::Function::New(env, Lock, "mpLock"));
  mp.Set("unlock", Napi::Function::New(env, Unlock, "mpUnlock"));
  mp.Set("locked", Napi::Function::New(env, Locked, "mpLocked"));
  mp.Set("owned", Napi::Function::New(env, Owned, "mpOwned"));
  mp.Set("holderPid", Napi::Function::New(env, HolderPid, "mpHolderPid"));
  mp.Set("tryTake", Napi::Function::New(env, TryTake, "mpTryTake"));
  mp.Set("take", Napi::Function::New(env, Take, "mpTake"));
  mp.Set("give", Napi::Function::New(env, Give, "mpGive"));
  mp.Set("value", Napi::Function::New(env, Value, "mpValue"));
  mp.Set("eventState", Napi::Function::New(env, EventState, "mpEventState"));
  mp.Set("eventSet", Napi::Function::New(env, EventSet, "mpEventSet"));
  mp.Set("eventClear", Napi::Function::New(env, EventClear, "mpEventClear"));
  mp.Set("eventWait", Napi::Function::New(env, EventWait, "mpEventWait"));
  mp.Set("notify", Napi::Function::New(env, Notify, "mpNotify"));
  mp.Set("parkAsync", Napi::Function::New(env, ParkAsyncShared, "mpParkAsync"));
  mp.Set("stats", Napi::Function::New(env, Stats, "mpStats"));
  mp.Set("word", Napi::Function::New(env, Word, "mpWord"));
  mp.Set("waitChild", Napi::Function::New(env, WaitChildFn, "mpWaitChild"));
  mp.Set("read", Napi::Function::New(env, Read, "mpRead"));
  mp.Set("write", Napi::Function::New(env, Write, "mpWrite"));
  mp.Set("shape", Napi::Function::New(env, Shape, "mpShape"));
  mp.Set("barrierWait", Napi::Function::New(env, BarrierWait, "mpBarrierWait"));
  mp.Set("barrierArrive", Napi::Function::New(env, BarrierArrive, "mpBarrierArrive"));
  mp.Set("barrierCheck", Napi::Function::New(env, BarrierCheck, "mpBarrierCheck"));
  mp.Set("barrierControl", Napi::Function::New(env, BarrierControl, "mpBarrierControl"));
  mp.Set("bytesRead", Napi::Function::New(env, BytesRead, "mpBytesRead"));
  mp.Set("bytesWrite", Napi::Function::New(env, BytesWrite, "mpBytesWrite"));
  mp.Set("bytesReadInto", Napi::Function::New(env, BytesReadInto, "mpBytesReadInto"));
  mp.Set("bytesReserve", Napi::Function::New(env, BytesReserve, "mpBytesReserve"));
  exports.Set("mp", mp);
}

}  // namespace pthreading
