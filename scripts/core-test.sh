#!/usr/bin/env bash
# Unit tests of native/core (no Node, no N-API): built with
# AddressSanitizer and with ThreadSanitizer, invariant checks on (the
# plain build is the addon's own).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for mode in address thread; do
  flags=(-std=c++20 -Wall -Wextra -Werror -O1 -g -Inative -DPTHREADING_CHECKS -pthread -fsanitize="$mode")
  g++ "${flags[@]}" native/core/*.cc test/native/core_test.cc -o "$out/core-$mode"
  echo "native/core ($mode):"
  # ThreadSanitizer needs the address layout it expects: no randomization.
  if [ "$mode" = thread ]; then setarch "$(uname -m)" -R "$out/core-$mode"; else "$out/core-$mode"; fi
done
