// The entry points of pthreading/multiprocessing (multiprocessing.cc).
#pragma once

#include <napi.h>

namespace pthreading {

// Adds `exports.mp`: the functions src/multiprocessing/native.ts calls.
void InitMultiprocessing(Napi::Env env, Napi::Object exports);

}  // namespace pthreading
