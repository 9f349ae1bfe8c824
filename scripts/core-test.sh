#!/usr/bin/env bash
# Unit tests of native/core (no Node, no N-API): built plain, with
# AddressSanitizer and with ThreadSanitizer, invariant checks on.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for mode in plain address thread; do
  flags=(-std=c++20 -Wall -Wextra -Werror -O1 -g -Inative -DPTHREADING_CHECKS -pthread)
  [ "$mode" = plain ] || flags+=(-fsanitize="$mode")
  g++ "${flags[@]}" native/core/*.cc test/native/core_test.cc -o "$out/core-$mode"
  echo "native/core ($mode):"
  "$out/core-$mode"
done
