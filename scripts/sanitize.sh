#!/usr/bin/env bash
# Builds the addon with a sanitizer (address or thread), runs the
# native-heavy tests against it, then puts the normal addon back as it was
# (saved before, not rebuilt: one build per configuration).
#   bash scripts/sanitize.sh address   (npm run test:asan)
#   bash scripts/sanitize.sh thread    (npm run test:tsan)
# Node itself is not instrumented, so the sanitizer runtime is preloaded;
# leak detection is off (Node does not free everything at exit; the leak
# tests measure our memory instead).
set -euo pipefail
kind="${1:?address or thread}"
cd "$(dirname "$0")/.."
saved="$(mktemp -d)"
if [ -f build/Release/pthreading.node ]; then
  cp build/Release/pthreading.node "$saved/"
  trap 'mkdir -p build/Release && cp "$saved/pthreading.node" build/Release/ && rm -rf "$saved"' EXIT
else
  trap 'rm -rf "$saved"; npx node-gyp rebuild > /dev/null 2>&1' EXIT
fi

case "$kind" in
  address)
    lib="$(gcc -print-file-name=libasan.so)"
    export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:verify_asan_link_order=0"
    layout=() ;;
  thread)
    lib="$(gcc -print-file-name=libtsan.so)"
    export TSAN_OPTIONS="halt_on_error=1:report_signal_unsafe=0:suppressions=$PWD/scripts/tsan.supp"
    # ThreadSanitizer needs the address layout it expects: no randomization.
    layout=(setarch "$(uname -m)" -R) ;;
  *) echo "unknown sanitizer: $kind" >&2; exit 2 ;;
esac

# TypeScript first (incremental: nothing to do when dist/ is current): its
# build loads the addon, which must not yet be the instrumented one (that
# loads only with the runtime preloaded).
npm run build:ts > /dev/null
npx node-gyp rebuild --sanitize="$kind" > /dev/null
# Instrumented code runs several times slower: tests scale time bounds.
export PTHREADING_TIME_SCALE=10
# The multiprocessing stress test in a smaller shape: instrumented threads boot many times slower.
export PTHREADING_STRESS_SHAPE=3x3
tests=(test/lock.test.ts test/rlock.test.ts test/condition.test.ts test/semaphore.test.ts
  test/event.test.ts test/barrier.test.ts test/crossthread.test.ts test/async.test.ts
  test/exit.test.ts test/queue.test.ts test/thread.test.ts test/stress.test.ts test/debug.test.ts
  test/waits.test.ts test/waits-storm.test.ts test/drivers.test.ts test/invariants.test.ts
  # worker reuse (native recycleThread): threads ending, their workers taken back
  test/reuse.test.ts
  # pthreading/multiprocessing (native/core/shm*.cc, native/napi/multiprocessing.cc):
  # the child processes these start inherit LD_PRELOAD, so they run instrumented too.
  test/multiprocessing.lock.test.ts test/multiprocessing.value.test.ts test/multiprocessing.sync.test.ts
  test/multiprocessing.errors.test.ts test/multiprocessing.cleanup.test.ts test/multiprocessing.condition.test.ts
  test/multiprocessing.barrier.test.ts test/multiprocessing.stress.test.ts
  test/multiprocessing.queue.test.ts test/multiprocessing.shm.test.ts)
# The runtime is preloaded into node only (not into the shells around it).
"${layout[@]}" env LD_PRELOAD="$lib" node node_modules/vitest/vitest.mjs run "${tests[@]}"
